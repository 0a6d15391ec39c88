package dev.shiftlog.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shiftlog.schemas.avro.AvroSerde;
import dev.shiftlog.schemas.registry.InMemorySchemaRegistry;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.rows.Uuid5;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

class TransformerTopologyTest {
    private static final String SPEC = """
            migration: shop
            source: { url: "jdbc:postgresql://l/db", user: u }
            target: { url: "jdbc:postgresql://t/db", user: u }
            tables:
              - target: customers
                source: legacy_customer
                columns:
                  full_name: { expr: "first + ' ' + last" }
                  email: email
              - target: customer_audit
                source: legacy_customer
                id: preserve
                columns:
                  email: email
              - target: orders
                source: sales.legacy_order
                id: uuid7
                columns:
                  total: amount
                  customer_id: { ref: customers, from: customer_id }
            """;
    private static final Schema KEY = SchemaBuilder.record("legacy_customer_key").fields().requiredLong("id").endRecord();
    private static final Schema ROW = SchemaBuilder.record("legacy_customer").fields().requiredLong("id")
            .optionalString("first").optionalString("last").optionalString("email").endRecord();

    private final MigrationDef spec = new SpecParser(Map.of()).parse("spec.yaml", SPEC);
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    private TestInputTopic<GenericRecord, GenericRecord> customersIn(TopologyTestDriver driver) {
        return driver.createInputTopic("shop.src.public.legacy_customer",
                new AvroSerde(registry, true).serializer(), new AvroSerde(registry, false).serializer());
    }

    private TestOutputTopic<GenericRecord, GenericRecord> out(TopologyTestDriver driver, String topic) {
        return driver.createOutputTopic(topic, new AvroSerde(registry, true).deserializer(), new AvroSerde(registry, false).deserializer());
    }

    private static GenericRecord key(long id) {
        GenericRecord k = new GenericData.Record(KEY);
        k.put("id", id);
        return k;
    }

    private static GenericRecord row(long id, String first, String last, String email) {
        GenericRecord r = new GenericData.Record(ROW);
        r.put("id", id);
        r.put("first", first);
        r.put("last", last);
        r.put("email", email);
        return r;
    }

    @Test
    void shouldMapInsertsUpdatesAndDeletesToTheNewKey() {
        try (TopologyTestDriver driver = new TopologyTestDriver(TransformerStage.buildTopology(spec, registry))) {
            TestInputTopic<GenericRecord, GenericRecord> in = customersIn(driver);
            TestOutputTopic<GenericRecord, GenericRecord> customers = out(driver, "shop.out.customers");
            TestOutputTopic<GenericRecord, GenericRecord> audit = out(driver, "shop.out.customer_audit");

            in.pipeInput(key(1), row(1, "Ada", "Lovelace", "ada@example.com"));
            in.pipeInput(key(1), row(1, "Ada", "King", "ada@example.com"));
            in.pipeInput(key(1), (GenericRecord) null);

            String id = Uuid5.forRow("shop", "customers", "1").toString();
            var out = customers.readKeyValuesToList();
            assertThat(out).hasSize(3);
            assertThat(out).allSatisfy(kv -> assertThat(kv.key.get("id").toString()).isEqualTo(id));
            assertThat(out.get(0).value.get("full_name").toString()).isEqualTo("Ada Lovelace");
            assertThat(out.get(0).value.get("legacy_id")).isEqualTo(1L);
            assertThat(out.get(1).value.get("full_name").toString()).isEqualTo("Ada King");
            assertThat(out.get(2).value).isNull();
            var auditOut = audit.readKeyValuesToList();
            assertThat(auditOut).extracting(kv -> kv.key.get("id")).containsExactly(1L, 1L, 1L);
        }
    }

    @Test
    void shouldSendARejectedRowToTheDlqWithItsRuleAndPlaceAndGoOn() {
        try (TopologyTestDriver driver = new TopologyTestDriver(TransformerStage.buildTopology(spec, registry))) {
            TestInputTopic<GenericRecord, GenericRecord> in = customersIn(driver);
            TestOutputTopic<GenericRecord, GenericRecord> customers = out(driver, "shop.out.customers");
            TestOutputTopic<GenericRecord, GenericRecord> dlq = out(driver, "shop.dlq");

            in.pipeInput(key(1), row(1, null, "Nobody", "n@example.com"));
            in.pipeInput(key(2), row(2, "Grace", "Hopper", "g@example.com"));

            var rejected = RejectedRow.fromAvro(dlq.readValue());
            assertThat(rejected.stage()).isEqualTo("transformer");
            assertThat(rejected.targetTable()).isEqualTo("customers");
            assertThat(rejected.legacyKey()).isEqualTo("1");
            assertThat(rejected.rule()).isEqualTo("expr customers.full_name");
            assertThat(rejected.sourceTopic()).isEqualTo("shop.src.public.legacy_customer");
            assertThat(rejected.sourceOffset()).isZero();
            assertThat(rejected.message()).startsWith("row legacy_customer:1 → customers.full_name: ");
            assertThat(rejected.row()).contains("\"last\": \"Nobody\"");
            assertThat(dlq.isEmpty()).isTrue();
            assertThat(customers.readKeyValuesToList()).extracting(kv -> kv.value.get("full_name").toString())
                    .containsExactly("Grace Hopper");
        }
    }

    @Test
    void shouldStopOnARejectedRowWhenTheTableSaysStop() {
        MigrationDef strict = new SpecParser(Map.of()).parse("spec.yaml", SPEC.replace(
                "    source: legacy_customer\n    columns:", "    source: legacy_customer\n    on-error: stop\n    columns:"));
        try (TopologyTestDriver driver = new TopologyTestDriver(TransformerStage.buildTopology(strict, registry))) {
            TestInputTopic<GenericRecord, GenericRecord> in = customersIn(driver);

            assertThatThrownBy(() -> in.pipeInput(key(1), row(1, null, "Nobody", "n@example.com")))
                    .hasStackTraceContaining("table 'customers' has on-error: stop and row legacy_customer:1 → customers.full_name");
        }
    }

    /**
     * Guards against renamed processors and sources: a rename in a stateful topology abandons its changelog, so a
     * change here must be deliberate. Regenerate by deleting the snapshot file and running the test once.
     */
    @Test
    void shouldKeepEveryProcessorNameStable() throws IOException {
        String described = TransformerStage.buildTopology(spec, registry).describe().toString();
        Path snapshot = Path.of("src/test/resources/topology/shop.txt");
        if (!Files.exists(snapshot)) {
            Files.writeString(snapshot, described, StandardCharsets.UTF_8);
        }

        assertThat(described).isEqualTo(Files.readString(snapshot, StandardCharsets.UTF_8));
        assertThat(described).doesNotContain("KSTREAM-");
    }

    @Test
    void shouldRenderAParentOnceForAThousandChildrenThatArriveTogether() {
        MigrationDef aggregating = new SpecParser(Map.of()).parse("spec.yaml", """
                migration: shop
                source: { url: "jdbc:postgresql://l/db", user: u }
                target: { url: "jdbc:postgresql://t/db", user: u }
                tables:
                  - target: playlists
                    source: playlist
                    id: preserve
                    aggregates:
                      tracks: { table: playlist_track, on: playlist_id, value: track_id }
                    columns:
                      track_count: { expr: "size(tracks)" }
                """);
        Schema playlistKey = SchemaBuilder.record("playlist_key").fields().requiredLong("playlist_id").endRecord();
        Schema playlist = SchemaBuilder.record("playlist").fields().requiredLong("playlist_id").endRecord();
        Schema entryKey = SchemaBuilder.record("playlist_track_key").fields().requiredLong("playlist_id").requiredLong("track_id").endRecord();
        Schema entry = SchemaBuilder.record("playlist_track").fields().requiredLong("playlist_id").requiredLong("track_id").endRecord();
        AvroSerde keys = new AvroSerde(registry, true);
        AvroSerde values = new AvroSerde(registry, false);
        try (TopologyTestDriver driver = new TopologyTestDriver(TransformerStage.buildTopology(aggregating, registry))) {
            TestInputTopic<GenericRecord, GenericRecord> playlists = driver.createInputTopic("shop.src.public.playlist",
                    keys.serializer(), values.serializer());
            TestInputTopic<GenericRecord, GenericRecord> entries = driver.createInputTopic("shop.src.public.playlist_track",
                    keys.serializer(), values.serializer());
            TestOutputTopic<GenericRecord, GenericRecord> out = out(driver, "shop.out.playlists");
            GenericRecord pk = new GenericData.Record(playlistKey);
            pk.put("playlist_id", 1L);
            GenericRecord p = new GenericData.Record(playlist);
            p.put("playlist_id", 1L);
            playlists.pipeInput(pk, p);
            for (long track = 1; track <= 1000; track++) {
                GenericRecord k = new GenericData.Record(entryKey);
                k.put("playlist_id", 1L);
                k.put("track_id", track);
                GenericRecord v = new GenericData.Record(entry);
                v.put("playlist_id", 1L);
                v.put("track_id", track);
                entries.pipeInput(k, v);
            }
            driver.advanceWallClockTime(AggregateGate.FLUSH_EVERY);

            var versions = out.readValuesToList();
            // the first rendering (no tracks yet) and one after the flush: not one per track
            assertThat(versions).extracting(v -> v.get("track_count")).containsExactly(0L, 1000L);
        }
    }

    /**
     * A child read after its parent landed goes straight out (the parent's landing is in every instance's global
     * store): only children read before it park and ask the parent's gate, which releases them when it lands. Every
     * child lands only after its parent, with the parent's new id.
     */
    @Test
    void shouldSendAChildStraightOutWhenItsParentHasLandedAndParkItOtherwise() {
        Schema orderKey = SchemaBuilder.record("legacy_order_key").fields().requiredLong("id").endRecord();
        Schema order = SchemaBuilder.record("legacy_order").fields().requiredLong("id").optionalLong("amount")
                .optionalLong("customer_id").endRecord();
        AvroSerde keys = new AvroSerde(registry, true);
        AvroSerde values = new AvroSerde(registry, false);
        try (TopologyTestDriver driver = new TopologyTestDriver(TransformerStage.buildTopology(spec, registry))) {
            TestInputTopic<GenericRecord, GenericRecord> orders = driver.createInputTopic("shop.src.sales.legacy_order",
                    keys.serializer(), values.serializer());
            TestInputTopic<GenericRecord, GenericRecord> landed = driver.createInputTopic("shop.landed", keys.serializer(), values.serializer());
            TestInputTopic<GenericRecord, GenericRecord> landedIds = driver.createInputTopic("shop.landed-ids", keys.serializer(), values.serializer());
            TestOutputTopic<GenericRecord, GenericRecord> requests = out(driver, "shop.refs.orders");
            TestOutputTopic<GenericRecord, GenericRecord> out = out(driver, "shop.out.orders");
            long[] next = {100};
            java.util.function.LongConsumer place = customer -> {
                GenericRecord k = new GenericData.Record(orderKey);
                k.put("id", next[0]);
                GenericRecord v = new GenericData.Record(order);
                v.put("id", next[0]);
                v.put("amount", next[0] * 10);
                v.put("customer_id", customer);
                next[0]++;
                orders.pipeInput(k, v);
            };
            java.util.function.LongConsumer land = customer -> {
                dev.shiftlog.schemas.rows.LandedRow landing = new dev.shiftlog.schemas.rows.LandedRow("customers", Long.toString(customer),
                        "00000000-0000-0000-0000-00000000000" + customer);
                landed.pipeInput(landing.key(), landing.value()); // as the sink announces it: to the gates and to every instance
                landedIds.pipeInput(landing.key(), landing.value());
            };
            place.accept(1); // order 100 parks: customer 1 has not landed
            assertThat(out.readValuesToList()).isEmpty();
            land.accept(1); // releases order 100
            place.accept(1); // orders 101 and 102 go straight out
            place.accept(1);
            place.accept(2); // order 103 parks for customer 2, which never lands here

            assertThat(out.readValuesToList()).extracting(v -> v.get("legacy_id") + " " + v.get("customer_id"))
                    .containsExactly("100 00000000-0000-0000-0000-000000000001", "101 00000000-0000-0000-0000-000000000001",
                            "102 00000000-0000-0000-0000-000000000001");
            assertThat(requests.readKeyValuesToList()).extracting(kv -> kv.key.get("legacy_key") + " " + kv.value.get("child_key"))
                    .containsExactly("1 100", "2 103");
        }
    }
}
