package dev.shiftlog.operate.cleanup;

import dev.shiftlog.operate.backup.TargetBackup;
import dev.shiftlog.operate.backup.TargetBackup.BackupRecord;
import dev.shiftlog.schemas.catalog.ColumnInfo;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.TableInfo;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * The spec's post-migration step (S5): drops the target columns and legacy tables its {@code cleanup} section names
 * and the migration's capture objects (replication slot and publication) in the legacy database, which would
 * otherwise hold the legacy WAL forever. Backs up exactly what it drops first — the tables with pg_dump, each
 * column's values by primary key as a psql script that adds the column back — and drops everything in one
 * transaction, so a refused drop leaves the target as it was. The preconditions (a clean verify, stopped workers)
 * are the caller's to check before {@link #backup}.
 */
public final class PostMigrationCleanup {
    private final MigrationDef spec;
    private final String captureName;

    /** @param captureName the migration's replication slot and publication in the legacy database */
    public PostMigrationCleanup(MigrationDef spec, String captureName) {
        this.spec = spec;
        this.captureName = captureName;
    }

    /** What the spec's cleanup names, as the target has it now, columns first. */
    public List<DroppedObject> plan() throws SQLException {
        List<DroppedObject> drops = new ArrayList<>();
        try (Connection target = PostgresCatalog.open(spec.target())) {
            for (String name : spec.cleanup().dropColumns()) {
                int dot = name.lastIndexOf('.');
                drops.add(column(target, spec.target().schema(), name.substring(0, dot), name.substring(dot + 1)));
            }
            for (String name : spec.cleanup().dropTables()) {
                int dot = name.indexOf('.');
                String schema = dot < 0 ? spec.target().schema() : name.substring(0, dot);
                String table = dot < 0 ? name : name.substring(dot + 1);
                boolean present = exists(target, schema, table);
                drops.add(new DroppedObject(schema, table, null, null, present ? count(target, schema, table) : 0, present));
            }
        }
        return drops;
    }

    /** The process holding the migration's replication slot, or -1 when no worker is capturing. */
    public int capturingPid() throws SQLException {
        if (spec.source().isSqlite()) {
            return -1; // a SQLite file is only read: no slot, no session to find
        }
        try (Connection source = PostgresCatalog.open(spec.source());
             PreparedStatement ps = source.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ? AND active")) {
            ps.setString(1, captureName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : -1;
            }
        }
    }

    /**
     * Backs up exactly what {@link #drop} removes: one pg_dump archive of the tables, one psql script with the
     * columns' values keyed by primary key; both recorded with their checksums. {@code shiftlog restore --from} puts
     * either back.
     */
    public List<BackupRecord> backup(List<DroppedObject> drops, TargetBackup backups) throws IOException, SQLException {
        List<BackupRecord> records = new ArrayList<>();
        List<DroppedObject> tables = drops.stream().filter(d -> d.present() && !d.isColumn()).toList();
        if (!tables.isEmpty()) {
            records.add(backups.backup("cleanup-tables", tables.stream()
                    .map(t -> "--table=" + SqlIdentifiers.qualified(t.schema(), t.table())).toList()));
        }
        List<DroppedObject> columns = drops.stream().filter(d -> d.present() && d.isColumn()).toList();
        if (!columns.isEmpty()) {
            Path file = backups.newFile("cleanup-columns", "sql");
            try (Connection target = PostgresCatalog.open(spec.target());
                 Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                target.setAutoCommit(false);
                target.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ); // all columns from one snapshot
                out.write("-- shiftlog cleanup of migration " + spec.name() + ": the values of the dropped columns, keyed by "
                        + "primary key.\n-- Put them back with: shiftlog restore -f <spec> --from " + file + "\n"
                        + "-- (the column returns as the table's last column, with its default, NOT NULL, indexes and constraints)\n");
                // definitions after all values: a constraint may span two dropped columns, and is written once
                java.util.Set<String> definitions = new java.util.LinkedHashSet<>();
                for (int i = 0; i < columns.size(); i++) {
                    definitions.addAll(writeColumn(target, columns.get(i), "shiftlog_undo_" + i, out));
                }
                out.write("\n-- defaults, NOT NULL, constraints and indexes of the dropped columns\n");
                for (String statement : definitions) {
                    out.write(statement + ";\n");
                }
                target.rollback();
            }
            records.add(backups.record(file, "cleanup-columns"));
        }
        return records;
    }

    /**
     * Drops the columns and tables in one transaction, without CASCADE: an object that still depends on one of them
     * makes PostgreSQL refuse, and nothing is dropped.
     */
    public void drop(List<DroppedObject> drops) throws SQLException {
        try (Connection target = PostgresCatalog.open(spec.target())) {
            target.setAutoCommit(false);
            try (Statement s = target.createStatement()) {
                for (DroppedObject d : drops) {
                    if (d.present()) {
                        s.execute(d.isColumn()
                                ? "ALTER TABLE " + SqlIdentifiers.qualified(d.schema(), d.table()) + " DROP COLUMN " + SqlIdentifiers.quote(d.column())
                                : "DROP TABLE " + SqlIdentifiers.qualified(d.schema(), d.table()));
                    }
                }
                target.commit();
            } catch (SQLException e) {
                target.rollback();
                throw new SQLException("nothing was dropped: " + e.getMessage()
                        + " (drop or change the dependent object first, or take the entry out of the spec's cleanup)", e.getSQLState(), e);
            }
        }
    }

    /** Drops the replication slot and publication in the legacy database; returns what existed. */
    public List<String> dropCapture() throws SQLException {
        List<String> dropped = new ArrayList<>();
        if (spec.source().isSqlite()) {
            return dropped; // nothing was created in a SQLite source
        }
        try (Connection source = PostgresCatalog.open(spec.source())) {
            try (PreparedStatement ps = source.prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, captureName);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        dropped.add("replication slot " + captureName);
                    }
                }
            }
            try (PreparedStatement ps = source.prepareStatement("SELECT count(*) FROM pg_publication WHERE pubname = ?")) {
                ps.setString(1, captureName);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        try (Statement s = source.createStatement()) {
                            s.execute("DROP PUBLICATION " + SqlIdentifiers.quote(captureName));
                        }
                        dropped.add("publication " + captureName);
                    }
                }
            }
        }
        return dropped;
    }

    /**
     * One column's part of the restore script: add it back and load the saved values by key. Returns the statements
     * that restore its default, NOT NULL, constraints and indexes, to run once every column is back.
     */
    private List<String> writeColumn(Connection target, DroppedObject column, String stage, Writer out) throws SQLException, IOException {
        String table = SqlIdentifiers.qualified(column.schema(), column.table());
        List<String[]> key = primaryKey(target, column);
        if (key.isEmpty()) {
            throw new SQLException("cannot back up " + column.describe() + ": table " + table + " has no primary key to key "
                    + "the saved values by; add one or take the column out of the spec's cleanup");
        }
        if (key.stream().anyMatch(k -> k[0].equals(column.column()))) {
            throw new SQLException("column " + column.schema() + "." + column.table() + "." + column.column()
                    + " is part of the primary key; cleanup does not drop key columns");
        }
        String col = SqlIdentifiers.quote(column.column());
        String keyList = key.stream().map(k -> SqlIdentifiers.quote(k[0])).collect(Collectors.joining(", "));
        out.write("\n-- " + column.describe() + "\n");
        out.write("ALTER TABLE " + table + " ADD COLUMN " + col + " " + column.type() + ";\n");
        out.write("CREATE TEMP TABLE " + stage + " (" + key.stream().map(k -> SqlIdentifiers.quote(k[0]) + " " + k[1])
                .collect(Collectors.joining(", ")) + ", " + col + " " + column.type() + ") ON COMMIT DROP;\n");
        out.write("COPY " + stage + " FROM stdin;\n");
        out.flush();
        ((PGConnection) target.unwrap(PGConnection.class)).getCopyAPI().copyOut(
                "COPY (SELECT " + keyList + ", " + col + " FROM " + table + ") TO STDOUT", out);
        out.write("\\.\n");
        out.write("UPDATE " + table + " t SET " + col + " = u." + col + " FROM " + stage + " u WHERE "
                + key.stream().map(k -> "t." + SqlIdentifiers.quote(k[0]) + " = u." + SqlIdentifiers.quote(k[0])).collect(Collectors.joining(" AND "))
                + ";\n");
        return columnDefinition(target, column);
    }

    /** Default, NOT NULL, and the indexes and constraints that would go with the column, as statements. */
    private static List<String> columnDefinition(Connection c, DroppedObject column) throws SQLException {
        String table = SqlIdentifiers.qualified(column.schema(), column.table());
        String col = SqlIdentifiers.quote(column.column());
        List<String> statements = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attnum FROM pg_attribute a
                JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE n.nspname = ? AND r.relname = ? AND a.attname = ?""")) {
            ps.setString(1, column.schema());
            ps.setString(2, column.table());
            ps.setString(3, column.column());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getString(2) != null) {
                    statements.add("ALTER TABLE " + table + " ALTER COLUMN " + col + " SET DEFAULT " + rs.getString(2));
                }
                if (rs.getBoolean(1)) {
                    statements.add("ALTER TABLE " + table + " ALTER COLUMN " + col + " SET NOT NULL");
                }
            }
        }
        // constraints first (they own their indexes), then the indexes no constraint owns
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT 'ALTER TABLE ' || ? || ' ADD CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid)
                FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                JOIN pg_attribute a ON a.attrelid = r.oid AND a.attname = ?
                WHERE n.nspname = ? AND r.relname = ? AND a.attnum = ANY (k.conkey) AND k.contype IN ('u', 'c', 'f', 'x')
                UNION ALL
                SELECT pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                JOIN pg_attribute a ON a.attrelid = r.oid AND a.attname = ?
                WHERE n.nspname = ? AND r.relname = ? AND a.attnum = ANY (i.indkey::int2[])
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)""")) {
            ps.setString(1, table);
            ps.setString(2, column.column());
            ps.setString(3, column.schema());
            ps.setString(4, column.table());
            ps.setString(5, column.column());
            ps.setString(6, column.schema());
            ps.setString(7, column.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    statements.add(rs.getString(1));
                }
            }
        }
        return statements;
    }

    /** Primary-key columns with their types, in key order. */
    private static List<String[]> primaryKey(Connection c, DroppedObject column) throws SQLException {
        Map<String, ColumnInfo> columns = PostgresCatalog.columns(c, column.schema(), column.table());
        List<String> key = PostgresCatalog.table(c, column.schema(), column.table()).map(TableInfo::primaryKey).orElse(List.of());
        return key.stream().map(k -> new String[] {k, columns.get(k).display()}).toList();
    }

    private static DroppedObject column(Connection c, String schema, String table, String column) throws SQLException {
        ColumnInfo info = PostgresCatalog.columns(c, schema, table).get(column);
        return info == null ? new DroppedObject(schema, table, column, null, 0, false)
                : new DroppedObject(schema, table, column, info.display(), count(c, schema, table), true);
    }

    private static boolean exists(Connection c, String schema, String table) throws SQLException {
        return PostgresCatalog.table(c, schema, table).isPresent();
    }

    private static long count(Connection c, String schema, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SqlIdentifiers.qualified(schema, table))) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
