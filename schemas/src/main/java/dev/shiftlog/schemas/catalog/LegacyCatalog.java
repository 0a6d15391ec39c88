package dev.shiftlog.schemas.catalog;

import dev.shiftlog.schemas.rows.SqliteTableReader;
import dev.shiftlog.schemas.spec.ConnectionDef;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The legacy database's catalog, whichever kind it is: PostgreSQL through {@link PostgresCatalog}, a SQLite file
 * through its {@code PRAGMA table_info} with each column typed as the capture reads it ({@link SqliteTableReader}),
 * so {@code plan}, {@code status} and {@code verify} see a SQLite column as the PostgreSQL type of the same values.
 */
public final class LegacyCatalog {
    private LegacyCatalog() {}

    /** A connection to the legacy database; for SQLite read-only, so nothing shiftlog does can change the file. */
    public static Connection open(ConnectionDef def) throws SQLException {
        if (!def.isSqlite()) {
            return PostgresCatalog.open(def);
        }
        if (!java.nio.file.Files.isRegularFile(def.sqliteFile())) {
            throw new SQLException("the SQLite file " + def.sqliteFile().toAbsolutePath() + " does not exist (source.url "
                    + def.url() + ")", "08001");
        }
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setReadOnly(true);
        return DriverManager.getConnection(def.url(), config.toProperties());
    }

    /** A legacy table's columns (with the PostgreSQL type name of their values) and primary key; empty when absent. */
    public static Optional<TableInfo> table(Connection c, ConnectionDef def, String schema, String name) throws SQLException {
        if (!def.isSqlite()) {
            return PostgresCatalog.table(c, schema, name);
        }
        List<SqliteTableReader.Column> columns = SqliteTableReader.columns(c, name, def.types());
        if (columns.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> types = new LinkedHashMap<>();
        columns.forEach(col -> types.put(col.name(), col.type().postgresName()));
        List<String> pk = columns.stream().filter(col -> col.keyPosition() > 0)
                .sorted(Comparator.comparingInt(SqliteTableReader.Column::keyPosition)).map(SqliteTableReader.Column::name).toList();
        return Optional.of(new TableInfo(ConnectionDef.SQLITE_SCHEMA, name, types, pk));
    }

    /** A legacy table's columns as {@code plan}'s drift report reads them; empty when the table does not exist. */
    public static Map<String, ColumnInfo> columns(Connection c, ConnectionDef def, String schema, String table) throws SQLException {
        if (!def.isSqlite()) {
            return PostgresCatalog.columns(c, schema, table);
        }
        Map<String, ColumnInfo> out = new LinkedHashMap<>();
        for (SqliteTableReader.Column col : SqliteTableReader.columns(c, table, def.types())) {
            out.put(col.name(), new ColumnInfo(col.name(), col.type().postgresName(), 'S', col.type().describe() + " (SQLite)",
                    col.notNull() || col.keyPosition() > 0, false, false));
        }
        return out;
    }

    /** The legacy tables' schema-qualified name as SQL: SQLite's one schema is {@code main}. */
    public static String qualified(ConnectionDef def, String schema, String table) {
        return SqlIdentifiers.qualified(def.isSqlite() ? ConnectionDef.SQLITE_SCHEMA : schema, table);
    }
}
