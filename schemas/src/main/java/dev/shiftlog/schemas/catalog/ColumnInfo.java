package dev.shiftlog.schemas.catalog;

/**
 * What the catalog says about one column beyond its name: enough to load rows into it (plan's drift report), to
 * know whether it can be NULL, and to add it back as it was (cleanup's undo script).
 *
 * @param type pg_type name, domains resolved to their base type ({@code _int4} for arrays)
 * @param category pg_type.typcategory ({@code A} array, {@code E} enum, {@code S} string, …)
 * @param display the type as {@code format_type} prints it (e.g. {@code character varying(20)})
 * @param filledByDatabase a DEFAULT, an identity or a generated expression gives it a value when the insert does not
 * @param generated GENERATED ALWAYS AS (…) STORED: inserts must not name it
 */
public record ColumnInfo(String name, String type, char category, String display, boolean notNull,
                           boolean filledByDatabase, boolean generated) {}
