package dev.shiftlog.sink;

import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.rows.PgCopyText;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.spec.ConnectionDef;
import dev.shiftlog.schemas.spec.OnError;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.generic.GenericData;
import org.postgresql.util.PSQLException;
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
    private final String migration;
    private final Connection connection;
    private final CopyManager copy;
    private final Set<String> stagingTables = new HashSet<>();
    /** table → legacy key → id the database assigned, for {@code id: target} tables, from the last {@link #write}. */
    private final Map<String, Map<String, String>> assignedIds = new java.util.HashMap<>();

    /** @param migration the migration's name, the first column of {@value TableMappingDef#ID_MAP} */
    PostgresUpsertWriter(String migration, ConnectionDef target, Connection connection, boolean needsIdMap) throws SQLException {
        this.migration = migration;
        this.target = target;
        this.connection = connection;
        this.connection.setAutoCommit(false);
        this.copy = connection.unwrap(PGConnection.class).getCopyAPI();
        try (Statement s = connection.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            if (needsIdMap) {
                s.execute("CREATE TABLE IF NOT EXISTS " + qualified(TableMappingDef.ID_MAP) + " (migration text NOT NULL,"
                        + " target_table text NOT NULL, legacy_key text NOT NULL, new_id text NOT NULL,"
                        + " PRIMARY KEY (migration, target_table, legacy_key))");
            }
        }
        connection.commit();
    }

    /**
     * Writes all batches in one transaction and commits. When the database refuses a row (a constraint or a bad
     * value), the transaction is redone row by row under savepoints to find the refused rows: with {@code on-error:
     * dlq} they are returned for the DLQ and the rest is committed; with {@code stop} nothing is committed and the
     * exception names the table, the legacy key and the database's reason. Other failures always throw.
     */
    List<RejectedRow> write(List<TableBatch> batches, Function<String, TableMappingDef> tables) throws SinkException {
        assignedIds.clear();
        try {
            for (TableBatch batch : batches) {
                apply(batch, tables.apply(batch.table()));
            }
            connection.commit();
            return List.of();
        } catch (SQLException | IOException e) {
            rollback();
            if (!isRowLevel(e)) {
                throw new SinkException("writing to " + target.url() + " failed; the batch was rolled back and its offsets not"
                        + " committed, so it is retried after the fix: " + e.getMessage(), e);
            }
        }
        return writeRowByRow(batches, tables);
    }

    private List<RejectedRow> writeRowByRow(List<TableBatch> batches, Function<String, TableMappingDef> tables) {
        assignedIds.clear();
        List<RejectedRow> rejected = new ArrayList<>();
        try {
            for (TableBatch batch : batches) {
                TableMappingDef table = tables.apply(batch.table());
                for (TableBatch.Change change : batch.changes()) {
                    Savepoint savepoint = connection.setSavepoint();
                    try {
                        apply(TableBatch.of(batch.table(), change), table);
                        connection.releaseSavepoint(savepoint);
                    } catch (SQLException | IOException e) {
                        connection.rollback(savepoint);
                        String legacyKey = legacyKey(table, change);
                        if (!isRowLevel(e) || table.onError() == OnError.STOP) {
                            throw new SinkException("target table " + target.schema() + "." + table.target() + " refused the row of"
                                    + " legacy key " + legacyKey + ": " + e.getMessage() + (table.onError() == OnError.STOP
                                    ? " (on-error: stop; fix the target schema or the mapping, or set on-error: dlq)" : ""), e);
                        }
                        rejected.add(new RejectedRow("sink", table.target(), change.topic(), change.partition(), change.offset(),
                                legacyKey, rule(e), e.getMessage(), change.value() == null ? null
                                : GenericData.get().toString(change.value()), System.currentTimeMillis()));
                    }
                }
            }
            connection.commit();
            return rejected;
        } catch (SQLException e) {
            rollback();
            throw new SinkException("writing to " + target.url() + " failed while isolating a refused row; nothing was committed: "
                    + e.getMessage(), e);
        } catch (SinkException e) {
            rollback();
            throw e;
        }
    }

    private void apply(TableBatch batch, TableMappingDef table) throws SQLException, IOException {
        if (batch.deleteCount() > 0) {
            delete(batch, table);
        }
        if (batch.upsertCount() > 0) {
            upsert(batch, table);
        }
    }

    /** The id the database assigned to a row of an {@code id: target} table in the last committed write, or null. */
    String assignedId(String table, String legacyKey) {
        return assignedIds.getOrDefault(table, Map.of()).get(legacyKey);
    }

    private void rollback() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the stage stops and a restart reconnects
        }
        stagingTables.clear(); // their CREATE may have been rolled back with the transaction
    }

    /** Data exceptions (22) and integrity violations (23) are about a row; anything else is about the database. */
    private static boolean isRowLevel(Exception e) {
        return e instanceof SQLException sql && sql.getSQLState() != null
                && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"));
    }

    private static String rule(Exception e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null && p.getServerErrorMessage().getConstraint() != null) {
            return "target constraint " + p.getServerErrorMessage().getConstraint();
        }
        return e instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")
                ? "target constraint" : "target value";
    }

    private static String legacyKey(TableMappingDef table, TableBatch.Change change) {
        if (change.value() != null && change.value().getSchema().getField(table.legacyKey()) != null) {
            return String.valueOf(change.value().get(table.legacyKey()));
        }
        return String.valueOf(change.key().get(0));
    }

    /** One COPY + INSERT per row shape: rows of one target can come from several mappings with different columns. */
    private void upsert(TableBatch batch, TableMappingDef table) throws SQLException, IOException {
        Map<Schema, List<GenericRecord>> byShape = new LinkedHashMap<>();
        for (GenericRecord row : batch.upserts()) {
            byShape.computeIfAbsent(row.getSchema(), s -> new ArrayList<>()).add(row);
        }
        for (Map.Entry<Schema, List<GenericRecord>> shape : byShape.entrySet()) {
            upsertRows(table, shape.getKey(), shape.getValue());
        }
    }

    /**
     * COPY into the staging table, then one INSERT … ON CONFLICT. For database-assigned ids ({@code id: target})
     * the row key is the legacy key and RETURNING reports the ids the database gave, for {@code <m>.landed}.
     */
    private void upsertRows(TableMappingDef mapping, Schema schema, List<GenericRecord> rows) throws SQLException, IOException {
        String table = mapping.target();
        String key = mapping.rowKeyColumn();
        List<String> fields = schema.getFields().stream().map(Schema.Field::name).toList();
        boolean idMap = mapping.keepsLegacyKeyInIdMap();
        // with an id map, the legacy key travels in the staging table but is not a column of the target table
        List<String> columns = idMap ? fields.stream().filter(f -> !f.equals(TableMappingDef.ID_MAP)).toList() : fields;
        String stage = stagingTable(table, columns, "u", idMap);
        StringBuilder data = new StringBuilder(rows.size() * 64);
        for (GenericRecord row : rows) {
            appendRow(data, row, schema);
        }
        String columnList = columns.stream().map(PostgresUpsertWriter::quote).collect(Collectors.joining(", "));
        String fieldList = fields.stream().map(PostgresUpsertWriter::quote).collect(Collectors.joining(", "));
        copy.copyIn("COPY " + stage + " (" + fieldList + ") FROM STDIN", new StringReader(data.toString()));
        String updates = columns.stream().filter(c -> !c.equals(key))
                .map(c -> quote(c) + " = EXCLUDED." + quote(c)).collect(Collectors.joining(", "));
        boolean assignedByTarget = mapping.id() == dev.shiftlog.schemas.spec.IdStrategy.TARGET;
        if (assignedByTarget && updates.isEmpty()) {
            updates = quote(key) + " = EXCLUDED." + quote(key); // so RETURNING also reports rows that existed
        }
        String insert = "INSERT INTO " + qualified(table) + " (" + columnList + ") SELECT " + columnList
                + " FROM " + stage + " ON CONFLICT (" + quote(key) + ") DO " + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates);
        try (Statement s = connection.createStatement()) {
            if (assignedByTarget) {
                Map<String, String> ids = assignedIds.computeIfAbsent(table, t -> new java.util.HashMap<>());
                try (java.sql.ResultSet rs = s.executeQuery(insert + " RETURNING " + quote(key) + "::text, " + quote(mapping.key()) + "::text")) {
                    while (rs.next()) {
                        ids.put(rs.getString(1), rs.getString(2));
                    }
                }
            } else {
                s.executeUpdate(insert);
            }
            if (idMap) {
                s.executeUpdate("INSERT INTO " + qualified(TableMappingDef.ID_MAP) + " SELECT " + literal(migration) + ", "
                        + literal(table) + ", " + quote(TableMappingDef.ID_MAP) + ", " + quote(key) + "::text FROM " + stage
                        + " ON CONFLICT (migration, target_table, legacy_key) DO UPDATE SET new_id = EXCLUDED.new_id");
            }
            s.execute("TRUNCATE " + stage);
        }
    }

    private void delete(TableBatch batch, TableMappingDef table) throws SQLException, IOException {
        String key = table.rowKeyColumn();
        String stage = stagingTable(batch.table(), List.of(key), "d", false);
        StringBuilder data = new StringBuilder(batch.deleteCount() * 40);
        for (GenericRecord k : batch.deletes()) {
            PgCopyText.append(data, k.getSchema().getFields().get(0).schema(), k.get(0));
            data.append('\n');
        }
        copy.copyIn("COPY " + stage + " FROM STDIN", new StringReader(data.toString()));
        try (Statement s = connection.createStatement()) {
            s.executeUpdate("DELETE FROM " + qualified(batch.table()) + " t USING " + stage + " d WHERE t." + quote(key)
                    + " = d." + quote(key));
            if (table.keepsLegacyKeyInIdMap()) {
                s.executeUpdate("DELETE FROM " + qualified(TableMappingDef.ID_MAP) + " m USING " + stage + " d WHERE m.migration = "
                        + literal(migration) + " AND m.target_table = " + literal(batch.table()) + " AND m.new_id = d." + quote(key) + "::text");
            }
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

    /**
     * A session-local table with the target's column types and no constraints, created once per column set; with
     * {@code withLegacyKey} it has one more text column for the legacy key on its way to the id map.
     */
    private String stagingTable(String table, List<String> columns, String kind, boolean withLegacyKey) throws SQLException {
        String name = quote("shiftlog_stage_" + kind + "_" + table + "_" + Integer.toHexString(columns.hashCode())
                + (withLegacyKey ? "_m" : ""));
        if (stagingTables.add(name)) {
            String columnList = columns.stream().map(PostgresUpsertWriter::quote).collect(Collectors.joining(", "));
            try (Statement s = connection.createStatement()) {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS " + name + " AS SELECT " + columnList
                        + (withLegacyKey ? ", NULL::text AS " + quote(TableMappingDef.ID_MAP) : "") + " FROM "
                        + qualified(table) + " WITH NO DATA");
            }
        }
        return name;
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private String qualified(String table) {
        return SqlIdentifiers.qualified(target.schema(), table);
    }

    private static String quote(String identifier) {
        return SqlIdentifiers.quote(identifier);
    }
}
