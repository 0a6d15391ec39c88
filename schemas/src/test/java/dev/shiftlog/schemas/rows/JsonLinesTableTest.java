package dev.shiftlog.schemas.rows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** JSON Lines values and lines against hand-written JSON text: what an import tool such as {@code convex import} reads. */
class JsonLinesTableTest {
    private static final Schema DECIMAL = LogicalTypes.decimal(10, 2).addToSchema(Schema.create(Schema.Type.BYTES));

    private static String json(Schema schema, Object value) throws Exception {
        return JsonLineValues.json(schema, value, false);
    }

    @Test
    void everyKindOfValueHasItsJsonForm() throws Exception {
        assertThat(json(PostgresType.TEXT.avro(), null)).isEqualTo("null");
        assertThat(json(PostgresType.BOOLEAN.avro(), true)).isEqualTo("true");
        assertThat(json(PostgresType.BIGINT.avro(), Long.MIN_VALUE)).isEqualTo("-9223372036854775808");
        assertThat(json(DECIMAL, AvroValues.decimalBytes(new BigDecimal("1250.50")))).as("exact, trailing zero kept").isEqualTo("1250.50");
        assertThat(json(PostgresType.NUMERIC.avro(), "123456789012345678901234567890.000001")).isEqualTo("123456789012345678901234567890.000001");
        assertThat(json(PostgresType.DOUBLE.avro(), 0.1)).isEqualTo("0.1");
        assertThat(json(PostgresType.DATE.avro(), 19_000)).isEqualTo("\"2022-01-08\"");
        assertThat(json(PostgresType.TIMESTAMPTZ.avro(), 1_700_000_000_123_456L)).isEqualTo("\"2023-11-14T22:13:20.123456Z\"");
        assertThat(json(PostgresType.TIMESTAMP.avro(), 0L)).isEqualTo("\"1970-01-01T00:00\"");
        assertThat(json(PostgresType.UUID.avro(), "5f0c6b3e-0000-4000-8000-000000000001")).isEqualTo("\"5f0c6b3e-0000-4000-8000-000000000001\"");
        assertThat(json(PostgresType.BYTEA.avro(), ByteBuffer.wrap(new byte[] {0, (byte) 0xff, 'a'}))).isEqualTo("\"AP9h\"");
        assertThat(json(PostgresType.TEXT.avro(), "tab\t\"quote\" ünï \u0001")).isEqualTo("\"tab\\t\\\"quote\\\" ünï \\u0001\"");
        assertThat(json(PostgresType.arrayOf(PostgresType.TEXT.avro()), List.of("a", "b"))).isEqualTo("[\"a\",\"b\"]");
        java.util.List<Object> withNull = new java.util.ArrayList<>();
        withNull.add(1);
        withNull.add(null);
        assertThat(json(PostgresType.arrayOf(PostgresType.INTEGER.avro()), withNull)).isEqualTo("[1,null]");
        assertThat(JsonLineValues.json(PostgresType.TEXT.avro(), "[{\"n\": 1.10, \"t\": \"x\"}]", true))
                .as("declared json: embedded, numbers exact, compact").isEqualTo("[{\"n\":1.10,\"t\":\"x\"}]");
    }

    @Test
    void valuesJsonCannotHoldAreRefusedWithTheReason() {
        assertThatThrownBy(() -> json(PostgresType.DOUBLE.avro(), Double.NaN)).isInstanceOf(JsonLineValues.NotJsonException.class)
                .hasMessage("the float value NaN has no JSON form (JSON numbers are finite)");
        assertThatThrownBy(() -> json(PostgresType.DOUBLE.avro(), Double.NEGATIVE_INFINITY)).isInstanceOf(JsonLineValues.NotJsonException.class);
        assertThatThrownBy(() -> json(PostgresType.NUMERIC.avro(), "NaN")).isInstanceOf(JsonLineValues.NotJsonException.class)
                .hasMessage("numeric value NaN has no JSON form (JSON numbers are finite)");
        assertThatThrownBy(() -> JsonLineValues.json(PostgresType.TEXT.avro(), "[1, 2", true))
                .isInstanceOf(JsonLineValues.NotJsonException.class).hasMessageStartingWith("the column is declared json but its value is not JSON: '[1, 2'");
        assertThatThrownBy(() -> JsonLineValues.json(PostgresType.TEXT.avro(), "[1] [2]", true)).as("one value, not two")
                .isInstanceOf(JsonLineValues.NotJsonException.class);
        assertThatThrownBy(() -> JsonLineValues.json(PostgresType.TEXT.avro(), "", true)).isInstanceOf(JsonLineValues.NotJsonException.class);
    }

    private static final String SPEC = """
            migration: files
            source: { url: "jdbc:postgresql://legacy:5432/old", user: app }
            target:
              url: jsonl:out
              types: { profiles.prefs: json }
            tables:
              - target: profiles
                source: users
                legacy-key: legacyId
                match-on: email
                columns: { email: email, name: name }
              - target: profiles
                source: settings
                legacy-key: legacyId
                match-on: email
                columns: { prefs: prefs }
            """;

    @Test
    void aRowReplacesItsLineAndLinesComeInKeyOrderWithEveryField() throws Exception {
        MigrationDef spec = new SpecParser(Map.of()).parse("spec.yaml", SPEC);
        JsonLinesTable table = new JsonLinesTable("profiles", spec.mappingsOf("profiles"), spec.target());
        // consolidated rows arrive whole (ConsolidatedRow): every column of every mapping
        Schema profiles = Schema.createRecord("p", null, "t", false, List.of(field("id", "string"), field("legacyId", "string"),
                field("email", "string"), field("name", "string"), field("prefs", "string")));

        table.apply("b", row(profiles, "b", "b@x", "b@x", null, null));
        table.apply("a", row(profiles, "a", "a@x", "a@x", "Ann", null));
        table.apply("a", row(profiles, "a", "a@x", "a@x", "Ann", "{\"theme\": \"dark\"}"));

        assertThat(table.line("a")).isEqualTo("{\"id\":\"a\",\"legacyId\":\"a@x\",\"email\":\"a@x\",\"name\":\"Ann\",\"prefs\":{\"theme\":\"dark\"}}\n");
        assertThat(table.line("b")).as("no settings row: prefs null").isEqualTo("{\"id\":\"b\",\"legacyId\":\"b@x\",\"email\":\"b@x\",\"name\":null,\"prefs\":null}\n");
        assertThat(table.keys()).containsExactly("a", "b");

        assertThat(table.apply("a", null)).isTrue();
        assertThat(table.apply("a", null)).as("nothing left to remove").isFalse();
        assertThat(table.keys()).containsExactly("b");
        String before = table.line("b");
        assertThatThrownBy(() -> table.apply("b", row(profiles, "b", "b@x", "b@x", null, "{not json"))).isInstanceOf(JsonLineValues.NotJsonException.class);
        assertThat(table.line("b")).as("a refused row leaves the line as it was").isEqualTo(before);
        assertThat(table.line("b").getBytes(StandardCharsets.UTF_8)).doesNotContain((byte) '\r');
    }

    private static Schema.Field field(String name, String type) {
        return new Schema.Field(name, AvroValues.optional(Schema.create(Schema.Type.valueOf(type.toUpperCase()))), null, Schema.Field.NULL_DEFAULT_VALUE);
    }

    private static GenericRecord row(Schema schema, Object... values) {
        GenericRecord r = new GenericData.Record(schema);
        for (int i = 0; i < values.length; i++) {
            r.put(i, values[i]);
        }
        return r;
    }
}
