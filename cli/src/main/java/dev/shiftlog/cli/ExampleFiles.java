package dev.shiftlog.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** The files of one {@code examples/<name>} folder, read from the checkout or, outside it, from the jar. */
record ExampleFiles(String name) {

    String read(String file) throws IOException {
        Path local = Path.of("examples", name, file);
        if (Files.exists(local)) {
            return Files.readString(local, StandardCharsets.UTF_8);
        }
        try (InputStream in = ExampleFiles.class.getResourceAsStream("/examples/" + name + "/" + file)) {
            if (in == null) {
                throw new IOException("example '" + name + "' has no " + file + " (looked in examples/" + name + " and the jar)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * The SQL that creates and fills the legacy database: the example's {@code legacy.sql} (or {@value #SQLITE_LEGACY}) plus its generator at the
     * given scale, or, for an example over a real sample database ({@code legacy-dataset.txt} names its PostgreSQL
     * script, relative to the project root, never copied into the project), that script after its psql commands.
     */
    String legacySql(int scale) throws IOException {
        String dataset;
        try {
            dataset = read("legacy-dataset.txt").strip();
        } catch (IOException none) {
            return read(sqliteLegacy() ? SQLITE_LEGACY : "legacy.sql") + "\n" + read("generate.sql").replace("${scale}", Integer.toString(scale));
        }
        // relative to the project root: the working directory or, from a module directory, one of its parents
        Path script = null;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null && script == null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(dataset))) {
                script = dir.resolve(dataset).normalize();
            }
        }
        if (script == null) {
            throw new IOException("example '" + name + "' reads the sample database " + dataset + " (relative to the project"
                    + " root), which is not there; it ships beside the project in ../shared/datasets");
        }
        String sql = Files.readString(script, StandardCharsets.UTF_8);
        // the script creates its own database and connects to it with psql's \c: keep what follows
        int connect = sql.indexOf("\\c ");
        return connect < 0 ? sql : sql.substring(sql.indexOf('\n', connect) + 1);
    }

    /** An example whose legacy database is a SQLite file (S2) creates it from this script, in SQLite's dialect. */
    static final String SQLITE_LEGACY = "legacy.sqlite.sql";

    /** Whether the legacy database is a SQLite file (its script is {@value #SQLITE_LEGACY}) rather than PostgreSQL. */
    boolean sqliteLegacy() {
        return has(SQLITE_LEGACY);
    }

    /** Creates the legacy SQLite file of an example written in SQLite's dialect and fills it at {@code scale}. */
    void createSqliteLegacy(Path file, int scale) throws IOException, java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
             java.sql.Statement s = c.createStatement()) {
            s.executeUpdate(legacySql(scale)); // sqlite-jdbc runs every statement of a script this way
        }
    }

    /** Whether the example has this file. */
    boolean has(String file) {
        return Files.exists(Path.of("examples", name, file)) || ExampleFiles.class.getResource("/examples/" + name + "/" + file) != null;
    }

    /** target table → SQL counting the target rows the legacy data should give; empty when the example has none. */
    Map<String, String> expectedCountQueries() throws IOException {
        String text;
        try {
            text = read("expected-counts.yaml");
        } catch (IOException missing) {
            return Map.of();
        }
        Map<String, String> queries = new LinkedHashMap<>();
        new ObjectMapper(new YAMLFactory()).readTree(text).fields()
                .forEachRemaining(e -> queries.put(e.getKey(), e.getValue().asText()));
        return queries;
    }

    /** The spec as a file, since the parser reports errors by file name. */
    Path spec(Path workDir) throws IOException {
        Path local = Path.of("examples", name, "shiftlog.yaml");
        if (Files.exists(local)) {
            return local;
        }
        Path copy = workDir.resolve(name + "-shiftlog.yaml");
        Files.writeString(copy, read("shiftlog.yaml"), StandardCharsets.UTF_8);
        return copy;
    }
}
