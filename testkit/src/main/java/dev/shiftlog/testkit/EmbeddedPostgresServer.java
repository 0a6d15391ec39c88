package dev.shiftlog.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A throwaway PostgreSQL server (zonky's binaries from Maven Central) with logical decoding on, so Debezium can
 * capture it. Each instance has its own data directory under {@code workDir}.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private boolean stopped;
    /** The superuser the embedded server creates; its password is what tests pass as a secret. */
    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    private final Path workDir;
    private EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(Path workDir, EmbeddedPostgres postgres) {
        this.workDir = workDir;
        this.postgres = postgres;
    }

    public static EmbeddedPostgresServer start(Path workDir) throws IOException {
        return new EmbeddedPostgresServer(workDir, launch(workDir, 0));
    }

    /**
     * Stops the server (fast shutdown: connections are cut, as in a restart or a crash of the database), keeps it
     * down for {@code down}, then starts it again on the same port with the same data: for fault tests.
     */
    public void restart(java.time.Duration down) throws IOException, InterruptedException {
        int port = port();
        close();
        Thread.sleep(down.toMillis());
        postgres = launch(workDir, port);
        stopped = false;
    }

    private static EmbeddedPostgres launch(Path workDir, int port) throws IOException {
        Files.createDirectories(workDir);
        Path data = workDir.resolve("data");
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        if (port > 0) {
            builder.setPort(port);
        }
        return builder
                .setOverrideWorkingDirectory(workDir.toFile())
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_wal_senders", "10")
                .setServerConfig("max_replication_slots", "10")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "100")
                .setServerConfig("timezone", "UTC")
                .start();
    }

    public int port() {
        return postgres.getPort();
    }

    /** JDBC URL of a database on this server, without credentials. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    public Connection connect(String database) throws SQLException {
        return postgres.getDatabase(USER, database).getConnection();
    }

    /** Creates a database (idempotently) and returns its JDBC URL. */
    public String createDatabase(String name) throws SQLException {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "''") + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
            }
        }
        return jdbcUrl(name);
    }

    /** Stops the server; later calls (and a restart's) find it stopped already. */
    @Override
    public void close() throws IOException {
        if (!stopped) {
            stopped = true;
            postgres.close();
        }
    }
}
