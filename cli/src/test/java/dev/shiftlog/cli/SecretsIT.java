package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connection passwords never reach a log line or an error message (issue 2): a real migration with password
 * authentication, and a start with a wrong password, are both scanned.
 */
class SecretsIT {
    private static final String SOURCE_PASSWORD = "Src-Secret-Quokka-8812";
    private static final String TARGET_PASSWORD = "Tgt-Secret-Narwhal-4471";
    private static final String WRONG_PASSWORD = "Wrong-Secret-Ibex-0093";
    private static final Path TEST_LOG = Path.of("target/it-logs/shiftlog-tests.log");
    private static TestServers servers;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("secrets-it");
        servers.legacySql(ItemsScenario.LEGACY_DDL);
        servers.legacySql(ItemsScenario.insert(1, 500));
        servers.legacySql("CREATE ROLE mover LOGIN REPLICATION PASSWORD '" + SOURCE_PASSWORD + "';"
                + " ALTER TABLE items OWNER TO mover; GRANT CREATE ON DATABASE legacy TO mover");
        servers.targetSql(ItemsScenario.TARGET_DDL);
        servers.targetSql("CREATE ROLE mover LOGIN PASSWORD '" + TARGET_PASSWORD + "'; ALTER TABLE items_new OWNER TO mover");
        PlanIT.requirePasswords(servers.legacy.connect("legacy"), "mover");
        PlanIT.requirePasswords(servers.target.connect("app"), "mover");
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    private static Map<String, String> env(String targetPassword) {
        Map<String, String> env = new HashMap<>(servers.env());
        env.put("SHIFTLOG_SOURCE_USER", "mover");
        env.put("SHIFTLOG_SOURCE_PASSWORD", SOURCE_PASSWORD);
        env.put("SHIFTLOG_TARGET_USER", "mover");
        env.put("SHIFTLOG_TARGET_PASSWORD", targetPassword);
        return env;
    }

    @Test
    void shouldKeepPasswordsOutOfLogsAndErrors() throws Exception {
        MigrationDef spec = new SpecParser(env(TARGET_PASSWORD)).parse("items.yaml", ItemsScenario.SPEC);
        try (Connection target = servers.target.connect("app");
             KafkaEndpoint kafka = KafkaEndpoint.open(spec, servers.env(), servers.dir);
             Pipeline pipeline = new Pipeline()) {
            pipeline.start(spec, kafka, servers.dir.resolve("work"), EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            await().alias("500 rows landed with password authentication").atMost(Duration.ofMinutes(2))
                    .untilAsserted(() -> assertThat(ItemsScenario.actual(target)).hasSize(500));
        }

        // passwords stay environment references (a spec may not hold one), here with the value as the default
        String wrongTarget = ItemsScenario.SPEC.replace("${SHIFTLOG_TARGET_PASSWORD}", "${SECRETS_IT_UNSET:-" + WRONG_PASSWORD + "}");
        for (var e : env(TARGET_PASSWORD).entrySet()) {
            String value = e.getKey().endsWith("_PASSWORD") ? "${" + e.getKey() + ":-" + e.getValue() + "}" : e.getValue();
            wrongTarget = wrongTarget.replace("${" + e.getKey() + "}", value);
        }
        Path file = servers.dir.resolve("wrong.yaml");
        Files.writeString(file, wrongTarget, StandardCharsets.UTF_8);
        CliRun run = CliRun.of("up", "-f", file.toString(), "--work-dir", servers.dir.resolve("wrong-work").toString());

        assertThat(run.exitCode()).as("refused by the catalog check before anything starts").isEqualTo(2);
        assertThat(run.err()).contains("cannot connect to " + servers.targetUrl + " as mover")
                .contains("password authentication failed");
        // the shared test log can be large (every IT of the JVM writes to it): scan it line by line
        boolean userLogged = false;
        boolean passwordMasked = false;
        List<String> leaks = new ArrayList<>();
        try (var lines = Files.lines(TEST_LOG, StandardCharsets.UTF_8)) {
            for (var it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                userLogged |= line.contains("database.user = mover");
                passwordMasked |= line.matches(".*database\\.password = \\*+.*");
                for (String secret : new String[] {SOURCE_PASSWORD, TARGET_PASSWORD, WRONG_PASSWORD}) {
                    if (line.contains(secret) && leaks.size() < 5) {
                        leaks.add(line);
                    }
                }
            }
        }
        assertThat(userLogged && passwordMasked).as("Debezium logged its configuration, masked").isTrue();
        assertThat(leaks).as("log lines with a password").isEmpty();
        for (String secret : new String[] {SOURCE_PASSWORD, TARGET_PASSWORD, WRONG_PASSWORD}) {
            assertThat(run.out() + run.err()).doesNotContain(secret);
        }
    }
}
