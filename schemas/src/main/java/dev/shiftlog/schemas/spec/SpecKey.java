package dev.shiftlog.schemas.spec;

import java.util.List;

/**
 * One key of the spec, declared once in {@link SpecKeys}: the block it belongs to, what it holds, whether it is
 * required, its default and its one-line doc. The parser takes the allowed keys and defaults from it; the JSON
 * Schema ({@link SpecJsonSchema}) and the README's reference ({@link SpecReference}) are generated from it.
 *
 * @param defaultValue the default as written in a spec, null when there is none
 * @param choices      the allowed values of a {@link Kind#CHOICE}, else empty
 * @param minimum      the smallest allowed value of a {@link Kind#INTEGER}, else null
 * @param maximum      the largest allowed value of a {@link Kind#INTEGER}, else null
 */
public record SpecKey(Block block, String name, Kind kind, boolean required, String defaultValue, String doc,
                      List<String> choices, Integer minimum, Integer maximum) {

    /** The mappings of a spec, each with its own set of keys. */
    public enum Block {
        TOP("the top level"), CONNECTION("'source' and 'target'"), KAFKA("'kafka'"), CLEANUP("'cleanup'"), STORAGE("'storage'"),
        TABLE("a table mapping (each entry of 'tables')"), COLUMN("a column in its long form (an entry of 'columns')"),
        LOOKUP("a lookup (an entry of 'lookups')"), AGGREGATE("an aggregate (an entry of 'aggregates')");

        private final String where;

        Block(String where) {
            this.where = where;
        }

        /** Where the block sits in a spec, for the reference. */
        public String where() {
            return where;
        }
    }

    /** What a key holds; each kind has one JSON Schema rendering. */
    public enum Kind {
        /** The migration's name: lower case, prefixes topics. */
        NAME,
        /** A database connection block. */
        CONNECTION,
        /** The kafka block. */
        KAFKA,
        /** The cleanup block. */
        CLEANUP,
        /** The storage block. */
        STORAGE,
        /** The list of table mappings. */
        TABLES,
        /** target column → source column or long form. */
        COLUMNS,
        /** lookup name → lookup block. */
        LOOKUPS,
        /** aggregate name → aggregate block. */
        AGGREGATES,
        STRING,
        /** A table or column name, optionally schema-qualified. */
        IDENTIFIER,
        /** One identifier, or a list of them. */
        IDENTIFIERS,
        /** A PostgreSQL JDBC URL without credentials. */
        JDBC_URL,
        /** One environment reference: secrets never live in the file. */
        SECRET,
        INTEGER,
        /** 0–100, optionally with a % sign. */
        PERCENT,
        /** See {@link SpecDuration}. */
        DURATION,
        /** One of {@link SpecKey#choices}. */
        CHOICE,
        /** A CEL expression. */
        EXPRESSION,
        /** A list of (qualified) names. */
        NAME_LIST,
        /** Free-form client settings. */
        STRING_MAP,
        /** One string, or a list of them. */
        STRING_LIST
    }
}
