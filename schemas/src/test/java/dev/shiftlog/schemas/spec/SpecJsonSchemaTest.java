package dev.shiftlog.schemas.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The published JSON Schema accepts every example spec and allows exactly the keys the parser allows. */
class SpecJsonSchemaTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonNode schemaJson() throws IOException {
        try (InputStream in = SpecJsonSchemaTest.class.getResourceAsStream("/shiftlog-spec.schema.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static Set<String> keysOf(JsonNode objectSchema) {
        Set<String> keys = new HashSet<>();
        objectSchema.get("properties").fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void shouldAllowExactlyTheKeysTheParserAllows() throws IOException {
        JsonNode schema = schemaJson();

        assertThat(keysOf(schema)).isEqualTo(SpecParser.TOP_KEYS);
        assertThat(keysOf(schema.get("$defs").get("connection"))).isEqualTo(SpecParser.CONNECTION_KEYS);
        assertThat(keysOf(schema.get("$defs").get("kafka"))).isEqualTo(SpecParser.KAFKA_KEYS);
        assertThat(keysOf(schema.get("$defs").get("cleanup"))).isEqualTo(SpecParser.CLEANUP_KEYS);
        assertThat(keysOf(schema.get("$defs").get("table"))).isEqualTo(SpecParser.TABLE_KEYS);
        assertThat(keysOf(schema.get("$defs").get("column"))).isEqualTo(SpecParser.COLUMN_KEYS);
        assertThat(keysOf(schema.get("$defs").get("lookup"))).isEqualTo(SpecParser.LOOKUP_KEYS);
        assertThat(keysOf(schema.get("$defs").get("aggregate"))).isEqualTo(SpecParser.AGGREGATE_KEYS);
    }

    @Test
    void shouldAcceptEveryExampleSpecAndRejectAnUnknownKey() throws IOException {
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schemaJson());
        try (Stream<Path> specs = Files.find(Path.of("../examples"), 2, (p, a) -> p.toString().endsWith("shiftlog.yaml"))) {
            for (Path spec : specs.toList()) {
                Set<ValidationMessage> errors = schema.validate(YAML.readTree(spec.toFile()));
                assertThat(errors).as(spec.toString()).isEmpty();
            }
        }
        JsonNode bad = YAML.readTree("""
                migration: m
                source: { url: "jdbc:postgresql://h/db", user: u }
                target: { url: "jdbc:postgresql://h/db", user: u }
                tables: [ { target: t, source: s, colums: {} } ]
                """);
        assertThat(schema.validate(bad)).extracting(ValidationMessage::getMessage)
                .anyMatch(m -> m.contains("colums")).anyMatch(m -> m.contains("columns"));
    }
}
