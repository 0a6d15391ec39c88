package dev.shiftlog.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.avro.AvroDeserializer;
import dev.shiftlog.schemas.avro.AvroSerializer;
import dev.shiftlog.schemas.registry.KafkaTopicSchemaRegistry;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import dev.shiftlog.testkit.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * uuid7 and cuid2 ids are assigned once and stay the same through a restart that lost all local state and a replay
 * of the whole source log (issue 3): the ids live in a changelogged store, committed with the output.
 */
class AssignedIdsIT {
    private static final String SPEC = """
            migration: ids
            source: { url: "jdbc:postgresql://unused/db", user: u }
            target: { url: "jdbc:postgresql://unused/db", user: u }
            kafka: { bootstrap-servers: "%s", partitions: 4 }
            tables:
              - { target: users_v7, source: users, id: uuid7, columns: { email: email } }
              - { target: users_cuid, source: users, id: cuid2, columns: { email: email } }
            """;
    private static final Schema KEY = SchemaBuilder.record("users_key").fields().requiredLong("id").endRecord();
    private static final Schema ROW = SchemaBuilder.record("users").fields().requiredLong("id").optionalString("email").endRecord();
    private static Path dir;
    private static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        dir = Files.createTempDirectory(Path.of("target"), "ids-it-");
        kafka = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private static void produceUsers(Map<String, Object> config, SchemaRegistry registry, int from, int to, String suffix) {
        try (KafkaProducer<GenericRecord, GenericRecord> producer = new KafkaProducer<>(config,
                new AvroSerializer(registry, true), new AvroSerializer(registry, false))) {
            for (long id = from; id <= to; id++) {
                GenericRecord k = new GenericData.Record(KEY);
                k.put("id", id);
                GenericRecord v = new GenericData.Record(ROW);
                v.put("id", id);
                v.put("email", "user" + id + suffix + "@example.com");
                producer.send(new ProducerRecord<>("ids.src.public.users", k, v));
            }
        }
    }

    /**
     * legacy id → new id for one output topic read from the start, once every key has at least the given number of
     * versions; fails if a key's id ever changes between versions.
     */
    private static Map<Long, String> idsIn(String topic, Map<String, Object> config, SchemaRegistry registry, int expectedKeys,
                                           ToIntFunction<Long> minVersions) {
        Map<String, Object> c = new HashMap<>(config);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        Map<Long, String> ids = new HashMap<>();
        Map<Long, Integer> versions = new HashMap<>();
        try (KafkaConsumer<GenericRecord, GenericRecord> consumer = new KafkaConsumer<>(c,
                new AvroDeserializer(registry), new AvroDeserializer(registry))) {
            consumer.subscribe(List.of(topic));
            await().alias("rows in " + topic).atMost(Duration.ofMinutes(1)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    long legacy = (Long) r.value().get("legacy_id");
                    String previous = ids.put(legacy, r.key().get("id").toString());
                    assertThat(previous == null || previous.equals(ids.get(legacy))).as("id of %d changed", legacy).isTrue();
                    versions.merge(legacy, 1, Integer::sum);
                });
                return ids.size() == expectedKeys
                        && versions.entrySet().stream().allMatch(e -> e.getValue() >= minVersions.applyAsInt(e.getKey()));
            });
        }
        return ids;
    }

    private static void wipe(Path stateDir) throws Exception {
        if (Files.exists(stateDir)) {
            try (Stream<Path> paths = Files.walk(stateDir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void shouldKeepAssignedIdsThroughALostStateDirectoryAndAFullReplay() throws Exception {
        MigrationDef spec = new SpecParser(Map.of()).parse("ids.yaml", SPEC.formatted(kafka.bootstrapServers()));
        Map<String, Object> config = Map.of("bootstrap.servers", kafka.bootstrapServers());
        Path stateDir = dir.resolve("streams");
        try (SchemaRegistry registry = new KafkaTopicSchemaRegistry(config, KafkaTopicSchemaRegistry.DEFAULT_TOPIC)) {
            new dev.shiftlog.schemas.TopicProvisioner(config).ensure(List.of("ids.src.public.users"), 4, new dev.shiftlog.schemas.TopicNames("ids"));
            try (TransformerStage stage = new TransformerStage(spec, config, registry, stateDir)) {
                stage.start();
                produceUsers(config, registry, 1, 200, "");
                produceUsers(config, registry, 1, 200, "+v2"); // an update of every row
                await().alias("transformer running").atMost(Duration.ofSeconds(30)).until(() -> stage.state() == KafkaStreams.State.RUNNING);
                Map<Long, String> v7 = idsIn("ids.out.users_v7", config, registry, 200, id -> 2);
                Map<Long, String> cuid = idsIn("ids.out.users_cuid", config, registry, 200, id -> 2);
                assertThat(v7.values()).doesNotHaveDuplicates().allSatisfy(id -> assertThat(UUID.fromString(id).version()).isEqualTo(7));
                assertThat(cuid.values()).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).matches("[a-z][a-z0-9]{23}"));

                stage.close();
                wipe(stateDir); // the local RocksDB is gone: the ids must come back from the changelog
                try (TransformerStage restarted = new TransformerStage(spec, config, registry, stateDir)) {
                    restarted.start();
                    produceUsers(config, registry, 1, 200, "+v3"); // the whole table again, as a re-snapshot would send it
                    produceUsers(config, registry, 201, 210, "");
                    Map<Long, String> v7After = idsIn("ids.out.users_v7", config, registry, 210, id -> id <= 200 ? 3 : 1);
                    Map<Long, String> cuidAfter = idsIn("ids.out.users_cuid", config, registry, 210, id -> id <= 200 ? 3 : 1);
                    for (long id = 1; id <= 200; id++) {
                        assertThat(v7After.get(id)).as("uuid7 of %d", id).isEqualTo(v7.get(id));
                        assertThat(cuidAfter.get(id)).as("cuid2 of %d", id).isEqualTo(cuid.get(id));
                    }
                    assertThat(v7After.values()).doesNotHaveDuplicates();
                }
            }
        }
    }
}
