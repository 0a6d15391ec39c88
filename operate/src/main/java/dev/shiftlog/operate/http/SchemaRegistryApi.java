package dev.shiftlog.operate.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shiftlog.schemas.registry.SchemaRegistryException;
import dev.shiftlog.schemas.registry.SubjectCatalog;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The read half of the Confluent Schema Registry REST API over the embedded registry, so Confluent's deserializers
 * (Java, JS, Python), kcat {@code -r} and Kafka UIs decode shiftlog's topics with no registry server of their own:
 * {@code GET /schemas/ids/{id}}, {@code GET /subjects}, {@code GET /subjects/{s}/versions},
 * {@code GET /subjects/{s}/versions/{v|latest}} and {@code POST /subjects/{s}} (is this schema registered?).
 * Writes are refused: schemas are registered by the stages that write the topics.
 */
public final class SchemaRegistryApi {
    /** The media type Confluent's clients send and expect. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final SubjectCatalog catalog;
    private final ObjectMapper json = new ObjectMapper();

    public SchemaRegistryApi(SubjectCatalog catalog) {
        this.catalog = catalog;
    }

    /** An HTTP answer: status and JSON body. */
    public record Response(int status, byte[] body) {}

    /** Answers one request; {@code path} without the query string. */
    public Response handle(String method, String path, byte[] body) throws IOException {
        List<String> parts = List.of(path.replaceAll("^/+|/+$", "").split("/"));
        if (parts.size() == 3 && parts.get(0).equals("schemas") && parts.get(1).equals("ids") && method.equals("GET")) {
            return schemaById(parts.get(2));
        }
        if (parts.get(0).equals("subjects")) {
            if (parts.size() == 1 && method.equals("GET")) {
                return ok(catalog.subjects().keySet());
            }
            String subject = parts.size() > 1 ? URLDecoder.decode(parts.get(1), StandardCharsets.UTF_8) : null;
            List<Integer> ids = subject == null ? null : catalog.subjects().get(subject);
            if (subject != null && ids == null) {
                return error(404, 40401, "Subject '" + subject + "' not found.");
            }
            if (parts.size() == 2 && method.equals("POST")) {
                return lookup(subject, ids, body);
            }
            if (parts.size() == 3 && parts.get(2).equals("versions") && method.equals("GET")) {
                return ok(IntStream.rangeClosed(1, ids.size()).boxed().toList());
            }
            if (parts.size() == 4 && parts.get(2).equals("versions") && method.equals("GET")) {
                return version(subject, ids, parts.get(3));
            }
        }
        if (!method.equals("GET") && !method.equals("POST")) {
            return error(405, 405, "this registry is read-only: schemas are registered by the shiftlog stages that write the topics");
        }
        return error(404, 404, "no such resource: " + method + " " + path);
    }

    private Response schemaById(String idText) throws IOException {
        try {
            Schema schema = catalog.schemaById(Integer.parseInt(idText));
            return ok(Map.of("schema", schema.toString()));
        } catch (NumberFormatException | SchemaRegistryException e) {
            return error(404, 40403, "Schema " + idText + " not found");
        }
    }

    private Response version(String subject, List<Integer> ids, String versionText) throws IOException {
        int version;
        try {
            version = versionText.equals("latest") || versionText.equals("-1") ? ids.size() : Integer.parseInt(versionText);
        } catch (NumberFormatException e) {
            return error(422, 42202, "The specified version '" + versionText + "' is not a valid version id.");
        }
        if (version < 1 || version > ids.size()) {
            return error(404, 40402, "Version " + versionText + " not found.");
        }
        return ok(entry(subject, version, ids.get(version - 1)));
    }

    private Response lookup(String subject, List<Integer> ids, byte[] body) throws IOException {
        JsonNode request = json.readTree(body);
        if (request == null || !request.hasNonNull("schema")) {
            return error(422, 42201, "the request body needs a 'schema' field");
        }
        String wanted;
        try {
            wanted = SchemaNormalization.toParsingForm(new Schema.Parser().parse(request.get("schema").asText()));
        } catch (RuntimeException e) {
            return error(422, 42201, "Invalid schema: " + e.getMessage());
        }
        for (int i = 0; i < ids.size(); i++) {
            if (SchemaNormalization.toParsingForm(catalog.schemaById(ids.get(i))).equals(wanted)) {
                return ok(entry(subject, i + 1, ids.get(i)));
            }
        }
        return error(404, 40403, "Schema not found");
    }

    private ObjectNode entry(String subject, int version, int id) {
        ObjectNode node = json.createObjectNode();
        node.put("subject", subject);
        node.put("version", version);
        node.put("id", id);
        node.put("schema", catalog.schemaById(id).toString());
        return node;
    }

    private Response ok(Object value) throws IOException {
        return new Response(200, json.writeValueAsBytes(value));
    }

    private Response error(int status, int code, String message) throws IOException {
        return new Response(status, json.writeValueAsBytes(Map.of("error_code", code, "message", message)));
    }
}
