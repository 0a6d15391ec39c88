package dev.shiftlog.cli;

import dev.shiftlog.testkit.EmbeddedKafkaBroker;
import dev.shiftlog.testkit.EmbeddedPostgresServer;
import dev.shiftlog.testkit.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/** A real broker and two real PostgreSQL servers (legacy with logical decoding, target) for one test class. */
final class TestServers implements AutoCloseable {
    final Path dir;
    final EmbeddedKafkaBroker kafka;
    final EmbeddedPostgresServer legacy;
    final EmbeddedPostgresServer target;
    final String legacyUrl;
    final String targetUrl;
    /** The object store of specs with upload columns; started on first use ({@link #s3()}). */
    private S3ProxyServer s3;

    TestServers(String name) throws Exception {
        dir = Files.createTempDirectory(Path.of("target"), name + "-");
        kafka = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
        legacy = EmbeddedPostgresServer.start(dir.resolve("pg-legacy"));
        target = EmbeddedPostgresServer.start(dir.resolve("pg-target"));
        legacyUrl = legacy.createDatabase("legacy");
        targetUrl = target.createDatabase("app");
    }

    /** The variables the test specs reference. */
    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("SHIFTLOG_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SHIFTLOG_SOURCE_URL", legacyUrl);
        env.put("SHIFTLOG_SOURCE_USER", EmbeddedPostgresServer.USER);
        env.put("SHIFTLOG_SOURCE_PASSWORD", EmbeddedPostgresServer.PASSWORD);
        env.put("SHIFTLOG_TARGET_URL", targetUrl);
        env.put("SHIFTLOG_TARGET_USER", EmbeddedPostgresServer.USER);
        env.put("SHIFTLOG_TARGET_PASSWORD", EmbeddedPostgresServer.PASSWORD);
        if (s3 != null) {
            env.put("SHIFTLOG_S3_ENDPOINT", s3.endpoint());
            env.put("SHIFTLOG_S3_ACCESS_KEY", S3ProxyServer.ACCESS_KEY);
            env.put("SHIFTLOG_S3_SECRET_KEY", S3ProxyServer.SECRET_KEY);
        }
        return env;
    }

    /**
     * Writes a spec with this class's connection values in place of its {@code ${SHIFTLOG_...}} variables, for
     * commands run in this JVM (which read the real environment) or in a child process. Passwords stay environment
     * references, with the value as their default ({@code ${SHIFTLOG_SOURCE_PASSWORD:-postgres}}): a spec may not hold
     * a password itself.
     */
    Path specWithValues(String specText, String fileName) throws java.io.IOException {
        String spec = specText;
        for (Map.Entry<String, String> e : env().entrySet()) {
            String value = e.getKey().endsWith("_PASSWORD") || e.getKey().endsWith("_KEY") ? "${" + e.getKey() + ":-" + e.getValue() + "}" : e.getValue();
            spec = spec.replaceAll("\\$\\{" + e.getKey() + "(:-[^}]*)?}", java.util.regex.Matcher.quoteReplacement(value));
        }
        Path file = dir.resolve(fileName);
        Files.writeString(file, spec);
        return file;
    }

    /** The S3-compatible server (s3proxy), started on first use; {@link #env()} names it from then on. */
    S3ProxyServer s3() throws Exception {
        if (s3 == null) {
            s3 = S3ProxyServer.start(dir.resolve("s3"));
        }
        return s3;
    }

    void legacySql(String sql) throws Exception {
        try (Connection c = legacy.connect("legacy"); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Rows of a query on the legacy database, rendered by PostgreSQL (the tests' oracle side). */
    RowsAsText legacyRows(String sql) throws Exception {
        try (Connection c = legacy.connect("legacy")) {
            return RowsAsText.query(c, sql);
        }
    }

    /** Rows of a query on the target database, rendered by PostgreSQL. */
    RowsAsText targetRows(String sql) throws Exception {
        try (Connection c = target.connect("app")) {
            return RowsAsText.query(c, sql);
        }
    }

    /** Records in these topics, all partitions together: their end offsets (none yet while a topic is missing). */
    long records(java.util.Collection<String> topics) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get(5, java.util.concurrent.TimeUnit.SECONDS).values().forEach(t ->
                    t.partitions().forEach(p -> request.put(new org.apache.kafka.common.TopicPartition(t.name(), p.partition()),
                            org.apache.kafka.clients.admin.OffsetSpec.latest())));
            return admin.listOffsets(request).all().get(5, java.util.concurrent.TimeUnit.SECONDS).values().stream()
                    .mapToLong(o -> o.offset()).sum();
        }
    }

    void targetSql(String sql) throws Exception {
        try (Connection c = target.connect("app"); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The single value a query returns, as a number: counts, maxima. */
    static long scalar(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws Exception {
        kafka.close();
        legacy.close();
        target.close();
        if (s3 != null) {
            s3.close();
        }
    }
}
