package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.operate.verify.LegacyRowReader;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.rows.AvroValues;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One PostgreSQL type table (issue 10): the producer (Debezium's events through its Connect → Avro conversion) and
 * {@code verify}'s legacy reader (JDBC) must turn the same legacy row into the same Avro value, for every type the
 * producer supports and NULL in every column, from the snapshot and from CDC inserts. If they drift, verify would
 * report differences that are not there, or miss ones that are.
 */
class TypeTableIT {
    private static final String SPEC = """
            migration: types
            source: { url: "${SHIFTLOG_SOURCE_URL}", user: "${SHIFTLOG_SOURCE_USER}", password: "${SHIFTLOG_SOURCE_PASSWORD}" }
            target: { url: "${SHIFTLOG_TARGET_URL}", user: "${SHIFTLOG_TARGET_USER}", password: "${SHIFTLOG_TARGET_PASSWORD}" }
            kafka: { bootstrap-servers: "${SHIFTLOG_BOOTSTRAP_SERVERS}", partitions: 1 }
            tables:
              - target: every_type_new
                source: every_type
                columns: { c_int: c_int }
            """;

    private static TestServers servers;
    private static InProcessPipeline run;

    @BeforeAll
    static void start() throws Exception {
        servers = new TestServers("type-table-it");
        servers.legacySql(EveryTypeTable.legacyDdl("every_type"));
        for (int id = 1; id <= 5; id++) {
            EveryTypeTable.insertRow(servers, id, id == 4);
        }
        run = InProcessPipeline.start(servers, "types.yaml", SPEC, EnumSet.of(Pipeline.Stage.PRODUCER));
    }

    @AfterAll
    static void stop() throws Exception {
        if (run != null) {
            run.close();
        }
        servers.close();
    }

    @Test
    void theProducerAndVerifyReadEveryTypeAndEveryNullAlike() throws Exception {
        String topic = new TopicNames("types").source("public", "every_type");
        await().atMost(Duration.ofSeconds(90)).until(() -> readings(topic).size() == 5);
        // CDC: the same values once more, now decoded from the WAL instead of read by the snapshot's SELECT
        for (int id = 1; id <= 5; id++) {
            EveryTypeTable.insertRow(servers, id + 10, id, id == 4 || id == 1);
        }
        servers.legacySql("UPDATE every_type t SET c_text = 'changed' WHERE id = 12");
        await().atMost(Duration.ofSeconds(90)).until(() -> readings(topic).size() == 10);

        Map<String, GenericRecord> produced = readings(topic);
        Map<String, GenericRecord> read = new TreeMap<>();
        try (Connection c = servers.legacy.connect("legacy"); LegacyRowReader reader = new LegacyRowReader(c, "public", "every_type", List.of("id"))) {
            for (LegacyRowReader.LegacyRow row = reader.next(); row != null; row = reader.next()) {
                read.put(String.valueOf(row.key().get(0)), row.value());
            }
        }
        assertThat(read.keySet()).isEqualTo(produced.keySet());
        List<String> differences = new ArrayList<>();
        for (String id : produced.keySet()) {
            GenericRecord p = produced.get(id);
            GenericRecord v = read.get(id);
            for (Schema.Field f : p.getSchema().getFields()) {
                Schema.Field other = v.getSchema().getField(f.name());
                if (other == null) {
                    differences.add("id " + id + " " + f.name() + ": verify's reader has no such column");
                    continue;
                }
                Schema producedType = AvroValues.nonNull(f.schema());
                Schema readType = AvroValues.nonNull(other.schema());
                if (!producedType.equals(readType)) {
                    differences.add(f.name() + " type: producer " + producedType + " / verify " + readType);
                }
                String a = GenericData.get().toString(p.get(f.name()));
                String b = GenericData.get().toString(v.get(f.name()));
                if (!a.equals(b)) {
                    differences.add("id " + id + " " + f.name() + ": producer " + abbreviated(a) + " / verify " + abbreviated(b));
                }
            }
        }
        assertThat(differences.stream().distinct().toList()).as("the producer's and verify's Avro values of the same rows").isEmpty();
        assertThat(produced.get("1").get("c_text")).as("row 1 is NULL everywhere").isNull();
        // and the agreed form is the right one, by literals: Debezium's interval text, days since the epoch
        assertThat(String.valueOf(read.get("2").get("c_interval"))).isEqualTo("P1Y2M3DT4H5M6.789S");
        assertThat(read.get("2").get("c_date")).isEqualTo(19782);
        assertThat(String.valueOf(read.get("2").get("c_numeric_free"))).isEqualTo("3.14159265358979323846264338327950288");
    }

    private static String abbreviated(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "… (" + s.length() + " chars)" : s;
    }

    /** legacy id → the latest value the producer published for it. */
    private static Map<String, GenericRecord> readings(String topic) {
        Map<String, GenericRecord> out = new TreeMap<>();
        SourceTopicLog.read(run.kafka.clientConfig(), run.kafka.registry(), topic).values().forEach(changes -> changes.stream()
                .filter(c -> c.value() != null).reduce((earlier, later) -> later)
                .ifPresent(c -> out.put(String.valueOf(c.key().get(0)), c.value())));
        return out;
    }
}
