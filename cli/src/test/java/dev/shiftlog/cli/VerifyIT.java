package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code verify} on a migrated S1 target (issue 4): clean on the untouched target, and each deliberate corruption —
 * a changed value, a deleted row, an extra row, a broken foreign key, a cycle — is found and named by table, key
 * and column, with exit code 1. The pipeline is stopped first, so nothing repairs the corruptions behind our back.
 */
class VerifyIT {
    private static TestServers servers;
    private static Path specFile;
    private static final ExampleFiles FILES = new ExampleFiles("coaching");

    @BeforeAll
    static void migrate() throws Exception {
        servers = new TestServers("verify-it");
        servers.legacySql(FILES.read("legacy.sql"));
        servers.legacySql(FILES.read("generate.sql").replace("${scale}", "1"));
        servers.targetSql(FILES.read("target.sql"));
        servers.s3(); // the images go to object storage
        specFile = servers.specWithValues(FILES.read("shiftlog.yaml"), "coaching.yaml");
        MigrationDef parsed = new SpecParser(Map.of()).parse(specFile);
        try (KafkaEndpoint kafka = KafkaEndpoint.open(parsed, Map.of(), servers.dir);
             Pipeline pipeline = new Pipeline();
             DlqTally dlq = new DlqTally(parsed, kafka.clientConfig(), kafka.registry());
             Connection legacy = servers.legacy.connect("legacy");
             Connection target = servers.target.connect("app")) {
            pipeline.start(parsed, kafka, servers.dir.resolve("work"), EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                dlq.refresh();
                return TestServers.scalar(target, "SELECT count(*) FROM categories") + dlq.count("categories")
                        == TestServers.scalar(legacy, "SELECT count(*) FROM tls_category")
                        && TestServers.scalar(target, "SELECT count(*) FROM coaches") == TestServers.scalar(legacy, "SELECT count(*) FROM tls_coach")
                        && TestServers.scalar(target, "SELECT count(*) FROM app_config") == 26;
            });
        }
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    private CliRun verify(String... extra) {
        return CliRun.operate("verify", specFile, servers.dir.resolve("work"), extra);
    }

    private void target(String... sql) throws Exception {
        try (Connection c = servers.target.connect("app"); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }

    private String coachId(String order) throws Exception {
        try (Connection c = servers.target.connect("app"); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT id::text FROM coaches ORDER BY legacy_id " + order + " LIMIT 1")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void shouldPassOnTheUntouchedTargetAndAccountForEveryLegacyRow() throws Exception {
        CliRun run = verify("--json");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertThat(report.get("clean").asBoolean()).isTrue();
        assertThat(report.get("findings")).isEmpty();
        try (Connection legacy = servers.legacy.connect("legacy")) {
            for (JsonNode t : report.get("tables")) {
                assertThat(t.get("expected").asLong()).as(t.toString()).isEqualTo(t.get("actual").asLong()).isEqualTo(t.get("matching").asLong());
                assertThat(t.get("legacyRows").asLong()).as(t.toString())
                        .isEqualTo(t.get("filtered").asLong() + t.get("rejected").asLong() + t.get("expected").asLong());
                if (t.get("table").asText().equals("categories")) {
                    assertThat(t.get("rejected").asLong()).as("the orphan and the two rows of the cycle are in the DLQ").isEqualTo(3);
                    assertThat(t.get("legacyRows").asLong()).isEqualTo(TestServers.scalar(legacy, "SELECT count(*) FROM tls_category"));
                }
            }
        }
        assertThat(report.get("successRate").asDouble()).isLessThan(100.0).isGreaterThanOrEqualTo(report.get("threshold").asDouble());
    }

    @Test
    void shouldRecordTheSnapshotOfEachLegacyTableWithItsRowCountInTheAuditTrail() throws Exception {
        MigrationDef parsed = new SpecParser(Map.of()).parse(specFile);
        Map<String, Long> expected = new java.util.TreeMap<>();
        try (Connection legacy = servers.legacy.connect("legacy")) {
            for (var t : parsed.tables()) {
                String table = t.sourceSchema(parsed.source().schema()) + "." + t.sourceTable();
                expected.put(table, TestServers.scalar(legacy, "SELECT count(*) FROM " + table));
            }
        }
        try (Connection target = servers.target.connect("app")) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<String, Long> recorded = new java.util.TreeMap<>();
                try (Statement s = target.createStatement(); var rs = s.executeQuery("SELECT details->>'table', "
                        + "(details->>'rows')::bigint FROM shiftlog_runs WHERE migration = 'coaching' AND event = 'snapshot-done'")) {
                    while (rs.next()) {
                        assertThat(recorded.put(rs.getString(1), rs.getLong(2))).as("one event per table").isNull();
                    }
                }
                assertThat(recorded).isEqualTo(expected);
            });
        }
    }

    @Test
    void shouldNameAChangedValueByTableKeyAndColumn() throws Exception {
        String id = coachId("ASC");
        target("CREATE TABLE saved_coach AS SELECT * FROM coaches WHERE id = '" + id + "'",
                "UPDATE coaches SET bio = 'tampered' WHERE id = '" + id + "'");
        try {
            CliRun run = verify();
            assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
            assertThat(run.out()).contains("changed coaches " + id + " column bio: expected ").contains("found tampered").contains("NOT CLEAN");
        } finally {
            target("UPDATE coaches c SET bio = s.bio FROM saved_coach s WHERE c.id = s.id", "DROP TABLE saved_coach");
        }
    }

    @Test
    void shouldNameAnObjectWhoseUrlServesOtherBytesAndOneThatIsGone() throws Exception {
        String url;
        try (Connection c = servers.target.connect("app"); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT url FROM images ORDER BY legacy_id LIMIT 1")) {
            rs.next();
            url = rs.getString(1);
        }
        String key = url.substring(url.lastIndexOf('/') + 1);
        java.nio.file.Path object = servers.s3().storage().resolve("coach-images").resolve(key); // s3proxy keeps a file per object
        byte[] saved = java.nio.file.Files.readAllBytes(object);
        java.nio.file.Path icon;
        try (var icons = java.nio.file.Files.list(servers.s3().storage().resolve("category-icons"))) {
            icon = icons.sorted().findFirst().orElseThrow();
        }
        byte[] savedIcon = java.nio.file.Files.readAllBytes(icon);
        java.nio.file.Files.write(object, "not the legacy image".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        java.nio.file.Files.delete(icon);
        try {
            CliRun run = verify();
            assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
            assertThat(run.out()).contains("column url: expected null, found " + url + " — GET " + url + " serves 20 bytes that differ"
                    + " from the legacy value's " + saved.length).contains("/category-icons/" + icon.getFileName() + " answers 404")
                    .contains("NOT CLEAN");
        } finally {
            java.nio.file.Files.write(object, saved);
            java.nio.file.Files.write(icon, savedIcon);
        }
    }

    @Test
    void shouldNameADeletedRowAndAnExtraRow() throws Exception {
        target("CREATE TABLE saved_config AS SELECT * FROM app_config WHERE key = 'default_coach'",
                "DELETE FROM app_config WHERE key = 'default_coach'",
                "INSERT INTO coaches (id, legacy_id, name) VALUES ('00000000-0000-0000-0000-00000000abcd', 987654, 'Nobody')");
        try {
            CliRun run = verify("--json");
            assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
            JsonNode report = new ObjectMapper().readTree(run.out());
            assertThat(report.get("findings").toString())
                    .contains("\"kind\":\"missing\",\"table\":\"app_config\"")
                    .contains("\"kind\":\"extra\",\"table\":\"coaches\",\"key\":\"00000000-0000-0000-0000-00000000abcd\"");
            assertThat(run.out()).contains("\"missing\" : 1").contains("\"extra\" : 1");
        } finally {
            target("INSERT INTO app_config SELECT * FROM saved_config", "DROP TABLE saved_config",
                    "DELETE FROM coaches WHERE legacy_id = 987654");
        }
    }

    @Test
    void shouldNameABrokenForeignKey() throws Exception {
        String child = categoryWithParent();
        String parent = parentOf(child);
        // the target's own FK would refuse this; a corruption is exactly what slips past disabled triggers
        target("SET session_replication_role = replica; UPDATE categories SET parent_id = '00000000-0000-0000-0000-0000000000ff' WHERE id = '"
                + child + "'");
        try {
            CliRun run = verify();
            assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
            assertThat(run.out()).contains("orphan categories " + child + " column parent_id")
                    .contains("00000000-0000-0000-0000-0000000000ff, which does not exist");
        } finally {
            target("UPDATE categories SET parent_id = '" + parent + "' WHERE id = '" + child + "'");
        }
        assertThat(verify().exitCode()).as("repaired").isZero();
    }

    @Test
    void shouldNameACycle() throws Exception {
        String child = categoryWithParent();
        String parent = parentOf(child);
        String grandparent = parentOf(parent);
        target("UPDATE categories SET parent_id = '" + child + "' WHERE id = '" + parent + "'");
        try {
            CliRun run = verify();
            assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
            assertThat(run.out()).containsPattern("cycle categories \\S+ column parent_id")
                    .containsAnyOf(child + " → " + parent + " → " + child, parent + " → " + child + " → " + parent)
                    .contains("tree-levels categories");
        } finally {
            target("UPDATE categories SET parent_id = " + (grandparent == null ? "NULL" : "'" + grandparent + "'") + " WHERE id = '" + parent + "'");
        }
    }

    /** A category two levels down (it has a parent, which has a parent), so moving things keeps the rest intact. */
    private String categoryWithParent() throws Exception {
        try (Connection c = servers.target.connect("app"); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT c.id::text FROM categories c JOIN categories p ON p.id = c.parent_id"
                     + " WHERE p.parent_id IS NOT NULL ORDER BY c.legacy_id LIMIT 1")) {
            assertThat(rs.next()).as("the example has a tree at least three levels deep").isTrue();
            return rs.getString(1);
        }
    }

    private String parentOf(String id) throws Exception {
        try (Connection c = servers.target.connect("app"); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT parent_id::text FROM categories WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
