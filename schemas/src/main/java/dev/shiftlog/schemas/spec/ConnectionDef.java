package dev.shiftlog.schemas.spec;

/**
 * A database the migration reads from or writes to.
 *
 * @param url JDBC URL without credentials, e.g. {@code jdbc:postgresql://host:5432/db}
 * @param schema the schema that unqualified table names live in; defaults to {@value #DEFAULT_SCHEMA}
 */
public record ConnectionDef(String url, String user, Secret password, String schema, java.time.Duration poll,
                            java.util.Map<String, String> types, Location location) {
    public static final String DEFAULT_SCHEMA = "public";
    /** The one schema of a SQLite file. */
    public static final String SQLITE_SCHEMA = "main";
    public static final java.time.Duration DEFAULT_POLL = java.time.Duration.ofSeconds(10);
    private static final String SQLITE_PREFIX = "jdbc:sqlite:";
    private static final String JSON_LINES_PREFIX = "jsonl:";
    /** The one kind a JSON Lines target's {@code types} names: a text column whose value is JSON, embedded as such. */
    public static final String JSON_TYPE = "json";

    public ConnectionDef {
        types = types == null ? java.util.Map.of() : java.util.Map.copyOf(types);
    }

    /** A PostgreSQL connection (every target, and a PostgreSQL source). */
    public ConnectionDef(String url, String user, Secret password, String schema, Location location) {
        this(url, user, password, schema, DEFAULT_POLL, java.util.Map.of(), location);
    }

    /** True for a SQLite file ({@code jdbc:sqlite:path}), which has no change log and is read by polling. */
    public boolean isSqlite() {
        return url != null && url.startsWith(SQLITE_PREFIX);
    }

    /** The SQLite file of a {@code jdbc:sqlite:} URL. */
    public java.nio.file.Path sqliteFile() {
        return sqliteFileOf(url);
    }

    /** The file a {@code jdbc:sqlite:path[?options]} URL names. */
    public static java.nio.file.Path sqliteFileOf(String url) {
        String path = url.substring(SQLITE_PREFIX.length());
        return java.nio.file.Path.of(path.contains("?") ? path.substring(0, path.indexOf('?')) : path);
    }

    /** True for a folder of JSON Lines files ({@code jsonl:path}), one file per target table: a target only. */
    public boolean isJsonLines() {
        return url != null && url.startsWith(JSON_LINES_PREFIX);
    }

    /** The folder of a {@code jsonl:path} target. */
    public java.nio.file.Path jsonLinesDir() {
        return java.nio.file.Path.of(url.substring(JSON_LINES_PREFIX.length()));
    }

    /** The file a target table is written to in a {@code jsonl:path} target: {@code <path>/<table>.jsonl}. */
    public java.nio.file.Path jsonLinesFile(String table) {
        return jsonLinesDir().resolve(table + ".jsonl");
    }

    /**
     * Rows per file of a {@code jsonl:path} target (its lines); a table whose file is not written yet has 0.
     *
     * @throws java.io.UncheckedIOException when a file exists but cannot be read
     */
    public long jsonLinesRows(String table) {
        java.nio.file.Path file = jsonLinesFile(table);
        if (!java.nio.file.Files.exists(file)) {
            return 0;
        }
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(file, java.nio.charset.StandardCharsets.UTF_8)) {
            return lines.count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** True for {@code table.column} declared JSON in {@code types} (a JSON Lines target). */
    public boolean isJsonColumn(String table, String column) {
        return JSON_TYPE.equals(types.get(table + "." + column));
    }

    /** Host of the JDBC URL, for tools (Debezium) that want it split. */
    public String host() {
        return hostPort().split(":")[0];
    }

    public int port() {
        String[] parts = hostPort().split(":");
        return parts.length > 1 ? Integer.parseInt(parts[1]) : 5432;
    }

    public String database() {
        String rest = url.substring(url.indexOf("//") + 2);
        String path = rest.contains("/") ? rest.substring(rest.indexOf('/') + 1) : "";
        return path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    }

    private String hostPort() {
        String rest = url.substring(url.indexOf("//") + 2);
        return rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
    }
}
