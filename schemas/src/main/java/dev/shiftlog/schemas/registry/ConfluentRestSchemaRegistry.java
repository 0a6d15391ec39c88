package dev.shiftlog.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/** Client of the Confluent Schema Registry REST API, used when a real registry runs (the compose stack). */
public final class ConfluentRestSchemaRegistry implements SchemaRegistry {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private final URI baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    public ConfluentRestSchemaRegistry(String baseUrl) {
        this.baseUrl = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    }

    @Override
    public int register(String subject, Schema schema) {
        String cacheKey = subject + '\0' + schema;
        Integer cached = idsBySubjectAndSchema.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        try {
            String body = json.writeValueAsString(Map.of("schema", schema.toString()));
            JsonNode answer = send(HttpRequest.newBuilder(baseUrl.resolve("subjects/" + subject + "/versions"))
                    .header("Content-Type", CONTENT_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), "register subject " + subject);
            int id = answer.get("id").asInt();
            idsBySubjectAndSchema.put(cacheKey, id);
            schemasById.put(id, schema);
            return id;
        } catch (IOException e) {
            throw new SchemaRegistryException("cannot register subject " + subject + " at " + baseUrl + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Schema schemaById(int id) {
        return schemasById.computeIfAbsent(id, key -> {
            JsonNode answer = send(HttpRequest.newBuilder(baseUrl.resolve("schemas/ids/" + key)).GET().build(), "fetch schema id " + key);
            return new Schema.Parser().parse(answer.get("schema").asText());
        });
    }

    private JsonNode send(HttpRequest request, String what) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new SchemaRegistryException("schema registry at " + baseUrl + " refused to " + what
                        + ": HTTP " + response.statusCode() + " " + response.body());
            }
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " unreachable (" + what + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted while trying to " + what, e);
        }
    }
}
