package dev.shiftlog.sink;

import dev.shiftlog.schemas.rows.PgCopyText;
import dev.shiftlog.schemas.spec.ConnectionDef;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Applies table batches to PostgreSQL in one transaction: rows are COPYed into a temporary staging table, then
 * merged with {@code INSERT … ON CONFLICT (key) DO UPDATE}; deleted keys are COPYed and removed with
 * {@code DELETE … USING}. Replaying a batch leaves the target unchanged.
 */
final class PostgresUpsertWriter {
    private final ConnectionDef target;
    private final Connection connection;
    private final CopyManager copy;
    private final Set<String> stagingTables = new HashSet<>();

    PostgresUpsertWriter(ConnectionDef target, Connection connection) throws SQLException {
        this.target = target;
        this.connection = connection;
        this.connection.setAutoCommit(false);
        this.copy = connection.unwrap(PGConnection.class).getCopyAPI();
        try (Statement s = connection.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
        }
        connection.commit();
    }

    /** Writes all batches and commits; on failure rolls back and throws with the table and the database's reason. */
    void write(List<TableBatch> batches, java.util.function.Function<String, String> keyColumn) throws SinkException {
        String current = null;
        try {
            for (TableBatch batch : batches) {
                current = batch.table();
                String key = keyColumn.apply(batch.table());
                if (batch.deleteCount() > 0) {
                    delete(batch, key);
                }
                if (batch.upsertCount() > 0) {
                    upsert(batch, key);
                }
            }
            connection.commit();
        } catch (SQLException | java.io.IOException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is broken; the caller reconnects
            }
            throw new SinkException("writing to target table " + target.schema() + "." + current + " failed; the batch"
                    + " was rolled back and its offsets not committed, so it is retried after the fix: " + e.getMessage(), e);
        }
    }

    private void upsert(TableBatch batch, String key) throws SQLException, java.io.IOException {
        Schema schema = batch.rowSchema();
        List<String> columns = schema.getFields().stream().map(Schema.Field::name).toList();
        String stage = stagingTable(batch.table(), columns, "u");
        StringBuilder data = new StringBuilder(batch.upsertCount() * 64);
        for (GenericRecord row : batch.upserts()) {
            appendRow(data, row, schema);
        }
        String columnList = columns.stream().map(PostgresUpsertWriter::quote).collect(Collectors.joining(", "));
        copy.copyIn("COPY " + stage + " (" + columnList + ") FROM STDIN", new StringReader(data.toString()));
        String updates = columns.stream().filter(c -> !c.equals(key))
                .map(c -> quote(c) + " = EXCLUDED." + quote(c)).collect(Collectors.joining(", "));
        try (Statement s = connection.createStatement()) {
            s.executeUpdate("INSERT INTO " + qualified(batch.table()) + " (" + columnList + ") SELECT " + columnList
                    + " FROM " + stage + " ON CONFLICT (" + quote(key) + ") DO "
                    + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates));
            s.execute("TRUNCATE " + stage);
        }
    }

    private void delete(TableBatch batch, String key) throws SQLException, java.io.IOException {
        String stage = stagingTable(batch.table(), List.of(key), "d");
        StringBuilder data = new StringBuilder(batch.deleteCount() * 40);
        for (GenericRecord k : batch.deletes()) {
            PgCopyText.append(data, k.getSchema().getFields().get(0).schema(), k.get(0));
            data.append('\n');
        }
        copy.copyIn("COPY " + stage + " FROM STDIN", new StringReader(data.toString()));
        try (Statement s = connection.createStatement()) {
            s.executeUpdate("DELETE FROM " + qualified(batch.table()) + " t USING " + stage + " d WHERE t." + quote(key)
                    + " = d." + quote(key));
            s.execute("TRUNCATE " + stage);
        }
    }

    private static void appendRow(StringBuilder out, GenericRecord row, Schema schema) {
        List<Schema.Field> fields = schema.getFields();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append('\t');
            }
            PgCopyText.append(out, fields.get(i).schema(), row.get(i));
        }
        out.append('\n');
    }

    /** A session-local table with the target's column types and no constraints, created once per column set. */
    private String stagingTable(String table, List<String> columns, String kind) throws SQLException {
        String name = quote("shiftlog_stage_" + kind + "_" + table + "_" + Integer.toHexString(columns.hashCode()));
        if (stagingTables.add(name)) {
            String columnList = columns.stream().map(PostgresUpsertWriter::quote).collect(Collectors.joining(", "));
            try (Statement s = connection.createStatement()) {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS " + name + " AS SELECT " + columnList + " FROM "
                        + qualified(table) + " WITH NO DATA");
            }
        }
        return name;
    }

    private String qualified(String table) {
        return quote(target.schema()) + "." + quote(table);
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
