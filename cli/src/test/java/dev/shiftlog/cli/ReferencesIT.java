package dev.shiftlog.cli;

import dev.shiftlog.operate.DlqTally;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.avro.AvroDeserializer;
import dev.shiftlog.schemas.rows.Uuid5;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import dev.shiftlog.transformer.TransformerStage;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A deep category tree whose children mostly arrive before their parents, on 4 partitions and 2 transformer
 * instances: every child is released exactly once, the target's foreign key is never violated, and the tree in the
 * target equals the legacy tree (issue 3).
 */
class ReferencesIT {
    private static final int ROWS = 1_500; // a tree about 75 levels deep
    private static final String SPEC = """
            migration: tree
            source: { url: "${SHIFTLOG_SOURCE_URL}", user: postgres, password: "${SHIFTLOG_SOURCE_PASSWORD}" }
            target: { url: "${SHIFTLOG_TARGET_URL}", user: postgres, password: "${SHIFTLOG_TARGET_PASSWORD}" }
            kafka: { bootstrap-servers: "${SHIFTLOG_BOOTSTRAP_SERVERS}", partitions: 4 }
            tables:
              - target: categories
                source: tls_category
                on-error: dlq
                park-timeout: 2m
                columns:
                  name: name
                  parent_id: { ref: categories, from: parent_id }
            """;
    private static TestServers servers;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("references-it");
        // Parents have higher ids than their children, so the snapshot sends most children before their parent.
        servers.legacySql("CREATE TABLE tls_category (id int PRIMARY KEY, parent_id int, name text)");
        servers.legacySql("SELECT setseed(0.7); INSERT INTO tls_category SELECT g, CASE WHEN g = " + ROWS + " THEN NULL ELSE "
                + "g + 1 + floor(random() * least(40, " + ROWS + " - g))::int END, 'category ' || g FROM generate_series(1, " + ROWS + ") g");
        servers.targetSql("CREATE TABLE categories (id uuid PRIMARY KEY, legacy_id int NOT NULL UNIQUE,"
                + " parent_id uuid REFERENCES categories (id), name text)");
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @Test
    void shouldReleaseEveryParkedChildExactlyOnceWithoutAForeignKeyViolation() throws Exception {
        MigrationDef spec = new SpecParser(servers.env()).parse("tree.yaml", SPEC);
        try (Connection target = servers.target.connect("app");
             KafkaEndpoint kafka = KafkaEndpoint.open(spec, servers.env(), servers.dir);
             Pipeline pipeline = new Pipeline();
             TransformerStage second = new TransformerStage(spec, kafka.clientConfig(), kafka.registry(), servers.dir.resolve("second"))) {
            second.start();
            pipeline.start(spec, kafka, servers.dir.resolve("first"), EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            await().alias("second transformer instance running").atMost(Duration.ofSeconds(60))
                    .until(() -> second.state() == KafkaStreams.State.RUNNING);

            await().alias("the whole tree landed").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> TestServers.scalar(target, "SELECT count(*) FROM categories") == ROWS);

            Map<Long, Long> legacyParents = new HashMap<>();
            try (Connection legacy = servers.legacy.connect("legacy"); Statement s = legacy.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id, parent_id FROM tls_category")) {
                while (rs.next()) {
                    legacyParents.put(rs.getLong(1), rs.getObject(2) == null ? null : rs.getLong(2));
                }
            }
            try (Statement s = target.createStatement();
                 ResultSet rs = s.executeQuery("SELECT c.legacy_id, c.id, c.parent_id FROM categories c")) {
                int checked = 0;
                while (rs.next()) {
                    long legacyId = rs.getLong(1);
                    assertThat(rs.getObject(2)).isEqualTo(Uuid5.forRow("tree", "categories", Long.toString(legacyId)));
                    Long parent = legacyParents.get(legacyId);
                    assertThat(rs.getObject(3)).as("parent of %d", legacyId)
                            .isEqualTo(parent == null ? null : Uuid5.forRow("tree", "categories", Long.toString(parent)));
                    checked++;
                }
                assertThat(checked).isEqualTo(ROWS);
            }
            assertThat(TestServers.scalar(target, "WITH RECURSIVE t AS (SELECT id, 0 AS depth FROM categories WHERE parent_id IS NULL"
                    + " UNION ALL SELECT c.id, t.depth + 1 FROM categories c JOIN t ON c.parent_id = t.id) SELECT max(depth) FROM t"))
                    .as("a deep tree, not a flat list").isGreaterThan(30);

            Map<String, Integer> releases = recordsPerKey(kafka, "tree.out.categories");
            assertThat(releases).hasSize(ROWS);
            assertThat(releases.values()).as("each row written to the out topic exactly once").containsOnly(1);
            try (DlqTally dlq = new DlqTally(spec, kafka.clientConfig(), kafka.registry())) {
                dlq.refresh();
                assertThat(dlq.count("categories")).as("no row refused, no foreign-key violation").isZero();
            }
        }
    }

    private static Map<String, Integer> recordsPerKey(KafkaEndpoint kafka, String topic) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "count-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<GenericRecord, GenericRecord> consumer = new KafkaConsumer<>(config,
                new AvroDeserializer(kafka.registry()), new AvroDeserializer(kafka.registry()))) {
            consumer.subscribe(List.of(topic));
            long idleSince = System.nanoTime();
            while (System.nanoTime() - idleSince < 3_000_000_000L) {
                var records = consumer.poll(Duration.ofMillis(300));
                if (!records.isEmpty()) {
                    idleSince = System.nanoTime();
                }
                records.forEach(r -> counts.merge(r.key().get(0).toString(), 1, Integer::sum));
            }
        }
        return counts;
    }
}
