package dev.shiftlog.schemas.rows;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Streams the rows of one SQLite table as the Avro key and value records a PostgreSQL source's change events
 * become ({@code <table>_key} and {@code <table>} in {@code shiftlog.<m>.src.main}), each value read by its
 * column's {@link SqliteType}. Both the SQLite capture and {@code verify} read through it, so they agree on every
 * value. A row with a value that fits no rule comes back refused, with the column and the reason.
 */
public final class SqliteTableReader implements AutoCloseable {
    /** A column, its kind, and its place in the primary key (0 when not part of it). */
    public record Column(String name, SqliteType type, boolean notNull, int keyPosition) {}

    /**
     * One legacy row: its key, and its value or (when a stored value fits no rule) why it is refused.
     *
     * @param keyText the key as text, values joined by '/', as the DLQ and the id strategies name it
     */
    public record Row(GenericRecord key, GenericRecord value, String keyText, String refusal) {
        public boolean refused() {
            return refusal != null;
        }
    }

    private final String table;
    private final List<Column> columns;
    private final List<Column> key;
    private final Schema keySchema;
    private final Schema valueSchema;
    private final Statement statement;
    private final ResultSet rows;

    /**
     * @param rules the spec's {@code source.types}: {@code table.column} → kind, over the declared types
     * @throws SQLException when the table does not exist or has no primary key
     */
    public SqliteTableReader(Connection connection, String migration, String table, Map<String, String> rules) throws SQLException {
        this.table = table;
        this.columns = columns(connection, table, rules);
        if (columns.isEmpty()) {
            throw new SQLException("SQLite table '" + table + "' does not exist in " + connection.getMetaData().getURL());
        }
        this.key = columns.stream().filter(c -> c.keyPosition() > 0).sorted(Comparator.comparingInt(Column::keyPosition)).toList();
        if (key.isEmpty()) {
            throw new SQLException("SQLite table '" + table + "' has no primary key; shiftlog keys each row's events by it"
                    + " (declare one, e.g. a PRIMARY KEY on its id column)");
        }
        String namespace = "shiftlog." + migration.replaceAll("[^A-Za-z0-9_]", "_") + ".src.main";
        try {
            List<Schema.Field> keyFields = new ArrayList<>();
            key.forEach(c -> keyFields.add(new Schema.Field(c.name(), c.type().avro())));
            keySchema = Schema.createRecord(table + "_key", null, namespace, false, keyFields);
            List<Schema.Field> valueFields = new ArrayList<>();
            for (Column c : columns) {
                valueFields.add(c.notNull() || c.keyPosition() > 0 ? new Schema.Field(c.name(), c.type().avro())
                        : new Schema.Field(c.name(), AvroValues.optional(c.type().avro()), null, Schema.Field.NULL_DEFAULT_VALUE));
            }
            valueSchema = Schema.createRecord(table, null, namespace, false, valueFields);
        } catch (SchemaParseException e) {
            throw new SQLException("SQLite table '" + table + "' has a name shiftlog cannot carry (" + e.getMessage()
                    + "); table and column names must be letters, digits and '_', not starting with a digit");
        }
        statement = connection.createStatement();
        rows = statement.executeQuery("SELECT " + columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "))
                + " FROM " + quote(table) + " ORDER BY " + key.stream().map(c -> quote(c.name())).collect(Collectors.joining(", ")));
    }

    /** The table's columns in declared order, with the kinds their declared types or the rules give them. */
    public static List<Column> columns(Connection connection, String table, Map<String, String> rules) throws SQLException {
        List<Column> out = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + quote(table) + ")")) {
            while (rs.next()) {
                String name = rs.getString("name");
                String rule = rules.get(table + "." + name);
                SqliteType type = rule != null ? SqliteType.parseRule(rule) : SqliteType.ofDeclared(rs.getString("type"));
                out.add(new Column(name, type, rs.getInt("notnull") == 1, rs.getInt("pk")));
            }
        }
        return out;
    }

    public Schema keySchema() {
        return keySchema;
    }

    public Schema valueSchema() {
        return valueSchema;
    }

    /** The next row in key order, or null after the last. */
    public Row next() throws SQLException {
        if (!rows.next()) {
            return null;
        }
        Object[] stored = new Object[columns.size()];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = rows.getObject(i + 1);
        }
        String keyText = key.stream().map(c -> String.valueOf(stored[columns.indexOf(c)])).collect(Collectors.joining("/"));
        GenericRecord k = new GenericData.Record(keySchema);
        GenericRecord v = new GenericData.Record(valueSchema);
        String refusal = null;
        for (int i = 0; i < stored.length; i++) {
            Column c = columns.get(i);
            try {
                Object value = c.type().toAvro(stored[i]);
                if (value == null && c.keyPosition() > 0) {
                    throw new SqliteType.MismatchException("NULL in the primary key");
                }
                v.put(c.name(), value);
                if (c.keyPosition() > 0) {
                    k.put(c.name(), value);
                }
            } catch (SqliteType.MismatchException e) {
                if (refusal == null) { // the first column that does not fit names the row's refusal
                    refusal = table + "." + c.name() + ": " + e.getMessage() + " (read as " + c.type().describe()
                            + "; a rule under source.types reads it otherwise)";
                }
            }
        }
        return refusal == null ? new Row(k, v, keyText, null)
                : new Row(key.stream().allMatch(c -> k.get(c.name()) != null) ? k : null, null, keyText, refusal);
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    public void close() throws SQLException {
        rows.close();
        statement.close();
    }
}
