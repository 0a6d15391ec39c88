package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.rows.Uuid5;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code legacy-key: shiftlog_id_map}: a target table with no column for the legacy key still keeps it, in the
 * shiftlog_id_map table, written in the same transaction as the rows and cleaned up with deletes (issue 3).
 */
class IdMapIT {
    private static final String SPEC = """
            migration: idmap
            source: { url: "${SHIFTLOG_SOURCE_URL}", user: postgres, password: "${SHIFTLOG_SOURCE_PASSWORD}" }
            target: { url: "${SHIFTLOG_TARGET_URL}", user: postgres, password: "${SHIFTLOG_TARGET_PASSWORD}" }
            kafka: { bootstrap-servers: "${SHIFTLOG_BOOTSTRAP_SERVERS}", partitions: 2 }
            tables:
              - target: tags
                source: legacy_tag
                legacy-key: shiftlog_id_map
                columns: { label: name }
            """;
    private static TestServers servers;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("id-map-it");
        servers.legacySql("CREATE TABLE legacy_tag (id int PRIMARY KEY, name text);"
                + " INSERT INTO legacy_tag SELECT g, 'tag ' || g FROM generate_series(1, 200) g");
        servers.targetSql("CREATE TABLE tags (id uuid PRIMARY KEY, label text)");
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @Test
    void shouldKeepEveryLegacyKeyInTheIdMapTable() throws Exception {
        MigrationDef spec = new SpecParser(servers.env()).parse("idmap.yaml", SPEC);
        try (Connection legacy = servers.legacy.connect("legacy");
             Connection target = servers.target.connect("app");
             KafkaEndpoint kafka = KafkaEndpoint.open(spec, servers.env(), servers.dir);
             Pipeline pipeline = new Pipeline()) {
            assertThat(PlanCommand.checkCatalogs(spec, "idmap.yaml")).as("no legacy column needed in the target").isPresent();
            pipeline.start(spec, kafka, servers.dir.resolve("work"), EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            await().alias("200 tags landed").atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(TestServers.scalar(target, "SELECT count(*) FROM tags")).isEqualTo(200));

            try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT m.legacy_key, m.new_id, t.label FROM shiftlog_id_map m JOIN tags t ON t.id::text = m.new_id"
                            + " WHERE m.migration = 'idmap' AND m.target_table = 'tags'")) {
                int rows = 0;
                while (rs.next()) {
                    assertThat(rs.getString(2)).isEqualTo(Uuid5.forRow("idmap", "tags", rs.getString(1)).toString());
                    assertThat(rs.getString(3)).isEqualTo("tag " + rs.getString(1));
                    rows++;
                }
                assertThat(rows).isEqualTo(200);
            }

            try (Statement s = legacy.createStatement()) {
                s.execute("DELETE FROM legacy_tag WHERE id <= 10");
            }
            await().alias("deletes remove the rows and their id-map entries").atMost(Duration.ofSeconds(15))
                    .until(() -> TestServers.scalar(target, "SELECT count(*) FROM tags") == 190
                            && TestServers.scalar(target, "SELECT count(*) FROM shiftlog_id_map") == 190);
        }
    }
}
