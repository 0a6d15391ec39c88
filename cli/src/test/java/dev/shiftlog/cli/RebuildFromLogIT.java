package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The log outlives the run (issue 12 item 3): after a load and some CDC, with every worker stopped and the legacy
 * database shut down, {@code rebuild-target} and {@code shiftlog run sink} (its own JVM) rebuild a fresh target
 * database from Kafka alone — exactly the rows the legacy database gave, deletes included.
 */
class RebuildFromLogIT {
    private static final int ROWS = 3_000;
    private static TestServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = new TestServers("rebuild-it");
        servers.legacySql(ItemsScenario.LEGACY_DDL);
        servers.legacySql(ItemsScenario.insert(1, ROWS));
        servers.targetSql(ItemsScenario.TARGET_DDL);
    }

    @AfterAll
    static void stop() throws Exception {
        servers.close();
    }

    @Test
    void shouldRebuildAFreshTargetFromTheLogWithTheLegacyDatabaseStopped() throws Exception {
        Path specFile = servers.specWithValues(ItemsScenario.SPEC, "items.yaml");
        MigrationDef spec = new SpecParser(Map.of()).parse(specFile);
        Path work = servers.dir.resolve("work");
        Map<Long, List<String>> expected;
        try (KafkaEndpoint kafka = KafkaEndpoint.open(spec, Map.of(), work); Pipeline pipeline = new Pipeline();
             Connection legacy = servers.legacy.connect("legacy"); Connection target = servers.target.connect("app")) {
            pipeline.start(spec, kafka, work, EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            await().atMost(Duration.ofMinutes(2)).until(() -> ItemsScenario.actual(target).size() == ROWS);
            try (Statement s = legacy.createStatement()) {
                s.execute("UPDATE items SET name = name || ' (cdc)' WHERE id <= 100; DELETE FROM items WHERE id BETWEEN 200 AND 249;"
                        + ItemsScenario.insert(ROWS + 1, ROWS + 20));
            }
            Map<Long, List<String>> legacyRows = ItemsScenario.expected(legacy);
            await().alias("CDC landed").atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                    assertThat(ItemsScenario.diff(legacyRows, ItemsScenario.actual(target))).isEmpty());
            expected = legacyRows;
        }
        servers.legacy.close(); // gone for good: what follows reads nothing but Kafka

        try (Connection c = servers.target.connect("app"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE rebuilt");
        }
        try (Connection c = servers.target.connect("rebuilt"); Statement s = c.createStatement()) {
            s.execute(ItemsScenario.TARGET_DDL);
        }
        String rebuiltUrl = servers.targetUrl.replaceAll("/app$", "/rebuilt");
        Path rebuiltSpec = servers.dir.resolve("rebuilt.yaml");
        Files.writeString(rebuiltSpec, Files.readString(specFile).replace(servers.targetUrl, rebuiltUrl));

        CliRun rebuild = CliRun.of("rebuild-target", "-f", rebuiltSpec.toString(), "--work-dir", work.toString());
        assertThat(rebuild.exitCode()).as(rebuild.out() + rebuild.err()).isZero();
        assertThat(rebuild.out()).contains("the sink's progress is forgotten").contains("shiftlog run sink");

        ProcessBuilder worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-Xmx512m", "-cp", "target/classes" + File.pathSeparator + "target/lib/*", "dev.shiftlog.cli.Main",
                "run", "sink", "-f", rebuiltSpec.toString(), "--work-dir", work.toString(), "--http", "off")
                .redirectOutput(servers.dir.resolve("rebuild-sink.out").toFile())
                .redirectError(servers.dir.resolve("rebuild-sink.log").toFile());
        // and its log as a log shipper reads it: one JSON object per line
        worker.environment().put("SHIFTLOG_LOG_FORMAT", "json");
        worker.environment().put("SHIFTLOG_LOG_LEVEL", "INFO");
        Process sink = worker.start();
        try (Connection rebuilt = servers.target.connect("rebuilt")) {
            await().alias("the fresh target rebuilt from the log").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(ItemsScenario.diff(expected, ItemsScenario.actual(rebuilt))).isEmpty());
            assertThat(sink.isAlive()).as("the sink runs without the legacy database: " + servers.dir.resolve("rebuild-sink.log")).isTrue();
        } finally {
            sink.destroy();
            sink.waitFor();
        }
        List<String> lines = Files.readAllLines(servers.dir.resolve("rebuild-sink.log")).stream().filter(l -> !l.isBlank()).toList();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(lines).isNotEmpty().allSatisfy(line -> {
            com.fasterxml.jackson.databind.JsonNode event = json.readTree(line);
            assertThat(event.has("@timestamp") && event.has("log.level") && event.has("message")).as(line).isTrue();
        });
        assertThat(lines).anyMatch(l -> l.contains("\"log.logger\":\"dev.shiftlog.sink.SinkStage\"") && l.contains("sink writing 1 table(s)"));
    }
}
