package dev.shiftlog.operate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import dev.shiftlog.testkit.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stages of a migration start at the same moment (compose, ChaosIT's restarts), and each one's first act is the
 * {@code run-start} audit event, which creates the trail's table when absent. PostgreSQL's {@code CREATE TABLE IF NOT
 * EXISTS} is not safe against itself: two sessions can both find the name free and one then fails on the catalog's
 * unique index (a CI run of ChaosIT lost a sink this way). Every stage must start, and every event must land.
 */
class AuditLogIT {
    private static final int STAGES = 6;
    private static final int ROUNDS = 12;
    private static EmbeddedPostgresServer pg;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresServer.start(Files.createTempDirectory(Path.of("target"), "audit-it-"));
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    @Test
    void stagesStartingTogetherOnAFreshTargetAllRecordTheirStart() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(STAGES);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String url = pg.createDatabase("app" + round);
                MigrationDef spec = new SpecParser(Map.of()).parse("audit.yaml", """
                        migration: audit
                        source: { url: "jdbc:postgresql://127.0.0.1:1/legacy", user: postgres }
                        target: { url: "%s", user: postgres }
                        tables:
                          - { target: notes, source: legacy_note, columns: { body: body } }
                        """.formatted(url));
                CyclicBarrier together = new CyclicBarrier(STAGES);
                List<Future<?>> starts = new ArrayList<>();
                for (int stage = 0; stage < STAGES; stage++) {
                    int id = stage;
                    starts.add(pool.submit(() -> {
                        together.await();
                        new AuditLog(spec, null, null).record("run-start", Map.of("stage", id));
                        return null;
                    }));
                }
                for (Future<?> f : starts) {
                    f.get(); // rethrows a stage's failure to start, with its message
                }
                List<String> landed = new ArrayList<>();
                try (Connection c = pg.connect("app" + round); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT event || ' ' || (details->>'stage') FROM shiftlog_runs ORDER BY 1")) {
                    while (rs.next()) {
                        landed.add(rs.getString(1));
                    }
                }
                assertThat(landed).as("round %d", round).containsExactly(
                        "run-start 0", "run-start 1", "run-start 2", "run-start 3", "run-start 4", "run-start 5");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
