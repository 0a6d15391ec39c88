package dev.shiftlog.cli;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import dev.shiftlog.testkit.EmbeddedPostgresServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shiftlog bench}: one table of N rows through the whole pipeline and, in the same run and between the same
 * two databases, through a plain {@code COPY … TO STDOUT | COPY … FROM STDIN}. The ratio is what to compare
 * across machines; absolute rows/s depend on the machine and its load.
 */
@Command(name = "bench", description = "Measure rows/s of the pipeline against COPY TO | COPY FROM in the same run.")
final class BenchCommand implements Callable<Integer> {
    private static final String LEGACY_DDL = """
            CREATE TABLE bench_rows (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2),
              created_at timestamptz, flag boolean, note text)""";
    private static final String TARGET_DDL = """
            CREATE TABLE bench_copy (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2),
              created_at timestamptz, flag boolean, note text);
            CREATE TABLE bench_rows (id uuid PRIMARY KEY, legacy_id bigint NOT NULL, name text NOT NULL,
              amount numeric(12,2), created_at timestamptz, flag boolean, note text)""";
    private static final String SPEC = """
            migration: bench
            source: { url: "${SHIFTLOG_SOURCE_URL}", user: postgres, password: "${SHIFTLOG_SOURCE_PASSWORD}" }
            target: { url: "${SHIFTLOG_TARGET_URL}", user: postgres, password: "${SHIFTLOG_TARGET_PASSWORD}" }
            kafka: { partitions: 4 }
            tables:
              - target: bench_rows
                source: bench_rows
                id: uuid5
                columns: { name: name, amount: amount, created_at: created_at, flag: flag, note: note }
            """;

    @Option(names = "--rows", defaultValue = "1000000", description = "Rows in the benchmark table (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--work-dir", defaultValue = ".shiftlog/bench", description = "Scratch space, wiped at start (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--timeout", defaultValue = "1800", description = "Seconds to wait for the pipeline (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        ScratchDirectory.fresh(workDir);
        try (EmbeddedPostgresServer legacyPg = EmbeddedPostgresServer.start(workDir.resolve("pg-legacy"));
             EmbeddedPostgresServer targetPg = EmbeddedPostgresServer.start(workDir.resolve("pg-target"))) {
            String legacyUrl = legacyPg.createDatabase("legacy");
            String targetUrl = targetPg.createDatabase("app");
            try (Connection c = legacyPg.connect("legacy"); Statement s = c.createStatement()) {
                s.execute(LEGACY_DDL);
                System.out.printf("generating %,d legacy rows …%n", rows);
                s.execute("INSERT INTO bench_rows SELECT g, 'row ' || g, (g % 100000) / 100.0,"
                        + " timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', g % 2 = 0,"
                        + " CASE WHEN g % 10 = 0 THEN NULL ELSE md5(g::text) END FROM generate_series(1, " + rows + ") g");
                s.execute("VACUUM ANALYZE bench_rows");
            }
            try (Connection c = targetPg.connect("app"); Statement s = c.createStatement()) {
                s.execute(TARGET_DDL);
            }

            double copySeconds = copyBaseline(legacyPg, targetPg);
            System.out.printf("COPY baseline:  %,d rows in %.1f s = %,.0f rows/s%n", rows, copySeconds, rows / copySeconds);

            Map<String, String> env = Map.of("SHIFTLOG_SOURCE_URL", legacyUrl, "SHIFTLOG_SOURCE_PASSWORD", EmbeddedPostgresServer.PASSWORD,
                    "SHIFTLOG_TARGET_URL", targetUrl, "SHIFTLOG_TARGET_PASSWORD", EmbeddedPostgresServer.PASSWORD);
            MigrationDef spec = new SpecParser(env).parse("bench.yaml", SPEC);
            resetPeaks();
            double pipelineSeconds;
            try (KafkaEndpoint kafka = KafkaEndpoint.open(spec, env, workDir); Pipeline pipeline = new Pipeline();
                 Connection target = targetPg.connect("app")) {
                long start = System.nanoTime();
                pipeline.start(spec, kafka, workDir, EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
                long deadline = start + timeoutSeconds * 1_000_000_000L;
                long landed = 0;
                long lastPrint = 0;
                while (landed < rows) {
                    if (System.nanoTime() > deadline) {
                        System.err.printf("bench: pipeline did not finish within %d s (%,d of %,d rows landed)%n", timeoutSeconds, landed, rows);
                        return 1;
                    }
                    if (pipeline.anyStopped().isDone()) {
                        pipeline.anyStopped().get();
                    }
                    Thread.sleep(200);
                    landed = count(target, "bench_rows");
                    if (System.nanoTime() - lastPrint > 5_000_000_000L) {
                        lastPrint = System.nanoTime();
                        System.out.printf("  pipeline: %,d captured, %,d / %,d landed after %.0f s%n", pipeline.captured(), landed, rows,
                                (lastPrint - start) / 1e9);
                    }
                }
                pipelineSeconds = (System.nanoTime() - start) / 1e9;
            }
            System.out.printf("pipeline:       %,d rows in %.1f s = %,.0f rows/s (Debezium snapshot → Kafka → Streams EOS → upsert)%n",
                    rows, pipelineSeconds, rows / pipelineSeconds);
            System.out.printf("ratio pipeline / COPY: %.2f%n", copySeconds / pipelineSeconds);
            System.out.printf("peak heap of this process: %,d MiB; peak RSS (embedded broker included): %,d MiB%n",
                    peakHeapBytes() / (1024 * 1024), peakRssKib() / 1024);
            return 0;
        }
    }

    /** COPY out of the legacy table streamed straight into COPY into the target, as a user's script would. */
    private double copyBaseline(EmbeddedPostgresServer legacyPg, EmbeddedPostgresServer targetPg) throws Exception {
        try (Connection from = legacyPg.connect("legacy"); Connection to = targetPg.connect("app")) {
            long start = System.nanoTime();
            PlainCopy.copy(from, "bench_rows", to, "bench_copy");
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static long count(Connection c, String table) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void resetPeaks() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeapBytes() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** VmHWM: the most resident memory this JVM ever had. */
    private static long peakRssKib() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
