package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The repository's docker-compose.yml as a user runs it (issue 12), through podman-compose and the stand-in images
 * of ../shared/containers: the stack comes up and seeds the S1 coaching demo, is scaled to 3 transformers and 2
 * sinks, loses one transformer and one sink container to SIGKILL mid-load, and still lands exactly the rows plain
 * SQL over the legacy database says; then a legacy UPDATE reaches the target through the scaled stack and every
 * consumer group shows lag 0 in {@code kafka-consumer-groups.sh}. Skipped where podman-compose is not installed
 * ({@code ../shared/containers/prepare.sh} installs it).
 */
@Tag("compose")
@Tag(Alone.TAG)
class ComposeStackIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String PROJECT = "shiftlog-it";
    private static final Path LOGS = Path.of("target", "compose-it").toAbsolutePath();
    private static final Map<String, String> env = new HashMap<>();
    private static boolean up;

    @BeforeAll
    static void bringUp() throws Exception {
        Assumptions.assumeTrue(onPath("podman") && onPath("podman-compose"),
                "podman-compose not installed: run ../shared/containers/prepare.sh");
        Files.createDirectories(LOGS);
        env.put("SHIFTLOG_TARGET_PORT", Integer.toString(freePort()));
        env.put("SHIFTLOG_LEGACY_PORT", Integer.toString(freePort()));
        env.put("SHIFTLOG_HTTP_PORT", Integer.toString(freePort()));
        env.put("SHIFTLOG_KAFKA_PORT", Integer.toString(freePort()));
        env.put("SHIFTLOG_S3_PORT", Integer.toString(freePort()));
        env.put("SHIFTLOG_S3_PUBLIC_URL", "http://127.0.0.1:" + env.get("SHIFTLOG_S3_PORT")); // where the host reads objects
        // what an earlier, aborted run left: podman-compose's down removes only the replicas deploy.replicas names
        // now, so containers of a scaled-out run that never reached its tear-down are removed by name first
        run(Duration.ofMinutes(2), "compose.log", "bash", "-c",
                "podman ps -a --format '{{.Names}}' | grep '^" + PROJECT + "_' | xargs -r podman rm -f -t 5");
        compose(Duration.ofMinutes(2), "down", "-v");
        run(Duration.ofMinutes(5), "build.log", "podman", "build", "-t", "shiftlog:dev", ".");
        up = true;
        compose(Duration.ofMinutes(5), "up", "-d");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (up) {
            for (String service : List.of("producer", "transformer", "sink", "seed", "kafka", "s3")) {
                run(Duration.ofMinutes(1), service + ".log", "bash", "-c",
                        "for c in $(podman ps -a --format '{{.Names}}' | grep '^" + PROJECT + "_" + service + "_'); do echo \"== $c\"; podman logs $c 2>&1 | tail -200; done");
            }
            compose(Duration.ofMinutes(3), "down", "-v");
        }
    }

    @Test
    void theScaledStackLandsExactlyThroughKillsAndFollowsCdc() throws Exception {
        try (Connection legacy = connect("SHIFTLOG_LEGACY_PORT", "legacy"); Connection target = connect("SHIFTLOG_TARGET_PORT", "app")) {
            await().alias("the seed filled the legacy database").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                    .ignoreExceptions().until(() -> TestServers.scalar(legacy, "SELECT count(*) FROM tls_category") > 0);
            await().alias("rows landing").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2))
                    .ignoreExceptions().until(() -> TestServers.scalar(target, "SELECT count(*) FROM coaches") > 0);

            // docker compose: up -d --scale transformer=3 --scale sink=2; podman-compose 1.0 reads deploy.replicas only
            env.put("SHIFTLOG_TRANSFORMERS", "3");
            env.put("SHIFTLOG_SINKS", "2");
            compose(Duration.ofMinutes(3), "up", "-d");
            await().alias("3 transformers and 2 sinks running").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(containers("transformer")).hasSize(3));
            assertThat(containers("sink")).hasSize(2);
            Thread.sleep(5_000);
            List<String> transformers = containers("transformer");
            List<String> sinks = containers("sink");
            run(Duration.ofSeconds(30), "kill.log", "podman", "kill", "--signal", "KILL", transformers.get(1), sinks.get(0));
            run(Duration.ofMinutes(1), "kill.log", "podman", "start", transformers.get(1), sinks.get(0));

            await().alias("target equals the SQL rendering of the legacy rows").atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(3))
                    .untilAsserted(() -> assertThat(expected(legacy).diff(actual(target))).isEmpty());

            try (var s = legacy.createStatement()) {
                s.execute("UPDATE tls_coach SET name = 'Renamed through the stack' WHERE id = 2");
                s.execute("UPDATE tls_category SET name = 'Renamed category' WHERE id = (SELECT min(id) FROM tls_category)");
            }
            await().alias("a legacy UPDATE reaches the target").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(expected(legacy).diff(actual(target))).isEmpty());
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM coaches WHERE name = 'Renamed through the stack'")).isEqualTo(1);

            await().alias("every consumer group at lag 0").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(3))
                    .untilAsserted(() -> assertThat(lags()).isNotEmpty().allMatch(lag -> lag == 0));

            // the producer's published endpoint: probes open, /status behind the compose file's token
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            // the images left the database for the stack's s3 service: a coach's photo URL (on the published port)
            // serves the legacy image's bytes
            try (var s = target.createStatement(); var rs = s.executeQuery("SELECT c.photo_url, i.legacy_id FROM coaches c"
                    + " JOIN images i ON i.id = c.image_id ORDER BY c.legacy_id LIMIT 1");
                 var l = legacy.prepareStatement("SELECT data FROM tls_image WHERE id = ?")) {
                assertThat(rs.next()).isTrue();
                String url = rs.getString(1);
                assertThat(url).startsWith("http://127.0.0.1:" + env.get("SHIFTLOG_S3_PORT") + "/coach-images/");
                l.setInt(1, rs.getInt(2));
                try (var image = l.executeQuery()) {
                    image.next();
                    var got = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                    assertThat(got.statusCode()).as("GET " + url).isEqualTo(200);
                    assertThat(got.body()).as("bytes at " + url).isEqualTo(image.getBytes(1));
                }
            }
            String base = "http://127.0.0.1:" + env.get("SHIFTLOG_HTTP_PORT");
            assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/health/ready")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            var status = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/status"))
                    .header("Authorization", "Bearer shiftlog-demo").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(status.body()).contains("\"migration\" : \"coaching\"");

            // tools on the host (status, cutover, kcat) reach the broker through its published listener
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    Map.<String, Object>of("bootstrap.servers", "127.0.0.1:" + env.get("SHIFTLOG_KAFKA_PORT")))) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("coaching.out.coaches");
            }
        }
    }

    /**
     * The coaching rows the target must hold, by plain SQL over the legacy tables: coaches with the sex map, the
     * categories that have a parent chain to a root (the orphan and the cycle go to the DLQ), parents by legacy id.
     */
    private static RowsAsText expected(Connection legacy) throws Exception {
        return RowsAsText.query(legacy, """
                SELECT 'coach ' || id, name, md5(coalesce(description, '∅')), CASE WHEN sex IN ('M', 'male') THEN 'male'
                  WHEN sex IN ('F', 'female') THEN 'female' WHEN sex = 'nb' THEN 'non_binary' ELSE 'other' END, NULL
                FROM tls_coach
                UNION ALL
                SELECT * FROM (WITH RECURSIVE tree AS (SELECT id FROM tls_category WHERE parent_id IS NULL
                  UNION ALL SELECT c.id FROM tls_category c JOIN tree ON c.parent_id = tree.id)
                SELECT 'category ' || c.id, c.name, md5(coalesce(c.description, '∅')), NULL, c.parent_id::text
                FROM tls_category c WHERE c.id IN (SELECT id FROM tree)) categories
                UNION ALL
                SELECT 'app_config rows', (SELECT count(*) FROM tls_prompt) + (SELECT count(*) FROM tls_variable)
                  + (SELECT count(*) FROM tls_system) + (SELECT count(*) FROM tls_coach WHERE name = 'Daniel') || '', NULL, NULL, NULL
                """);
    }

    private static RowsAsText actual(Connection target) throws Exception {
        return RowsAsText.query(target, """
                SELECT 'coach ' || legacy_id, name, md5(coalesce(bio, '∅')), sex::text, NULL FROM coaches
                UNION ALL
                SELECT 'category ' || c.legacy_id, c.name, md5(coalesce(c.description, '∅')), NULL, p.legacy_id::text
                FROM categories c LEFT JOIN categories p ON p.id = c.parent_id
                UNION ALL
                SELECT 'app_config rows', count(*) || '', NULL, NULL, NULL FROM app_config
                """);
    }

    /** The LAG column of every partition of every consumer group, as the broker's own tool prints it. */
    private static List<Long> lags() throws Exception {
        String kafka = containers("kafka").get(0);
        String out = run(Duration.ofMinutes(1), "lag.log", "podman", "exec", kafka, "/opt/kafka/bin/kafka-consumer-groups.sh",
                "--bootstrap-server", "localhost:9092", "--describe", "--all-groups");
        List<Long> lags = new ArrayList<>();
        int lagColumn = -1;
        for (String line : out.split("\n")) {
            String[] cells = line.trim().split("\\s+");
            if (line.contains("is rebalancing")) {
                lags.add(-1L); // not settled yet: ask again
            } else if (line.trim().startsWith("GROUP")) {
                lagColumn = List.of(cells).indexOf("LAG");
            } else if (lagColumn >= 0 && cells.length > lagColumn && cells[lagColumn].matches("-|\\d+")) {
                lags.add(cells[lagColumn].equals("-") ? 0L : Long.parseLong(cells[lagColumn]));
            }
        }
        return lags;
    }

    private static List<String> containers(String service) throws Exception {
        String out = run(Duration.ofSeconds(30), "ps.log", "podman", "ps", "--format", "{{.Names}}");
        return out.lines().filter(n -> n.startsWith(PROJECT + "_" + service + "_")).sorted().toList();
    }

    private static Connection connect(String portVariable, String database) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + env.get(portVariable) + "/" + database;
        return await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> DriverManager.getConnection(url, "postgres", "postgres"), c -> c != null);
    }

    private static String compose(Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("podman-compose", "-p", PROJECT, "-f", "docker-compose.yml"));
        command.addAll(List.of(args));
        return run(timeout, "compose.log", command.toArray(String[]::new));
    }

    /** Runs a command in the repository root; its output is appended to {@code log}; fails on exit ≠ 0. */
    private static String run(Duration timeout, String log, String... command) throws Exception {
        String text;
        try {
            text = ChildCommand.run(ROOT, env, timeout, List.of(command));
        } catch (IOException e) {
            Files.writeString(LOGS.resolve(log), "$ " + e.getMessage() + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            throw e;
        }
        Files.writeString(LOGS.resolve(log), "$ " + String.join(" ", command) + "\n" + text + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return text;
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
