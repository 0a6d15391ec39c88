package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Restarts of each server under a running pipeline (issue 9): the legacy database and the broker go down while
 * legacy writes continue around the outage; every stage must wait and recover by itself, and the target must end
 * equal to the legacy rows (rendered by plain SQL, {@link ItemsScenario#expected}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestartsIT {
    private static final int ROWS = 3_000;
    private static TestServers servers;
    private static InProcessPipeline run;

    @BeforeAll
    static void start() throws Exception {
        servers = new TestServers("restarts-it");
        servers.legacySql(ItemsScenario.LEGACY_DDL);
        servers.legacySql(ItemsScenario.insert(1, ROWS));
        servers.targetSql(ItemsScenario.TARGET_DDL);
        run = InProcessPipeline.start(servers, "items.yaml", ItemsScenario.SPEC);
        awaitTargetEqualsLegacy("the snapshot");
    }

    @AfterAll
    static void stop() throws Exception {
        if (run != null) {
            run.close();
        }
        servers.close();
    }

    private static void awaitTargetEqualsLegacy(String after) throws Exception {
        Map<Long, List<String>> expected;
        try (Connection legacy = servers.legacy.connect("legacy")) {
            expected = ItemsScenario.expected(legacy);
        }
        try (Connection target = servers.target.connect("app")) {
            await().alias("target equals legacy after " + after).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(ItemsScenario.diff(expected, ItemsScenario.actual(target))).as("after " + after).isEmpty());
        }
        assertThat(run.pipeline.anyStopped()).as("a stage stopped").isNotDone();
    }

    private static void writes(int round) throws Exception {
        long from = 10_000L * round;
        servers.legacySql(ItemsScenario.insert(from, from + 99) + "; UPDATE items SET name = name || ' r" + round
                + "' WHERE id % 50 = " + round + "; DELETE FROM items WHERE id = " + (100 + round));
    }

    @Test
    @Order(1)
    void theLegacyDatabaseRestarting() throws Exception {
        writes(1);
        servers.legacy.restart(Duration.ofSeconds(5));
        writes(2);
        awaitTargetEqualsLegacy("the legacy database was down 5 s");
    }

    @Test
    @Order(2)
    void theBrokerRestarting() throws Exception {
        writes(3);
        servers.kafka.restart(Duration.ofSeconds(10));
        writes(4);
        awaitTargetEqualsLegacy("the broker was down 10 s");
    }
}
