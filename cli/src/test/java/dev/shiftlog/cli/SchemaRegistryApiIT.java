package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shiftlog.schemas.TopicNames;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker serves the Confluent Schema Registry read API for the embedded registry (issue 12): the endpoints
 * answer as Confluent's do, and a third-party client — kafkajs with {@code @kafkajs/confluent-schema-registry}, from
 * npm — decodes the source and output topics through it into exactly the legacy and target rows.
 */
class SchemaRegistryApiIT {
    private static final int ROWS = 200;
    private static final int REFUSED = 7;
    private static final Path NPM_HOME = Path.of("target", "registry-client").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServers servers;
    private static InProcessPipeline run;
    private static WorkerOperations worker;
    private static String registryUrl;

    @BeforeAll
    static void start() throws Exception {
        servers = new TestServers("registry-api-it");
        servers.legacySql(ItemsScenario.LEGACY_DDL + ItemsScenario.insert(1, ROWS));
        servers.targetSql(ItemsScenario.TARGET_DDL);
        // one row the target refuses, so the DLQ topic has a message to decode too
        servers.legacySql("UPDATE items SET name = 'refused' WHERE id = " + REFUSED);
        servers.targetSql("ALTER TABLE items_new ADD CONSTRAINT items_new_not_refused CHECK (name <> 'refused')");
        // kafkajs reads gzip without a plugin (lz4, shiftlog's default, needs one): the spec's kafka.properties choose
        String spec = ItemsScenario.SPEC.replace("  partitions: 4", "  partitions: 4\n  properties: { compression.type: gzip }");
        run = InProcessPipeline.start(servers, "items.yaml", spec);
        worker = new WorkerOperations(run.spec, run.kafka, "127.0.0.1:0", "test");
        registryUrl = "http://127.0.0.1:" + worker.address().getPort();
    }

    @AfterAll
    static void stop() throws Exception {
        if (worker != null) {
            worker.close();
        }
        if (run != null) {
            run.close();
        }
        servers.close();
    }

    @Test
    void confluentClientsReadEveryTopicThroughTheServedApi() throws Exception {
        TopicNames names = new TopicNames("items");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(servers.targetRows("SELECT id::text, name FROM items_new").rows()).hasSize(ROWS - 1));

        String outValue = names.out("items_new") + "-value";
        String srcValue = names.source("public", "items") + "-value";
        JsonNode subjects = get("/subjects", 200);
        assertThat(subjects.toString()).contains("\"" + outValue + "\"").contains("\"" + srcValue + "\"")
                .contains("\"" + names.out("items_new") + "-key\"");
        assertThat(get("/subjects/" + outValue + "/versions", 200).toString()).isEqualTo("[1]");
        JsonNode latest = get("/subjects/" + outValue + "/versions/latest", 200);
        assertThat(latest.get("subject").asText()).isEqualTo(outValue);
        assertThat(latest.get("version").asInt()).isEqualTo(1);
        int id = latest.get("id").asInt();
        String schema = get("/schemas/ids/" + id, 200).get("schema").asText();
        assertThat(schema).isEqualTo(latest.get("schema").asText()).contains("legacy_id");
        JsonNode lookup = post("/subjects/" + outValue, JSON.writeValueAsString(Map.of("schema", schema)), 200);
        assertThat(lookup.get("id").asInt()).isEqualTo(id);
        assertThat(get("/subjects/no-such-topic-value/versions", 404).get("error_code").asInt()).isEqualTo(40401);
        assertThat(get("/schemas/ids/1", 404).get("error_code").asInt()).isEqualTo(40403);
        assertThat(get("/subjects/" + outValue + "/versions/7", 404).get("error_code").asInt()).isEqualTo(40402);

        // a third-party client: every message of the output topic decodes into a target row, of the source topic into a legacy row
        Map<String, String> targetRows = rows(servers.targetRows("SELECT id::text, legacy_id::text || ' ' || name FROM items_new"));
        Map<String, String> decodedOut = new TreeMap<>();
        for (JsonNode m : decode(names.out("items_new"), ROWS)) {
            decodedOut.put(m.get("key").get("id").asText(), m.get("value").get("legacy_id").asText() + " " + m.get("value").get("name").asText());
        }
        assertThat(decodedOut.values()).as("the refused row is in the output topic, not in the target").contains(REFUSED + " refused");
        decodedOut.values().remove(REFUSED + " refused");
        assertThat(decodedOut).isEqualTo(targetRows);
        Map<String, String> legacyRows = rows(servers.legacyRows("SELECT id::text, name FROM items"));
        Map<String, String> decodedSrc = new TreeMap<>();
        for (JsonNode m : decode(names.source("public", "items"), ROWS)) {
            decodedSrc.put(m.get("key").get("id").asText(), m.get("value").get("name").asText());
        }
        assertThat(decodedSrc).isEqualTo(legacyRows);

        // the DLQ and the audit trail decode as well: the refused row with the target's reason, the trail's events as
        // the target's shiftlog_runs table holds them
        JsonNode rejected = decode(names.dlq(), 1).get(0);
        assertThat(rejected.get("key").get("legacy_key").asText()).isEqualTo(Integer.toString(REFUSED));
        assertThat(rejected.get("value").get("target_table").asText()).isEqualTo("items_new");
        assertThat(rejected.get("value").get("rule").asText()).isEqualTo("target constraint items_new_not_refused");
        Map<String, String> trail = rows(servers.targetRows("SELECT row_number() OVER (ORDER BY at, event)::text, event FROM shiftlog_runs"
                + " WHERE migration = 'items' ORDER BY at, event"));
        List<String> decodedTrail = new ArrayList<>();
        for (JsonNode m : decode(names.audit(), trail.size())) {
            assertThat(m.get("value").get("migration").asText()).isEqualTo("items");
            decodedTrail.add(m.get("value").get("event").asText());
        }
        assertThat(decodedTrail).containsExactlyInAnyOrderElementsOf(trail.values());
    }

    /**
     * {@code /metrics} of the same worker: every series says its migration and worker kind, per-table series their
     * table, every family has HELP text, and Prometheus' own {@code promtool check metrics} finds nothing to say.
     */
    @Test
    void metricsCarryHelpAndLabelsAndPassPromtool() throws Exception {
        String[] text = new String[1];
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registryUrl + "/metrics"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            text[0] = response.body();
            assertThat(text[0]).contains("shiftlog_rows_landed{").contains("shiftlog_lag{");
        });
        List<String> lines = text[0].lines().toList();
        List<String> families = lines.stream().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]).toList();
        assertThat(families).contains("shiftlog_lag", "shiftlog_dlq_rows", "shiftlog_parked_rows", "shiftlog_cdc_delay_seconds",
                "shiftlog_rows_landed", "shiftlog_rows_expected", "shiftlog_rows_captured", "shiftlog_rows_rejected");
        for (String family : families) {
            assertThat(lines).as("HELP of " + family).anyMatch(l -> l.matches("# HELP " + family + " \\S.*"));
        }
        for (String sample : lines.stream().filter(l -> !l.startsWith("#") && !l.isBlank()).toList()) {
            assertThat(sample).as("labels of a series").contains("migration=\"items\"").contains("stage=\"test\"");
            if (sample.startsWith("shiftlog_rows_")) {
                assertThat(sample).contains("table=\"items_new\"");
            }
        }
        java.util.Optional<Path> promtool = java.util.stream.Stream.of(System.getenv("PATH").split(java.io.File.pathSeparator))
                .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst();
        org.junit.jupiter.api.Assumptions.assumeTrue(promtool.isPresent(), "promtool is not installed (.ci/run installs it: apt prometheus)");
        Process check = new ProcessBuilder(promtool.get().toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = check.getOutputStream()) {
            in.write(text[0].getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String said = new String(check.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(check.waitFor()).as("promtool check metrics: " + said).isZero();
        assertThat(said).as("promtool's lint findings").isBlank();
    }

    private static Map<String, String> rows(RowsAsText rows) {
        Map<String, String> out = new TreeMap<>();
        rows.rows().forEach((key, values) -> out.put(key, values.get(0)));
        return out;
    }

    private static JsonNode get(String path, int status) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(registryUrl + path)).GET().build(), status);
    }

    private static JsonNode post(String path, String body, int status) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(registryUrl + path)).header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), status);
    }

    private static JsonNode send(HttpRequest request, int status) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(request.method() + " " + request.uri() + ": " + response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/vnd.schemaregistry.v1+json");
        return JSON.readTree(response.body());
    }

    /** The topic's first {@code count} messages as the npm client decodes them. */
    private static List<JsonNode> decode(String topic, int count) throws Exception {
        Path script = NPM_HOME.resolve("decode.js");
        if (!Files.isDirectory(NPM_HOME.resolve("node_modules/@kafkajs/confluent-schema-registry"))) {
            Files.createDirectories(NPM_HOME);
            String out = exec(List.of("npm", "install", "--no-audit", "--no-fund", "--prefix", NPM_HOME.toString(),
                    "kafkajs@2.2.4", "@kafkajs/confluent-schema-registry@3.3.0"), 300);
            assertThat(NPM_HOME.resolve("node_modules/kafkajs")).as("npm install (Node.js and npm are needed; .ci/run installs them):\n" + out).exists();
        }
        try (var in = SchemaRegistryApiIT.class.getResourceAsStream("/registry-client/decode.js")) {
            Files.write(script, in.readAllBytes());
        }
        String out = exec(List.of("node", script.toString(), servers.kafka.bootstrapServers(), registryUrl, topic, Integer.toString(count)), 180);
        List<JsonNode> messages = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("{")) {
                messages.add(JSON.readTree(line));
            }
        }
        assertThat(messages).as("messages decoded from " + topic + ":\n" + out).hasSize(count);
        return messages;
    }

    private static String exec(List<String> command, int seconds) throws Exception {
        return ChildCommand.run(NPM_HOME, Map.of(), Duration.ofSeconds(seconds), command);
    }
}
