package dev.shiftlog.schemas.catalog;

/** Quotes PostgreSQL identifiers, so every module builds SQL with table and column names from a spec the same way. */
public final class SqlIdentifiers {
    private SqlIdentifiers() {}

    /** {@code "name"}, with embedded quotes doubled. */
    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** {@code "schema"."table"}. */
    public static String qualified(String schema, String table) {
        return quote(schema) + "." + quote(table);
    }
}
