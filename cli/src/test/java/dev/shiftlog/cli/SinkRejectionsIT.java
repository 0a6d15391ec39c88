package dev.shiftlog.cli;

import dev.shiftlog.operate.DlqTally;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A target constraint that some legacy rows break: with {@code on-error: dlq} exactly those rows go to the DLQ with
 * the constraint's name, every other row lands, and a later fix of the legacy rows lands them too (issue 3).
 */
class SinkRejectionsIT {
    private static final int ROWS = 1_000;
    private static TestServers servers;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("rejections-it");
        servers.legacySql(ItemsScenario.LEGACY_DDL);
        servers.legacySql(ItemsScenario.insert(1, ROWS));
        servers.targetSql(ItemsScenario.TARGET_DDL);
        servers.targetSql("ALTER TABLE items_new ADD CONSTRAINT qty_is_not_unlucky CHECK (qty <> 13)");
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @Test
    void shouldSendExactlyTheRefusedRowsToTheDlqAndLandTheRest() throws Exception {
        MigrationDef spec = new SpecParser(servers.env()).parse("items.yaml", ItemsScenario.SPEC);
        List<String> unlucky = LongStream.rangeClosed(1, ROWS).filter(id -> id % 100 == 13).mapToObj(Long::toString).toList();
        try (Connection legacy = servers.legacy.connect("legacy");
             Connection target = servers.target.connect("app");
             KafkaEndpoint kafka = KafkaEndpoint.open(spec, servers.env(), servers.dir);
             Pipeline pipeline = new Pipeline()) {
            pipeline.start(spec, kafka, servers.dir.resolve("work"), EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            try (DlqTally dlq = new DlqTally(spec, kafka.clientConfig(), kafka.registry())) {
                await().alias("every legacy row landed or rejected").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            dlq.refresh();
                            return ItemsScenario.actual(target).size() + dlq.count("items_new") >= ROWS;
                        });
                assertThat(dlq.byRule("items_new")).containsExactly(Map.entry("target constraint qty_is_not_unlucky", 10L));
                assertThat(dlq.example("items_new", "target constraint qty_is_not_unlucky").message())
                        .contains("violates check constraint \"qty_is_not_unlucky\"");
            }
            Map<Long, List<String>> expected = ItemsScenario.expected(legacy);
            unlucky.forEach(id -> expected.remove(Long.parseLong(id)));
            assertThat(ItemsScenario.diff(expected, ItemsScenario.actual(target))).isEmpty();

            try (var s = legacy.createStatement()) {
                s.execute("UPDATE items SET qty = 14 WHERE qty = 13");
            }
            Map<Long, List<String>> fixed = ItemsScenario.expected(legacy);
            await().alias("fixed rows land").atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(ItemsScenario.diff(fixed, ItemsScenario.actual(target))).isEmpty());
        }
    }
}
