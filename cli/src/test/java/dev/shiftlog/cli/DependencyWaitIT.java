package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A worker started before its databases or broker waits for them, saying what it waits for, and starts once they
 * answer; a refused login and a dependency that never comes end the wait with the dependency named.
 */
class DependencyWaitIT {
    private static TestServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = new TestServers("dependency-wait-it");
    }

    @AfterAll
    static void stop() throws Exception {
        servers.close();
    }

    private static MigrationDef spec(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(servers.env());
        env.putAll(overrides);
        return new SpecParser(env).parse("items.yaml", ItemsScenario.SPEC);
    }

    @Test
    void shouldWaitForALegacyDatabaseThatIsRestartingAndGoOnOnceItAnswers() throws Exception {
        MigrationDef spec = spec(Map.of());
        Thread restart = new Thread(() -> {
            try {
                servers.legacy.restart(Duration.ofSeconds(4));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        restart.start();
        Thread.sleep(500); // down now
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        long started = System.nanoTime();
        new DependencyWait(Duration.ofMinutes(1), line -> new PrintStream(log, true, StandardCharsets.UTF_8).println(line))
                .await(DependencyWait.of(spec, servers.env().get("SHIFTLOG_BOOTSTRAP_SERVERS")));
        restart.join();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofSeconds(2));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("waiting for legacy database " + spec.source().url())
                .contains("retrying in");
    }

    @Test
    void shouldFailAtOnceWhenTheDatabaseRefusesTheLogin() {
        MigrationDef spec = spec(Map.of("SHIFTLOG_TARGET_USER", "nobody_here", "SHIFTLOG_TARGET_PASSWORD", "s3cret-value"));
        long started = System.nanoTime();
        assertThatThrownBy(() -> new DependencyWait(Duration.ofMinutes(1), line -> { })
                .await(DependencyWait.of(spec, null)))
                .hasMessageContaining("target database " + spec.target().url() + " refused the connection")
                .hasMessageContaining("nobody_here")
                .hasMessageNotContaining("s3cret-value");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no waiting for a refused login").isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void shouldNameTheBrokerThatNeverAnswers() {
        MigrationDef spec = spec(Map.of());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertThatThrownBy(() -> new DependencyWait(Duration.ofSeconds(8), line -> new PrintStream(log, true, StandardCharsets.UTF_8).println(line))
                .await(DependencyWait.of(spec, "127.0.0.1:1")))
                .hasMessageContaining("Kafka at 127.0.0.1:1 did not answer within 8 s (--wait-for)");
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("waiting for Kafka at 127.0.0.1:1");
    }
}
