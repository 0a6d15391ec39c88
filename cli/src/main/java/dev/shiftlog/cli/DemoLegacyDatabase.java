package dev.shiftlog.cli;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.testkit.EmbeddedPostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;

/**
 * The demo's legacy database, created and filled from the example's script: an embedded PostgreSQL, or a SQLite file
 * for an example written in SQLite's dialect (S2 studios), so the demo reads the same whichever it is.
 */
interface DemoLegacyDatabase extends AutoCloseable {
    /** The JDBC URL the spec's {@code source.url} gets. */
    String url();

    /** The environment the example's spec reads it through. */
    Map<String, String> env();

    /** What the demo prints after "legacy database: ". */
    String describe(MigrationDef spec);

    /** The command a user types to change the legacy rows while CDC runs. */
    String editCommand(MigrationDef spec);

    /** The PostgreSQL server, which {@code --compare-copy} copies from; null for a SQLite file. */
    EmbeddedPostgresServer postgres();

    @Override
    void close() throws java.io.IOException;

    /** Creates the example's legacy database under {@code workDir} and runs its script at {@code scale}. */
    static DemoLegacyDatabase create(ExampleFiles files, int scale, Path workDir) throws Exception {
        if (files.sqliteLegacy()) {
            Path file = workDir.resolve("legacy.db").toAbsolutePath();
            String url = "jdbc:sqlite:" + file;
            files.createSqliteLegacy(file, scale);
            return new DemoLegacyDatabase() {
                public String url() {
                    return url;
                }

                public Map<String, String> env() {
                    return Map.of("SHIFTLOG_SOURCE_URL", url, "SHIFTLOG_SOURCE_FILE", file.toString());
                }

                public String describe(MigrationDef spec) {
                    return url + "  (SQLite, read every " + spec.source().poll().toSeconds() + " s)";
                }

                public String editCommand(MigrationDef spec) {
                    return "sqlite3 " + file + "   (read again every " + spec.source().poll().toSeconds() + " s)";
                }

                public EmbeddedPostgresServer postgres() {
                    return null;
                }

                public void close() {
                }
            };
        }
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(workDir.resolve("pg-legacy"));
        try {
            String url = server.createDatabase("legacy");
            try (Connection c = server.connect("legacy"); Statement s = c.createStatement()) {
                s.execute(files.legacySql(scale));
            }
            return new DemoLegacyDatabase() {
                public String url() {
                    return url;
                }

                public Map<String, String> env() {
                    return Map.of("SHIFTLOG_SOURCE_URL", url, "SHIFTLOG_SOURCE_USER", EmbeddedPostgresServer.USER,
                            "SHIFTLOG_SOURCE_PASSWORD", EmbeddedPostgresServer.PASSWORD);
                }

                public String describe(MigrationDef spec) {
                    return url + "  (user " + EmbeddedPostgresServer.USER + ")";
                }

                public String editCommand(MigrationDef spec) {
                    return "psql \"postgresql://postgres@127.0.0.1:" + server.port() + "/legacy\"";
                }

                public EmbeddedPostgresServer postgres() {
                    return server;
                }

                public void close() throws java.io.IOException {
                    server.close();
                }
            };
        } catch (Exception e) {
            server.close();
            throw e;
        }
    }
}
