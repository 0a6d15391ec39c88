package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code id: target}: the target database assigns the ids (an identity column, a uuid default), the sink learns them
 * with RETURNING and announces them on {@code <m>.landed}, and referencing rows get them; updates keep the id and
 * deletes remove the row (issue 3).
 */
class TargetIdsIT {
    private static final String SPEC = """
            migration: dbids
            source: { url: "${SHIFTLOG_SOURCE_URL}", user: postgres, password: "${SHIFTLOG_SOURCE_PASSWORD}" }
            target: { url: "${SHIFTLOG_TARGET_URL}", user: postgres, password: "${SHIFTLOG_TARGET_PASSWORD}" }
            kafka: { bootstrap-servers: "${SHIFTLOG_BOOTSTRAP_SERVERS}", partitions: 4 }
            tables:
              - target: offices
                source: legacy_office
                id: target
                columns: { name: name }
              - target: doctors
                source: legacy_doctor
                id: target
                columns:
                  name: name
                  office_id: { ref: offices, from: office_id }
            """;
    private static TestServers servers;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("target-ids-it");
        servers.legacySql("CREATE TABLE legacy_office (id int PRIMARY KEY, name text);"
                + " CREATE TABLE legacy_doctor (id int PRIMARY KEY, name text, office_id int);"
                + " INSERT INTO legacy_office SELECT g, 'office ' || g FROM generate_series(1, 100) g;"
                + " INSERT INTO legacy_doctor SELECT g, 'doctor ' || g, 1 + (g * 7) % 100 FROM generate_series(1, 500) g");
        servers.targetSql("CREATE TABLE offices (id bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000) PRIMARY KEY,"
                + " legacy_id int NOT NULL UNIQUE, name text);"
                + " CREATE TABLE doctors (id uuid DEFAULT gen_random_uuid() PRIMARY KEY, legacy_id int NOT NULL UNIQUE,"
                + " office_id bigint NOT NULL REFERENCES offices (id), name text)");
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @Test
    void shouldUseTheIdsTheTargetAssignsForRowsAndTheirReferences() throws Exception {
        MigrationDef spec = new SpecParser(servers.env()).parse("dbids.yaml", SPEC);
        try (Connection legacy = servers.legacy.connect("legacy");
             Connection target = servers.target.connect("app");
             KafkaEndpoint kafka = KafkaEndpoint.open(spec, servers.env(), servers.dir);
             Pipeline pipeline = new Pipeline()) {
            pipeline.start(spec, kafka, servers.dir.resolve("work"), EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            await().alias("every doctor landed with its office's database id").atMost(Duration.ofMinutes(2))
                    .untilAsserted(() -> assertThat(TestServers.scalar(target, "SELECT count(*) FROM doctors")).isEqualTo(500));

            assertThat(TestServers.scalar(target, "SELECT count(*) FROM doctors d JOIN offices o ON o.id = d.office_id"
                    + " WHERE o.legacy_id = 1 + (d.legacy_id * 7) % 100")).isEqualTo(500);
            assertThat(TestServers.scalar(target, "SELECT min(id) FROM offices")).as("ids from the identity column").isGreaterThanOrEqualTo(1000);
            Map<Integer, String> idsBefore = doctorIds(target);

            try (Statement s = legacy.createStatement()) {
                s.execute("UPDATE legacy_doctor SET name = 'renamed', office_id = 50 WHERE id = 3");
                s.execute("DELETE FROM legacy_doctor WHERE id = 4");
            }
            await().alias("update and delete reflected").atMost(Duration.ofSeconds(15))
                    .until(() -> TestServers.scalar(target, "SELECT count(*) FROM doctors") == 499
                            && TestServers.scalar(target, "SELECT count(*) FROM doctors d JOIN offices o ON o.id = d.office_id"
                            + " WHERE d.legacy_id = 3 AND d.name = 'renamed' AND o.legacy_id = 50") == 1);
            Map<Integer, String> idsAfter = doctorIds(target);
            assertThat(idsAfter.get(3)).as("an update keeps the database's id").isEqualTo(idsBefore.get(3));
            assertThat(idsAfter).doesNotContainKey(4);
        }
    }

    private static Map<Integer, String> doctorIds(Connection c) throws Exception {
        Map<Integer, String> ids = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT legacy_id, id::text FROM doctors")) {
            while (rs.next()) {
                ids.put(rs.getInt(1), rs.getString(2));
            }
        }
        return ids;
    }
}
