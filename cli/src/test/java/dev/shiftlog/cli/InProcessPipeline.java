package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * A spec running in this JVM against a test class's servers — parsed, Kafka attached, all three stages started —
 * and the waits the fidelity tests share: target rows equal to an independent rendering, and the DLQ's contents.
 */
final class InProcessPipeline implements AutoCloseable {
    /** Rows rendered by plain SQL, on the legacy or the target side. */
    interface Rows {
        RowsAsText get() throws Exception;
    }

    final MigrationDef spec;
    final KafkaEndpoint kafka;
    final Pipeline pipeline;

    private InProcessPipeline(MigrationDef spec, KafkaEndpoint kafka, Pipeline pipeline) {
        this.spec = spec;
        this.kafka = kafka;
        this.pipeline = pipeline;
    }

    static InProcessPipeline start(TestServers servers, String fileName, String specText) throws Exception {
        return start(servers, fileName, specText, EnumSet.allOf(Pipeline.Stage.class));
    }

    /** Only some of the stages, e.g. the producer alone to read what it publishes. */
    static InProcessPipeline start(TestServers servers, String fileName, String specText, EnumSet<Pipeline.Stage> stages) throws Exception {
        return start(new SpecParser(servers.env()).parse(fileName, specText), servers.env(), servers.dir, stages);
    }

    /** A parsed spec against servers of the test's own (containers), its state under {@code dir}. */
    static InProcessPipeline start(MigrationDef spec, Map<String, String> env, java.nio.file.Path dir, EnumSet<Pipeline.Stage> stages)
            throws Exception {
        KafkaEndpoint kafka = KafkaEndpoint.open(spec, env, dir);
        Pipeline pipeline = new Pipeline();
        pipeline.start(spec, kafka, dir.resolve("work"), stages, (t, u, d) -> { });
        return new InProcessPipeline(spec, kafka, pipeline);
    }

    /** Waits until the target rendering equals the legacy one; on timeout fails with the differing rows. */
    void awaitEqual(String what, Rows expected, Rows actual, Duration atMost) throws Exception {
        await().alias(what).atMost(atMost).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(expected.get().diff(actual.get())).as(what + ": target differs from the legacy rows").isEmpty());
        assertThat(pipeline.anyStopped()).as("a stage stopped").isNotDone();
    }

    /** target table → legacy key → rule, of every row in the DLQ. */
    Map<String, Map<String, String>> dlq() {
        try (DlqTally tally = new DlqTally(spec, kafka.clientConfig(), kafka.registry())) {
            tally.readToEnd(Duration.ofSeconds(10));
            Map<String, Map<String, String>> out = new TreeMap<>();
            for (String table : tally.tables()) {
                tally.rows(table).forEach((key, row) -> out.computeIfAbsent(table, t -> new TreeMap<>()).put(key, row.rule() + ": " + row.message()));
            }
            return out;
        }
    }

    @Override
    public void close() {
        pipeline.close();
        kafka.close();
    }
}
