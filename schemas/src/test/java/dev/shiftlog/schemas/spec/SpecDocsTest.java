package dev.shiftlog.schemas.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema file and the README's spec reference are what {@link SpecKeys} generates, the README's list of
 * environment variables what {@code ShiftlogVariable} declares, and the parser and the
 * schema agree on the durations they accept. {@code mvn -pl schemas test -Dshiftlog.regenerate=true} rewrites both
 * copies after a change to SpecKeys.
 */
class SpecDocsTest {
    private static final Path SCHEMA_FILE = Path.of("src/main/resources/shiftlog-spec.schema.json");
    private static final Path README = Path.of("../README.md");
    private static final boolean REGENERATE = Boolean.getBoolean("shiftlog.regenerate");

    @Test
    void theCheckedInSchemaIsTheGeneratedOne() throws Exception {
        String generated = SpecJsonSchema.text();
        if (REGENERATE) {
            Files.writeString(SCHEMA_FILE, generated, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(SCHEMA_FILE)).as(SCHEMA_FILE + " differs from what SpecKeys generates; run: "
                + "mvn -pl schemas test -Dshiftlog.regenerate=true").isEqualTo(generated);
    }

    @Test
    void theReadmeReferenceIsTheGeneratedOne() throws Exception {
        assertReadmeSection("spec reference", SpecReference.START, SpecReference.END, SpecReference.markdown());
    }

    @Test
    void theReadmeVariablesAreTheGeneratedOnes() throws Exception {
        assertReadmeSection("environment variables", dev.shiftlog.schemas.ShiftlogVariable.START,
                dev.shiftlog.schemas.ShiftlogVariable.END, dev.shiftlog.schemas.ShiftlogVariable.markdown());
    }

    private static void assertReadmeSection(String what, String startMarker, String endMarker, String generated) throws Exception {
        String readme = Files.readString(README);
        int start = readme.indexOf(startMarker);
        int end = readme.indexOf(endMarker);
        assertThat(start).as("README has the " + what + " markers").isNotNegative();
        assertThat(end).isGreaterThan(start);
        String current = readme.substring(start, end + endMarker.length() + 1);
        if (REGENERATE) {
            Files.writeString(README, readme.replace(current, generated), StandardCharsets.UTF_8);
            current = generated;
        }
        assertThat(current).as("README's " + what + " differ from what is declared in code; run: "
                + "mvn -pl schemas test -Dshiftlog.regenerate=true").isEqualTo(generated);
    }

    @Test
    void theParserAndTheSchemaAcceptTheSameDurations() throws Exception {
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(SpecJsonSchema.text());
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        for (String duration : List.of("30s", "10m", "2h", "1h30m", "1h30m15s", "1.5s", "1.5h", "90", "m", "", "10 m", "1d")) {
            String spec = """
                    migration: m
                    source: { url: "jdbc:postgresql://h/db", user: u }
                    target: { url: "jdbc:postgresql://h/db", user: u }
                    tables: [ { target: t, source: s, park-timeout: "%s", columns: { a: a } } ]
                    """.formatted(duration);
            boolean schemaAccepts = schema.validate(yaml.readTree(spec)).isEmpty();
            boolean parserAccepts;
            try {
                new SpecParser(Map.of()).parse("spec.yaml", spec);
                parserAccepts = true;
            } catch (SpecException e) {
                parserAccepts = false;
            }
            assertThat(parserAccepts).as("park-timeout '" + duration + "': parser accepts = schema accepts").isEqualTo(schemaAccepts);
        }
    }

    @Test
    void everyDefaultIsWhatTheParserFillsIn() {
        MigrationDef spec = new SpecParser(Map.of()).parse("spec.yaml", """
                migration: m
                source: { url: "jdbc:postgresql://h/db", user: u }
                target: { url: "jdbc:postgresql://h/db", user: u }
                tables: [ { target: t, source: s, columns: { a: a } } ]
                """);
        TableMappingDef table = spec.tables().get(0);
        assertThat(SpecDuration.parse(SpecKeys.PARK_TIMEOUT.defaultValue())).isEqualTo(table.parkTimeout());
        assertThat(SpecKeys.KEY.defaultValue()).isEqualTo(table.key());
        assertThat(SpecKeys.LEGACY_KEY.defaultValue()).isEqualTo(table.legacyKey());
        assertThat(SpecKeys.ID.defaultValue()).isEqualTo(table.id().specName());
        assertThat(SpecKeys.ON_ERROR.defaultValue()).isEqualTo(table.onError().specName());
        assertThat(SpecKeys.ON_MISSING_PARENT.defaultValue()).isEqualTo(table.landNullThenPatch() ? "land-null-then-patch" : "dlq");
        assertThat(SpecKeys.SCHEMA.defaultValue()).isEqualTo(spec.source().schema());
        assertThat(Integer.parseInt(SpecKeys.PARTITIONS.defaultValue())).isEqualTo(spec.kafka().partitions());
        assertThat(SpecKeys.SCHEMA_REGISTRY.defaultValue()).isEqualTo(spec.kafka().schemaRegistry());
        assertThat(Double.parseDouble(SpecKeys.SUCCESS_RATE.defaultValue())).isEqualTo(spec.successRate());
    }
}
