package dev.shiftlog.producer;

import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.catalog.TableInfo;
import dev.shiftlog.schemas.rows.PostgresRowShape;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;

/**
 * One legacy table as the chunked snapshot reads it: its key-range chunks, and its rows as the very Avro key and
 * value records the log capture makes of Debezium's events ({@link ConnectToAvro}: same names, namespace, field
 * order, optional fields for nullable columns; {@link PostgresRowShape}). The key schema must be identical, since the schema id is part of
 * the key bytes Kafka partitions by: a snapshot row and a later change of it must meet in one partition.
 */
final class SnapshotTable {
    private final String schema;
    private final String table;
    private final String relation;
    private final List<String> keyColumns;
    /** The key columns' types as {@code format_type} spells them, for casting chunk bounds back from text. */
    private final List<String> keyTypes;
    private final PostgresRowShape shape;

    private SnapshotTable(String schema, String table, List<String> keyColumns, List<String> keyTypes, PostgresRowShape shape) {
        this.schema = schema;
        this.table = table;
        this.relation = SqlIdentifiers.qualified(schema, table);
        this.keyColumns = keyColumns;
        this.keyTypes = keyTypes;
        this.shape = shape;
    }

    /** Learns the table's shape on a connection of the snapshot. */
    static SnapshotTable describe(Connection c, String migration, String schema, String table) throws SQLException {
        TableInfo info = PostgresCatalog.table(c, schema, table).orElseThrow(() -> new SQLException(
                "legacy table " + schema + "." + table + " does not exist"));
        if (info.primaryKey().isEmpty()) {
            throw new SQLException("legacy table " + schema + "." + table + " has no primary key; shiftlog keys every change by it"
                    + " (add one, or leave the table out of the spec)");
        }
        String namespace = "shiftlog." + migration.replaceAll("[^A-Za-z0-9_]", "_") + ".src." + schema;
        String relation = SqlIdentifiers.qualified(schema, table);
        PostgresRowShape shape;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + relation + " LIMIT 0")) {
            shape = PostgresRowShape.of(rs.getMetaData(), namespace, table, info.primaryKey(), true);
        }
        List<String> keyTypes = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = ?::regclass AND attname = ?")) {
            for (String column : info.primaryKey()) {
                ps.setString(1, relation);
                ps.setString(2, column);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    keyTypes.add(rs.getString(1));
                }
            }
        }
        return new SnapshotTable(schema, table, info.primaryKey(), keyTypes, shape);
    }

    String qualifiedName() {
        return schema + "." + table;
    }

    String schemaName() {
        return schema;
    }

    String tableName() {
        return table;
    }

    private String keyList() {
        return "(" + keyColumns.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", ")) + ")";
    }

    private String boundList() {
        return "(" + keyTypes.stream().map(t -> "CAST(? AS " + t + ")").collect(Collectors.joining(", ")) + ")";
    }

    /**
     * Splits the table, as the snapshot sees it, into chunks of about {@code chunkRows} rows by key order: the
     * first key of every chunk but the first, as text.
     */
    List<List<String>> chunkStarts(Connection c, long chunkRows) throws SQLException {
        String keys = keyColumns.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
        // by row number: ORDER BY a key's name would sort its text (an output column of the same name), "10001" before "501"
        String texts = keyColumns.stream().map(k -> SqlIdentifiers.quote(k) + "::text").collect(Collectors.joining(", "));
        List<List<String>> starts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + texts + " FROM (SELECT " + keys + ", row_number() OVER (ORDER BY "
                + keys + ") AS shiftlog_n FROM " + relation + ") s WHERE shiftlog_n % ? = 1 AND shiftlog_n > 1 ORDER BY shiftlog_n")) {
            ps.setLong(1, chunkRows);
            ps.setFetchSize(1000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> start = new ArrayList<>();
                    for (int k = 1; k <= keyColumns.size(); k++) {
                        start.add(rs.getString(k));
                    }
                    starts.add(start);
                }
            }
        }
        return starts;
    }

    long count(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + relation)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Consumes one row of the chunk. */
    interface RowSink {
        void accept(GenericRecord key, GenericRecord value) throws Exception;
    }

    /**
     * Reads chunk {@code index} of the plan's {@code starts} (keys from the previous start, inclusive, to the next,
     * exclusive) with a cursor; returns the rows read.
     */
    long readChunk(Connection c, List<List<String>> starts, int index, int fetchSize, RowSink sink) throws Exception {
        StringBuilder sql = new StringBuilder("SELECT * FROM ").append(relation);
        List<String> binds = new ArrayList<>();
        List<String> conditions = new ArrayList<>();
        if (index > 0) {
            conditions.add(keyList() + " >= " + boundList());
            binds.addAll(starts.get(index - 1));
        }
        if (index < starts.size()) {
            conditions.add(keyList() + " < " + boundList());
            binds.addAll(starts.get(index));
        }
        if (!conditions.isEmpty()) {
            sql.append(" WHERE ").append(String.join(" AND ", conditions));
        }
        long rows = 0;
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < binds.size(); i++) {
                ps.setString(i + 1, binds.get(i));
            }
            ps.setFetchSize(fetchSize);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    GenericRecord value = shape.value(rs);
                    GenericRecord key = shape.key(value);
                    sink.accept(key, value);
                    rows++;
                }
            }
        }
        return rows;
    }
}
