package dev.shiftlog.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.shiftlog.schemas.avro.AvroSerde;
import dev.shiftlog.schemas.registry.InMemorySchemaRegistry;
import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Data-driven mapping cases: each YAML file in {@code src/test/resources/cases/} gives a spec's tables, the legacy
 * tables' column types, a sequence of legacy changes and the expected final target rows and DLQ entries. A new
 * mapping feature is a new case file.
 */
class MappingCasesTest {
    private static final Path CASES = Path.of("src/test/resources/cases");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** What a case produced: the final target rows per table and key, and the DLQ entries. */
    private record Outcome(MigrationDef spec, Map<String, Map<String, Map<String, String>>> state, List<RejectedRow> dlq) {}

    private static Outcome run(Path caseFile, JsonNode c) {
        String specYaml = """
                migration: cases
                source: { url: "jdbc:postgresql://legacy/db", user: u }
                target: { url: "jdbc:postgresql://target/db", user: u }
                tables:
                """ + c.get("spec").asText().indent(2);
        MigrationDef spec = new SpecParser(Map.of()).parse(caseFile.toString(), specYaml);
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        AvroSerde keys = new AvroSerde(registry, true);
        AvroSerde values = new AvroSerde(registry, false);

        Map<String, Map<String, Map<String, String>>> state = new TreeMap<>();
        List<RejectedRow> dlq = new ArrayList<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(TransformerStage.buildTopology(spec, registry))) {
            Map<String, Schema[]> sourceSchemas = new LinkedHashMap<>();
            c.get("source").fields().forEachRemaining(e -> sourceSchemas.put(e.getKey(), schemasOf(e.getKey(), e.getValue())));
            Map<String, TestInputTopic<GenericRecord, GenericRecord>> inputs = new LinkedHashMap<>();
            sourceSchemas.keySet().forEach(t -> inputs.put(t, driver.createInputTopic("cases.src.public." + t,
                    keys.serializer(), values.serializer())));
            Map<String, TestOutputTopic<GenericRecord, GenericRecord>> outputs = new LinkedHashMap<>();
            spec.tables().forEach(t -> outputs.computeIfAbsent(t.target(), target -> driver.createOutputTopic("cases.out." + target,
                    keys.deserializer(), values.deserializer())));
            TestOutputTopic<GenericRecord, GenericRecord> dlqTopic = driver.createOutputTopic("cases.dlq", keys.deserializer(), values.deserializer());
            Set<String> referenced = new HashSet<>();
            spec.tables().forEach(t -> t.columns().stream().filter(ColumnDef::isReference).forEach(col -> referenced.add(col.ref())));
            TestInputTopic<GenericRecord, GenericRecord> landed = referenced.isEmpty() ? null
                    : driver.createInputTopic("cases.landed", keys.serializer(), values.serializer());
            for (JsonNode change : c.get("given")) {
                Map.Entry<String, JsonNode> e = change.fields().next();
                if (e.getKey().equals("wait")) {
                    driver.advanceWallClockTime(Duration.parse("PT" + e.getValue().asText().toUpperCase()));
                } else {
                    Schema[] schemas = sourceSchemas.get(e.getKey());
                    JsonNode row = e.getValue();
                    if (row.has("delete")) {
                        inputs.get(e.getKey()).pipeInput(record(schemas[0], row.get("delete")), (GenericRecord) null);
                    } else {
                        inputs.get(e.getKey()).pipeInput(record(schemas[0], row), record(schemas[1], row));
                    }
                }
                // changes arrive 100 ms apart, so what the gates flush on the wall clock (aggregate answers) goes out
                driver.advanceWallClockTime(Duration.ofMillis(100));
                landLikeTheSink(spec, outputs, state, referenced, landed);
            }
            dlqTopic.readValuesToList().forEach(v -> dlq.add(RejectedRow.fromAvro(v)));
        }
        return new Outcome(spec, state, dlq);
    }

    static Stream<Path> cases() throws IOException {
        try (Stream<Path> files = Files.list(CASES)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldProduceTheExpectedTargetRows(Path caseFile) throws IOException {
        JsonNode c = YAML.readTree(caseFile.toFile());
        if (c.has("expect-error")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> run(caseFile, c)).as("%s stops with an error", caseFile)
                    .hasStackTraceContaining(c.get("expect-error").asText());
            return;
        }
        Outcome outcome = run(caseFile, c);
        MigrationDef spec = outcome.spec();
        Map<String, Map<String, Map<String, String>>> state = outcome.state();
        List<RejectedRow> dlq = outcome.dlq();
        Map<String, List<Map<String, String>>> targetRows = new TreeMap<>();
        state.forEach((table, rows) -> targetRows.put(table, new ArrayList<>(rows.values())));
        spec.tables().forEach(t -> targetRows.putIfAbsent(t.target(), List.of()));

        JsonNode expect = c.get("expect");
        Set<String> actualDone = new HashSet<>();
        for (var t : spec.tables()) {
            List<Map<String, String>> expected = new ArrayList<>();
            expect.path(t.target()).forEach(row -> expected.add(texts(row)));
            List<Map<String, String>> actual = new ArrayList<>();
            if (actualDone.contains(t.target())) {
                continue;
            }
            actualDone.add(t.target());
            for (Map<String, String> all : targetRows.get(t.target())) {
                Map<String, String> projected = new TreeMap<>();
                expected.stream().findFirst().ifPresentOrElse(
                        first -> first.keySet().forEach(k -> projected.put(k, all.get(k))), () -> projected.putAll(all));
                actual.add(projected);
            }
            assertThat(actual).as("rows of %s in %s", t.target(), caseFile).hasSameSizeAs(expected);
            List<Map<String, String>> unmatched = new ArrayList<>(actual);
            for (Map<String, String> want : expected) {
                Map<String, String> hit = unmatched.stream().filter(have -> matches(want, have)).findFirst().orElse(null);
                assertThat(hit).as("a row of %s in %s like %s among %s", t.target(), caseFile, want, actual).isNotNull();
                unmatched.remove(hit);
            }
        }
        List<String> expectedDlq = new ArrayList<>();
        // "missing: <parent key> in <column>" checks the structured fields of a row whose parent never landed
        Set<String> withMissing = new HashSet<>();
        expect.path("dlq").forEach(d -> {
            String entry = d.get("table").asText() + ":" + d.get("legacy_key").asText() + " " + d.get("rule").asText();
            if (d.has("missing")) {
                withMissing.add(entry);
                entry += " (missing " + d.get("missing").asText() + ")";
            }
            expectedDlq.add(entry);
        });
        assertThat(dlq).extracting(d -> {
                    String entry = d.targetTable() + ":" + d.legacyKey() + " " + d.rule();
                    return withMissing.contains(entry) ? entry + " (missing " + d.missingParent() + " in " + d.missingColumn() + ")" : entry;
                })
                .as("dlq of %s", caseFile).containsExactlyInAnyOrderElementsOf(expectedDlq);
    }

    /**
     * Applies what the transformer wrote to the target state and, as the real sink does after its commit, announces
     * the landed rows of referenced tables, until nothing new comes out (so trees land level by level).
     */
    private static void landLikeTheSink(MigrationDef spec, Map<String, TestOutputTopic<GenericRecord, GenericRecord>> outputs,
                                        Map<String, Map<String, Map<String, String>>> state, Set<String> referenced,
                                        TestInputTopic<GenericRecord, GenericRecord> landed) {
        boolean more = true;
        while (more) {
            more = false;
            for (var t : spec.tables()) {
                Map<String, Map<String, String>> rows = state.computeIfAbsent(t.target(), k -> new LinkedHashMap<>());
                TestOutputTopic<GenericRecord, GenericRecord> out = outputs.get(t.target());
                for (var kv : out == null ? List.<org.apache.kafka.streams.KeyValue<GenericRecord, GenericRecord>>of() : out.readKeyValuesToList()) {
                    if (kv.value == null) {
                        rows.remove(kv.key.toString());
                        continue;
                    }
                    // like the sink's INSERT … ON CONFLICT DO UPDATE of the row's own columns: other columns stay
                    rows.computeIfAbsent(kv.key.toString(), k -> new TreeMap<>()).putAll(texts(kv.value));
                    if (referenced.contains(t.target())) {
                        String legacyKey = AvroValues.text(kv.value.getSchema().getField(t.legacyKey()).schema(), kv.value.get(t.legacyKey()));
                        // a database-assigned id is simulated as "db-<legacy key>"
                        String id = t.id() == dev.shiftlog.schemas.spec.IdStrategy.TARGET ? "db-" + legacyKey : kv.value.get(t.key()).toString();
                        LandedRow row = new LandedRow(t.target(), legacyKey, id);
                        landed.pipeInput(row.key(), row.value());
                        more = true;
                    }
                }
            }
        }
    }

    /** Expected values are exact text, or a regular expression after {@code ~} (for random ids). */
    private static boolean matches(Map<String, String> want, Map<String, String> have) {
        if (!want.keySet().equals(have.keySet())) {
            return false;
        }
        for (var e : want.entrySet()) {
            String actual = have.get(e.getKey());
            String expected = e.getValue();
            boolean ok = expected == null ? actual == null
                    : expected.startsWith("~") ? actual != null && actual.matches(expected.substring(1)) : expected.equals(actual);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Key and row schemas from {@code column: type}; the first column is the primary key, or the columns
     * {@code _key: [a, b]} lists (a composite key).
     */
    private static Schema[] schemasOf(String table, JsonNode columns) {
        Set<String> keyNames = new HashSet<>();
        columns.path("_key").forEach(k -> keyNames.add(k.asText()));
        List<Schema.Field> fields = new ArrayList<>();
        List<Schema.Field> keyFields = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = columns.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getKey().equals("_key")) {
                continue;
            }
            Schema type = type(e.getValue().asText());
            if (keyNames.isEmpty() ? keyFields.isEmpty() : keyNames.contains(e.getKey())) {
                keyFields.add(new Schema.Field(e.getKey(), type));
                fields.add(new Schema.Field(e.getKey(), type));
            } else {
                fields.add(new Schema.Field(e.getKey(), AvroValues.optional(type), null, Schema.Field.NULL_DEFAULT_VALUE));
            }
        }
        return new Schema[] {Schema.createRecord(table + "_key", null, "cases", false, keyFields),
                Schema.createRecord(table, null, "cases", false, fields)};
    }

    private static Schema type(String name) {
        if (name.startsWith("decimal(")) {
            String[] ps = name.substring(8, name.length() - 1).split(",");
            return LogicalTypes.decimal(Integer.parseInt(ps[0].trim()), Integer.parseInt(ps[1].trim()))
                    .addToSchema(Schema.create(Schema.Type.BYTES));
        }
        return switch (name) {
            case "long" -> Schema.create(Schema.Type.LONG);
            case "int" -> Schema.create(Schema.Type.INT);
            case "double" -> Schema.create(Schema.Type.DOUBLE);
            case "boolean" -> Schema.create(Schema.Type.BOOLEAN);
            case "bytes" -> Schema.create(Schema.Type.BYTES);
            case "timestamptz" -> LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
            case "timestamp" -> LogicalTypes.localTimestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
            case "date" -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
            case "string[]" -> Schema.createArray(AvroValues.optional(Schema.create(Schema.Type.STRING)));
            default -> Schema.create(Schema.Type.STRING);
        };
    }

    private static GenericRecord record(Schema schema, JsonNode row) {
        GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            JsonNode v = row.isObject() ? row.get(f.name()) : row;
            r.put(f.pos(), v == null || v.isNull() ? null : value(AvroValues.nonNull(f.schema()), v));
        }
        return r;
    }

    private static Object value(Schema s, JsonNode v) {
        if (s.getLogicalType() instanceof LogicalTypes.Decimal d) {
            return AvroValues.decimalBytes(new BigDecimal(v.asText()).setScale(d.getScale()));
        }
        if (s.getLogicalType() instanceof LogicalTypes.TimestampMicros) {
            return AvroValues.microsOf(Instant.parse(v.asText()));
        }
        if (s.getLogicalType() instanceof LogicalTypes.LocalTimestampMicros) {
            return AvroValues.microsOf(LocalDateTime.parse(v.asText()).toInstant(ZoneOffset.UTC));
        }
        if (s.getLogicalType() instanceof LogicalTypes.Date) {
            return (int) LocalDate.parse(v.asText()).toEpochDay();
        }
        return switch (s.getType()) {
            case LONG -> v.asLong();
            case INT -> v.asInt();
            case DOUBLE -> v.asDouble();
            case BOOLEAN -> v.asBoolean();
            case BYTES -> ByteBuffer.wrap(v.asText().getBytes(StandardCharsets.UTF_8));
            case ARRAY -> {
                List<Object> items = new ArrayList<>();
                v.forEach(i -> items.add(i.isNull() ? null : i.asText()));
                yield items;
            }
            default -> v.asText();
        };
    }

    private static Map<String, String> texts(JsonNode row) {
        Map<String, String> out = new TreeMap<>();
        row.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
        return out;
    }

    private static Map<String, String> texts(GenericRecord r) {
        Map<String, String> out = new TreeMap<>();
        for (Schema.Field f : r.getSchema().getFields()) {
            out.put(f.name(), AvroValues.text(f.schema(), r.get(f.pos())));
        }
        return out;
    }
}
