package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The real images under a running pipeline (issue 12, Testcontainers): legacy and target {@code postgres:15} and an
 * {@code apache/kafka:4.3.1} broker, each restarted as a container — the server process stops and starts again with
 * its data, as a {@code docker restart} or a host reboot does — and the target paused (a network cut: connections
 * hang instead of being refused) while legacy writes continue. Every stage must wait and recover by itself; the target
 * must end equal to the legacy rows, rendered by plain SQL ({@link ItemsScenario#expected}).
 */
@Tag("compose")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag(Alone.TAG)
class ContainerRestartsIT {
    private static final int ROWS = 3_000;
    private static PostgreSQLContainer<?> legacy;
    private static PostgreSQLContainer<?> target;
    private static KafkaContainer kafka;
    private static InProcessPipeline run;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(DockerClientFactory.instance().isDockerAvailable(),
                "no container engine: run ../shared/containers/prepare.sh and export DOCKER_HOST=unix:///run/podman/podman.sock");
        DockerImageName postgres = DockerImageName.parse("postgres:15");
        legacy = new PostgreSQLContainer<>(postgres).withDatabaseName("legacy").withCommand("postgres", "-c", "wal_level=logical");
        target = new PostgreSQLContainer<>(postgres).withDatabaseName("app");
        // the official image's entrypoint runs its command (Testcontainers' starter script); the local stand-in's
        // entrypoint is the broker itself, so the script is made the entrypoint for both
        kafka = new KafkaContainer(DockerImageName.parse("apache/kafka:4.3.1")).withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("sh",
                "-c", "while [ ! -f /tmp/testcontainers_start.sh ]; do sleep 0.1; done; exec /tmp/testcontainers_start.sh"));
        for (GenericContainer<?> c : List.of(legacy, target, kafka)) {
            // podman now and then refuses a start ("write child: broken pipe") and takes the next one
            c.withStartupAttempts(3).start();
        }
        sql(legacy, ItemsScenario.LEGACY_DDL);
        sql(legacy, ItemsScenario.insert(1, ROWS));
        sql(target, ItemsScenario.TARGET_DDL);
        Map<String, String> env = Map.of("SHIFTLOG_SOURCE_URL", legacy.getJdbcUrl(), "SHIFTLOG_SOURCE_USER", legacy.getUsername(),
                "SHIFTLOG_SOURCE_PASSWORD", legacy.getPassword(), "SHIFTLOG_TARGET_URL", target.getJdbcUrl(),
                "SHIFTLOG_TARGET_USER", target.getUsername(), "SHIFTLOG_TARGET_PASSWORD", target.getPassword(),
                "SHIFTLOG_BOOTSTRAP_SERVERS", kafka.getBootstrapServers());
        MigrationDef spec = new SpecParser(env).parse("items.yaml", ItemsScenario.SPEC);
        Path dir = Files.createTempDirectory(Path.of("target"), "container-restarts-it-");
        run = InProcessPipeline.start(spec, env, dir, EnumSet.allOf(Pipeline.Stage.class));
        awaitTargetEqualsLegacy("the snapshot");
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
        for (GenericContainer<?> c : java.util.Arrays.asList(kafka, target, legacy)) {
            if (c != null) {
                c.stop(); // Ryuk is off here (its image cannot be had), so nothing else would remove them
            }
        }
    }

    private static void sql(PostgreSQLContainer<?> db, String statements) throws Exception {
        try (Connection c = DriverManager.getConnection(db.getJdbcUrl(), db.getUsername(), db.getPassword());
             Statement s = c.createStatement()) {
            s.execute(statements);
        }
    }

    private static void writes(int round) throws Exception {
        long from = 10_000L * round;
        sql(legacy, ItemsScenario.insert(from, from + 99) + "; UPDATE items SET name = name || ' r" + round
                + "' WHERE id % 50 = " + round + "; DELETE FROM items WHERE id = " + (100 + round));
    }

    /** {@code docker restart}: the same container, its data and published ports kept. */
    private static void restart(GenericContainer<?> c) {
        var docker = DockerClientFactory.instance().client();
        String before = docker.inspectContainerCmd(c.getContainerId()).exec().getState().getStartedAt();
        docker.restartContainerCmd(c.getContainerId()).withTimeout(10).exec();
        assertThat(docker.inspectContainerCmd(c.getContainerId()).exec().getState().getStartedAt())
                .as("the container's server process started again").isNotEqualTo(before);
    }

    private static void awaitTargetEqualsLegacy(String after) throws Exception {
        await().alias("target equals legacy after " + after).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().untilAsserted(() -> {
                    try (Connection l = DriverManager.getConnection(legacy.getJdbcUrl(), legacy.getUsername(), legacy.getPassword());
                         Connection t = DriverManager.getConnection(target.getJdbcUrl(), target.getUsername(), target.getPassword())) {
                        assertThat(ItemsScenario.diff(ItemsScenario.expected(l), ItemsScenario.actual(t))).as("after " + after).isEmpty();
                    }
                });
        assertThat(run.pipeline.anyStopped()).as("a stage stopped").isNotDone();
    }

    @Test
    @Order(1)
    void theTargetContainerRestarting() throws Exception {
        writes(1);
        restart(target);
        writes(2);
        awaitTargetEqualsLegacy("the target container restarted");
    }

    @Test
    @Order(2)
    void theLegacyContainerRestarting() throws Exception {
        writes(3);
        restart(legacy);
        await().atMost(Duration.ofMinutes(1)).ignoreExceptions().until(() -> {
            writes(4);
            return true;
        });
        awaitTargetEqualsLegacy("the legacy container restarted");
    }

    @Test
    @Order(3)
    void theBrokerContainerRestarting() throws Exception {
        writes(5);
        restart(kafka);
        writes(6);
        awaitTargetEqualsLegacy("the broker container restarted");
    }

    @Test
    @Order(4)
    void theTargetCutOffForTenSeconds() throws Exception {
        var docker = DockerClientFactory.instance().client();
        docker.pauseContainerCmd(target.getContainerId()).exec();
        try {
            writes(7);
            Thread.sleep(10_000);
        } finally {
            docker.unpauseContainerCmd(target.getContainerId()).exec();
        }
        writes(8);
        awaitTargetEqualsLegacy("the target was cut off for 10 s");
    }
}
