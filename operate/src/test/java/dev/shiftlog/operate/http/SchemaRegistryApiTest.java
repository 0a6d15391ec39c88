package dev.shiftlog.operate.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shiftlog.schemas.registry.SchemaRegistryException;
import dev.shiftlog.schemas.registry.SubjectCatalog;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The registry API's answers, against a catalog of two versions of one subject (the real topic: SchemaRegistryApiIT). */
class SchemaRegistryApiTest {
    private static final Schema V1 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    private static final Schema V2 = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":[\"null\",\"string\"],\"default\":null}]}");
    private final SchemaRegistryApi api = new SchemaRegistryApi(new SubjectCatalog() {
        @Override
        public Map<String, List<Integer>> subjects() {
            return Map.of("m.out.t-value", List.of(11, 22));
        }

        @Override
        public Schema schemaById(int id) {
            return switch (id) {
                case 11 -> V1;
                case 22 -> V2;
                default -> throw new SchemaRegistryException("no schema " + id);
            };
        }
    });

    private String answer(String method, String path, String body) throws Exception {
        SchemaRegistryApi.Response r = api.handle(method, path, body.getBytes(StandardCharsets.UTF_8));
        return r.status() + " " + new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void servesSubjectsVersionsAndSchemasAsConfluentDoes() throws Exception {
        assertThat(answer("GET", "/subjects", "")).isEqualTo("200 [\"m.out.t-value\"]");
        assertThat(answer("GET", "/subjects/m.out.t-value/versions", "")).isEqualTo("200 [1,2]");
        assertThat(answer("GET", "/subjects/m.out.t-value/versions/latest", "")).startsWith("200 ")
                .contains("\"version\":2").contains("\"id\":22").contains("\"subject\":\"m.out.t-value\"");
        assertThat(answer("GET", "/subjects/m.out.t-value/versions/1", "")).contains("\"id\":11");
        assertThat(answer("GET", "/schemas/ids/11", "")).isEqualTo("200 {\"schema\":" + new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(V1.toString()) + "}");
        assertThat(answer("POST", "/subjects/m.out.t-value", "{\"schema\": " + new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(V2.toString()) + "}")).contains("\"id\":22").contains("\"version\":2");
    }

    @Test
    void unknownThingsGetConfluentsErrorCodes() throws Exception {
        assertThat(answer("GET", "/subjects/nope/versions", "")).startsWith("404 ").contains("\"error_code\":40401");
        assertThat(answer("GET", "/subjects/m.out.t-value/versions/3", "")).startsWith("404 ").contains("40402");
        assertThat(answer("GET", "/subjects/m.out.t-value/versions/x", "")).startsWith("422 ").contains("42202");
        assertThat(answer("GET", "/schemas/ids/99", "")).startsWith("404 ").contains("40403");
        assertThat(answer("POST", "/subjects/m.out.t-value", "{\"schema\": \"\\\"string\\\"\"}")).startsWith("404 ").contains("40403");
        assertThat(answer("DELETE", "/subjects/m.out.t-value", "")).startsWith("405 ").contains("read-only");
    }
}
