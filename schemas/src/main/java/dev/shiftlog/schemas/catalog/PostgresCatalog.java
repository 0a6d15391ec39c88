package dev.shiftlog.schemas.catalog;

import dev.shiftlog.schemas.spec.ConnectionDef;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/** Reads table, column and key definitions from a PostgreSQL catalog; read-only, used to check a spec before any write. */
public final class PostgresCatalog {
    private final ConnectionDef connection;

    public PostgresCatalog(ConnectionDef connection) {
        this.connection = connection;
    }

    /** Opens a JDBC connection whose errors name the URL and user, never the password. */
    public static Connection open(ConnectionDef def) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", def.user());
        props.setProperty("password", def.password().reveal());
        props.setProperty("ApplicationName", "shiftlog");
        props.setProperty("connectTimeout", "10");
        try {
            return DriverManager.getConnection(def.url(), props);
        } catch (SQLException e) {
            throw new SQLException("cannot connect to " + def.url() + " as " + def.user() + ": "
                    + redact(e.getMessage(), def) + " (check url, user and the password variable)", e.getSQLState());
        }
    }

    /** Removes a password from a message, should a driver ever echo it. */
    public static String redact(String message, ConnectionDef def) {
        String secret = def.password().reveal();
        return message == null || secret.isEmpty() ? message : message.replace(secret, "******");
    }

    public Optional<TableInfo> table(String schema, String name) throws SQLException {
        try (Connection c = open(connection)) {
            return table(c, schema, name);
        }
    }

    public static Optional<TableInfo> table(Connection c, String schema, String name) throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname, t.typname FROM pg_attribute a
                JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                JOIN pg_type t ON t.oid = a.atttypid
                WHERE n.nspname = ? AND r.relname = ? AND a.attnum > 0 AND NOT a.attisdropped
                  AND r.relkind IN ('r','p') ORDER BY a.attnum""")) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        if (columns.isEmpty()) {
            return Optional.empty();
        }
        List<String> pk = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname FROM pg_index i
                JOIN pg_class r ON r.oid = i.indrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
                JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.attnum
                WHERE i.indisprimary AND n.nspname = ? AND r.relname = ? ORDER BY k.ord""")) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pk.add(rs.getString(1));
                }
            }
        }
        return Optional.of(new TableInfo(schema, name, columns, List.copyOf(pk)));
    }

    /** Every column of a table with its type, nullability and default, in ordinal order; empty when the table does not exist. */
    public static Map<String, ColumnInfo> columns(Connection c, String schema, String table) throws SQLException {
        Map<String, ColumnInfo> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname, COALESCE(b.typname, t.typname), COALESCE(b.typcategory, t.typcategory),
                       format_type(a.atttypid, a.atttypmod), a.attnotnull OR COALESCE(t.typnotnull, false),
                       a.atthasdef OR a.attidentity <> '' OR t.typdefault IS NOT NULL, a.attgenerated <> ''
                FROM pg_attribute a
                JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                JOIN pg_type t ON t.oid = a.atttypid
                LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
                WHERE n.nspname = ? AND r.relname = ? AND a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r','p')
                ORDER BY a.attnum""")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), new ColumnInfo(rs.getString(1), rs.getString(2), rs.getString(3).charAt(0),
                            rs.getString(4), rs.getBoolean(5), rs.getBoolean(6), rs.getBoolean(7)));
                }
            }
        }
        return columns;
    }
}
