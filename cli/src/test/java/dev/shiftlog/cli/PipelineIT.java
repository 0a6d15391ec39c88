package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import dev.shiftlog.transformer.TransformerStage;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline on a real broker, real Debezium and real PostgreSQL (issue 2): the snapshot lands row for row,
 * then CDC follows an insert, an update and a delete, and the sink's committed offsets reach the log end.
 */
class PipelineIT {
    private static final int ROWS = 12_000;
    private static TestServers servers;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("pipeline-it");
        servers.legacySql(ItemsScenario.LEGACY_DDL);
        servers.legacySql(ItemsScenario.insert(1, ROWS));
        servers.targetSql(ItemsScenario.TARGET_DDL);
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @Test
    void shouldLandTheSnapshotExactlyThenFollowInsertUpdateAndDelete() throws Exception {
        MigrationDef spec = new SpecParser(servers.env()).parse("items.yaml", ItemsScenario.SPEC);
        try (Connection legacy = servers.legacy.connect("legacy");
             Connection target = servers.target.connect("app");
             KafkaEndpoint kafka = KafkaEndpoint.open(spec, servers.env(), servers.dir);
             Pipeline pipeline = new Pipeline()) {
            pipeline.start(spec, kafka, servers.dir.resolve("work"), EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });

            Map<Long, List<String>> expected = ItemsScenario.expected(legacy);
            assertThat(expected).hasSize(ROWS);
            await().alias("snapshot of " + ROWS + " rows landed").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(ItemsScenario.actual(target)).hasSize(ROWS));
            Map<Long, List<String>> afterSnapshot = ItemsScenario.actual(target);
            assertThat(ItemsScenario.diff(expected, afterSnapshot)).isEmpty();

            try (var s = legacy.createStatement()) {
                s.execute(ItemsScenario.insert(ROWS + 1, ROWS + 1));
                s.execute("UPDATE items SET name = 'renamed ✓', amount = 0.01, tags = '{}' WHERE id = 5");
                s.execute("DELETE FROM items WHERE id = 6");
            }
            Map<Long, List<String>> expectedAfterCdc = ItemsScenario.expected(legacy);
            await().alias("insert, update and delete reflected").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(ItemsScenario.diff(expectedAfterCdc, ItemsScenario.actual(target))).isEmpty());

            Map<Long, List<String>> afterCdc = ItemsScenario.actual(target);
            Set<Long> changed = afterCdc.keySet().stream().filter(k -> !afterCdc.get(k).equals(afterSnapshot.get(k)))
                    .collect(Collectors.toSet());
            Set<Long> removed = afterSnapshot.keySet().stream().filter(k -> !afterCdc.containsKey(k)).collect(Collectors.toSet());
            assertThat(changed).containsExactlyInAnyOrder(5L, (long) ROWS + 1);
            assertThat(removed).containsExactly(6L);
            assertThat(afterCdc.get(5L).get(2)).isEqualTo("renamed ✓");

            assertSinkOffsetsReachTheLogEnd(spec, kafka);
            assertTheLogOutlivesTheRun(spec, kafka);
        }
    }

    /** Row topics compacted with no time-based deletion, the DLQ kept whole: a replay months later sees every row. */
    private void assertTheLogOutlivesTheRun(MigrationDef spec, KafkaEndpoint kafka) throws Exception {
        TopicNames names = new TopicNames(spec.name());
        String source = names.source("public", "items");
        String out = TransformerStage.outTopics(spec).get(0);
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            List<org.apache.kafka.common.config.ConfigResource> topics = java.util.stream.Stream.of(source, out, names.dlq())
                    .map(t -> new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, t))
                    .toList();
            var configs = admin.describeConfigs(topics).all().get(10, TimeUnit.SECONDS);
            Map<String, String> seen = new java.util.TreeMap<>();
            configs.forEach((r, c) -> seen.put(r.name(), c.get("cleanup.policy").value() + " " + c.get("retention.ms").value()));
            assertThat(seen).containsExactlyInAnyOrderEntriesOf(Map.of(source, "compact -1", out, "compact -1", names.dlq(), "delete -1"));
        }
    }

    /** What {@code kafka-consumer-groups --describe} shows as lag 0: committed offset = log end, every partition. */
    private void assertSinkOffsetsReachTheLogEnd(MigrationDef spec, KafkaEndpoint kafka) {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            await().alias("sink committed offsets reach the log end").atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin
                        .listConsumerGroupOffsets(new TopicNames(spec.name()).sinkGroup())
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                for (String topic : TransformerStage.outTopics(spec)) {
                    for (int p = 0; p < spec.kafka().partitions(); p++) {
                        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
                    }
                }
                var ends = admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                        .get(10, TimeUnit.SECONDS);
                assertThat(ends.values().stream().mapToLong(e -> e.offset()).sum()).isGreaterThan(ROWS);
                for (var e : ends.entrySet()) {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    long end = e.getValue().offset();
                    assertThat(c == null ? 0 : c.offset()).as("committed offset of %s", e.getKey()).isEqualTo(end);
                }
            });
        }
    }
}
