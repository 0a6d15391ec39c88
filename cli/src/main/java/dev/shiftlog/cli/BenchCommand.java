package dev.shiftlog.cli;

import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import dev.shiftlog.testkit.EmbeddedKafkaBroker;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shiftlog bench}: in one run, on the same two databases, the initial load of N rows through the whole
 * pipeline with a real mapping (uuid5 ids, an expression, a reference) against a plain
 * {@code COPY … TO STDOUT | COPY … FROM STDIN} of the same rows; CDC latency at a steady change rate; peak memory;
 * and the snapshot rows a producer killed in the middle of its snapshot sends again. Ratios are what to compare
 * across machines; absolute rows/s depend on the machine and its load.
 */
@Command(name = "bench", description = "Measure the initial load against COPY TO | COPY FROM, CDC latency, memory, and rows re-sent after a mid-snapshot kill.")
final class BenchCommand implements Callable<Integer> {
    private static final String LEGACY_DDL = """
            DROP TABLE IF EXISTS bench_rows, bench_owners;
            CREATE TABLE bench_owners (id bigint PRIMARY KEY, name text NOT NULL);
            CREATE TABLE bench_rows (id bigint PRIMARY KEY, owner_id bigint, name text NOT NULL, amount numeric(12,2),
              created_at timestamptz, flag boolean, note text, touched_at timestamptz)""";
    private static final String TARGET_DDL = """
            DROP TABLE IF EXISTS bench_copy, bench_rows, bench_owners;
            DROP FUNCTION IF EXISTS bench_stamp;
            CREATE TABLE bench_copy (id bigint PRIMARY KEY, owner_id bigint, name text NOT NULL, amount numeric(12,2),
              created_at timestamptz, flag boolean, note text, touched_at timestamptz);
            CREATE TABLE bench_owners (id uuid PRIMARY KEY, legacy_id bigint NOT NULL UNIQUE, name text NOT NULL);
            CREATE TABLE bench_rows (id uuid PRIMARY KEY, legacy_id bigint NOT NULL UNIQUE,
              owner_id uuid REFERENCES bench_owners, name text NOT NULL, label text, amount numeric(12,2),
              created_at timestamptz, flag boolean, note text, touched_at timestamptz, landed_at timestamptz);
            CREATE INDEX ON bench_rows (owner_id)""";
    /** Stamps when a change reaches the target; created after the load, so the load pays no trigger. */
    private static final String LANDED_AT_TRIGGER = """
            CREATE FUNCTION bench_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN NEW.landed_at := clock_timestamp(); RETURN NEW; END $$;
            CREATE TRIGGER bench_stamp BEFORE UPDATE ON bench_rows FOR EACH ROW EXECUTE FUNCTION bench_stamp()""";
    private static final String SPEC = """
            migration: %s
            source: { url: "${SHIFTLOG_SOURCE_URL}", user: postgres, password: "${SHIFTLOG_SOURCE_PASSWORD}" }
            target: { url: "${SHIFTLOG_TARGET_URL}", user: postgres, password: "${SHIFTLOG_TARGET_PASSWORD}" }
            kafka: { partitions: 4 }
            tables:
              - target: bench_owners
                source: bench_owners
                id: uuid5
                columns: { name: name }
              - target: bench_rows
                source: bench_rows
                id: uuid5
                columns:
                  %s
                  name: name
                  label: { expr: "name.upperAscii() + '!'" }
                  amount: amount
                  created_at: created_at
                  flag: flag
                  note: note
                  touched_at: touched_at
            """;

    @Option(names = "--rows", defaultValue = "1000000", split = ",",
            description = "Rows in the benchmark table; several sizes, comma-separated, are measured one after the other (default: ${DEFAULT-VALUE}).")
    List<Long> sizes;

    @Option(names = "--cdc-rate", defaultValue = "1000", description = "Legacy changes per second in the CDC latency phase; 0 skips it (default: ${DEFAULT-VALUE}).")
    int cdcRate;

    @Option(names = "--cdc-seconds", defaultValue = "20", description = "Length of the CDC latency phase (default: ${DEFAULT-VALUE}).")
    int cdcSeconds;

    @Option(names = "--kill-at", defaultValue = "0.4", description = "Kill a producer process when this share of the "
            + "largest table's snapshot is captured, restart it and count rows sent twice; 0 skips it (default: ${DEFAULT-VALUE}).")
    double killAt;

    @Option(names = "--reference", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Map owner_id as a reference to bench_owners (--no-reference: leave it out, to measure what the reference costs).")
    boolean reference;

    @Option(names = "--sink-writers", defaultValue = "2", description = "Sink consumers, each with its own target connection (default: ${DEFAULT-VALUE}).")
    int sinkWriters;

    @Option(names = "--work-dir", defaultValue = ".shiftlog/bench", description = "Scratch space, wiped at start (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--timeout", defaultValue = "1800", description = "Seconds to wait for each phase (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    private String spec(String migration) {
        return SPEC.formatted(migration, reference ? "owner_id: { ref: bench_owners, from: owner_id }" : "# owner_id: not mapped (--no-reference)");
    }

    /** One size's figures. */
    private record LoadFigures(long rows, double copySeconds, double pipelineSeconds, long peakHeapMib) {}

    @Override
    public Integer call() throws Exception {
        ScratchDirectory.fresh(workDir);
        List<String> summary = new ArrayList<>();
        try (EmbeddedPostgresServer legacyPg = EmbeddedPostgresServer.start(workDir.resolve("pg-legacy"));
             EmbeddedPostgresServer targetPg = EmbeddedPostgresServer.start(workDir.resolve("pg-target"));
             EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(workDir.resolve("kafka"))) {
            Map<String, String> env = Map.of("SHIFTLOG_SOURCE_URL", legacyPg.createDatabase("legacy"),
                    "SHIFTLOG_SOURCE_PASSWORD", EmbeddedPostgresServer.PASSWORD,
                    "SHIFTLOG_TARGET_URL", targetPg.createDatabase("app"), "SHIFTLOG_TARGET_PASSWORD", EmbeddedPostgresServer.PASSWORD,
                    "SHIFTLOG_BOOTSTRAP_SERVERS", broker.bootstrapServers());
            for (int i = 0; i < sizes.size(); i++) {
                long rows = sizes.get(i);
                generate(legacyPg, targetPg, rows);
                double copySeconds = copyBaseline(legacyPg, targetPg);
                System.out.printf("COPY baseline:  %,d rows in %.1f s = %,.0f rows/s%n", rows, copySeconds, rows / copySeconds);
                MigrationDef spec = new SpecParser(env).parse("bench.yaml", spec("bench_" + rows));
                LoadFigures load = load(spec, env, targetPg, rows, copySeconds, i == 0 && cdcRate > 0 ? legacyPg : null, summary);
                summary.add(String.format("load %,d rows" + (reference ? "" : " (no reference)") + ": pipeline %,.0f rows/s (%.1f s), COPY|COPY %,.0f rows/s (%.1f s), ratio %.3f;"
                        + " peak heap %,d MiB", rows, rows / load.pipelineSeconds(), load.pipelineSeconds(), rows / load.copySeconds(),
                        load.copySeconds(), load.copySeconds() / load.pipelineSeconds(), load.peakHeapMib()));
                dropSlot(legacyPg, spec); // a finished size's slot would hold WAL for the rest of the run
            }
            if (killAt > 0) {
                summary.add(killMidSnapshot(env, sizes.get(sizes.size() - 1)));
            }
            summary.add(String.format("peak RSS of this process (broker, all stages, benchmark): %,d MiB", peakRssKib(Path.of("/proc/self/status")) / 1024));
        }
        System.out.println();
        System.out.println("bench summary (" + Runtime.getRuntime().availableProcessors() + " cores, java " + Runtime.version() + "):");
        summary.forEach(s -> System.out.println("  " + s));
        return 0;
    }

    private static void generate(EmbeddedPostgresServer legacyPg, EmbeddedPostgresServer targetPg, long rows) throws Exception {
        long owners = Math.max(1, rows / 100);
        try (Connection c = legacyPg.connect("legacy"); Statement s = c.createStatement()) {
            s.execute(LEGACY_DDL);
            System.out.printf("generating %,d legacy rows and %,d owners …%n", rows, owners);
            s.execute("INSERT INTO bench_owners SELECT g, 'owner ' || g FROM generate_series(1, " + owners + ") g");
            s.execute("INSERT INTO bench_rows SELECT g, 1 + g % " + owners + ", 'row ' || g, (g % 100000) / 100.0,"
                    + " timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', g % 2 = 0,"
                    + " CASE WHEN g % 10 = 0 THEN NULL ELSE md5(g::text) END, NULL FROM generate_series(1, " + rows + ") g");
        }
        try (Connection c = legacyPg.connect("legacy"); Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE bench_owners, bench_rows");
        }
        try (Connection c = targetPg.connect("app"); Statement s = c.createStatement()) {
            s.execute(TARGET_DDL);
        }
    }

    /** The initial load of one size, and (with {@code cdcSource}) the CDC latency phase after it, in one pipeline. */
    private LoadFigures load(MigrationDef spec, Map<String, String> env, EmbeddedPostgresServer targetPg, long rows, double copySeconds,
                             EmbeddedPostgresServer cdcSource, List<String> summary) throws Exception {
        resetPeaks();
        try (KafkaEndpoint kafka = KafkaEndpoint.open(spec, env, workDir); Pipeline pipeline = new Pipeline(sinkWriters);
             Connection target = targetPg.connect("app")) {
            long start = System.nanoTime();
            pipeline.start(spec, kafka, workDir.resolve(spec.name()), EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            long deadline = start + timeoutSeconds * 1_000_000_000L;
            long landed = 0;
            long lastPrint = 0;
            while (landed < rows) {
                failIfStopped(pipeline, deadline, "the load", landed, rows);
                Thread.sleep(200);
                landed = count(target, "SELECT count(*) FROM bench_rows");
                if (System.nanoTime() - lastPrint > 5_000_000_000L) {
                    lastPrint = System.nanoTime();
                    System.out.printf("  pipeline: %,d captured, %,d / %,d landed after %.0f s%s%n", pipeline.captured(), landed, rows,
                            (lastPrint - start) / 1e9, reference ? String.format(" (owners %,d landed; %,d rows asked their owner's gate, %,d answered)",
                                    count(target, "SELECT count(*) FROM bench_owners"),
                                    endOffsets(kafka.clientConfig(), new TopicNames(spec.name()).references("bench_rows")),
                                    endOffsets(kafka.clientConfig(), new TopicNames(spec.name()).parentAnswers("bench_rows"))) : "");
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long peakHeap = peakHeapBytes() / (1024 * 1024);
            System.out.printf("pipeline:       %,d rows in %.1f s = %,.0f rows/s (chunked snapshot → Kafka → Streams EOS → upsert)%n",
                    rows, seconds, rows / seconds);
            System.out.printf("ratio pipeline / COPY: %.3f%n", copySeconds / seconds);
            if (cdcSource != null) {
                summary.add(cdcLatency(cdcSource, target, pipeline, rows, kafka, spec));
            }
            return new LoadFigures(rows, copySeconds, seconds, peakHeap);
        }
    }

    private void failIfStopped(Pipeline pipeline, long deadline, String phase, long done, long of) throws Exception {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(String.format("bench: %s did not finish within %d s (%,d of %,d)", phase, timeoutSeconds, done, of));
        }
        if (pipeline.anyStopped().isDone()) {
            pipeline.anyStopped().get();
        }
    }

    /**
     * Updates {@code cdcRate} distinct legacy rows per second (a statement of rate/100 rows every 10 ms) for {@code cdcSeconds}; each change stamps {@code touched_at} in the legacy row, and a trigger stamps
     * {@code landed_at} when the sink writes it: the difference is the latency of that change, end to end.
     */
    private String cdcLatency(EmbeddedPostgresServer legacyPg, Connection target, Pipeline pipeline, long rows, KafkaEndpoint kafka,
                              MigrationDef spec) throws Exception {
        try (Statement s = target.createStatement()) {
            s.execute(LANDED_AT_TRIGGER);
        }
        TopicNames names = new TopicNames(spec.name());
        try (HopProbe probe = new HopProbe(kafka.clientConfig(), kafka.registry(), names.source("public", "bench_rows"), names.out("bench_rows"))) {
            return cdcLatency(legacyPg, target, pipeline, rows, probe);
        }
    }

    private String cdcLatency(EmbeddedPostgresServer legacyPg, Connection target, Pipeline pipeline, long rows, HopProbe probe) throws Exception {
        int perStep = Math.max(1, cdcRate / 100);
        long changes = Math.min(rows, (long) cdcRate * cdcSeconds);
        System.out.printf("CDC: %,d changes at %,d/s …%n", changes, cdcRate);
        long sent = 0;
        long start = System.nanoTime();
        try (Connection legacy = legacyPg.connect("legacy"); Statement s = legacy.createStatement()) {
            // as an application's commits are by default: the bench's servers run with synchronous_commit off for the
            // load, and then a commit's WAL reaches the replication slot only at the WAL writer's next round (200 ms)
            s.execute("SET synchronous_commit = on");
            for (long step = 0; sent < changes; step++) {
                long due = start + step * 10_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                long from = sent + 1;
                long to = Math.min(changes, sent + perStep);
                s.execute("UPDATE bench_rows SET amount = amount + 1, touched_at = clock_timestamp() WHERE id BETWEEN " + from + " AND " + to);
                sent = to;
            }
        }
        double achievedRate = sent / ((System.nanoTime() - start) / 1e9);
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        long landed = 0;
        while (landed < changes) {
            failIfStopped(pipeline, deadline, "the CDC phase", landed, changes);
            Thread.sleep(200);
            landed = count(target, "SELECT count(*) FROM bench_rows WHERE landed_at IS NOT NULL");
        }
        // per change: legacy → source topic, → output topic, → target, end to end; and when it was made, from the first
        List<long[]> hops = new ArrayList<>();
        long first = -1;
        Path perChange = workDir.resolve("cdc-latency.csv");
        try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery("SELECT legacy_id,"
                + " (extract(epoch FROM touched_at) * 1000)::bigint, (extract(epoch FROM landed_at) * 1000)::bigint"
                + " FROM bench_rows WHERE landed_at IS NOT NULL ORDER BY touched_at");
             java.io.BufferedWriter csv = Files.newBufferedWriter(perChange)) {
            csv.write("legacy_id,touched_at_ms,on_source_topic_ms,on_output_topic_ms,landed_at_ms\n");
            while (rs.next()) {
                long touched = rs.getLong(2);
                long landedAt = rs.getLong(3);
                Long onSource = probe.onSource(rs.getLong(1));
                Long onOutput = probe.onOutput(rs.getLong(1));
                first = first < 0 ? touched : first;
                // the probe notes a record when its poll returns, which can be after the next stage acted on it:
                // such a hop counts as 0 (-1 means not seen)
                hops.add(new long[] {onSource == null ? -1 : Math.max(0, onSource - touched),
                        onSource == null || onOutput == null ? -1 : Math.max(0, onOutput - onSource),
                        onOutput == null ? -1 : Math.max(0, landedAt - onOutput), landedAt - touched, touched - first});
                csv.write(rs.getLong(1) + "," + touched + "," + (onSource == null ? "" : onSource) + "," + (onOutput == null ? "" : onOutput)
                        + "," + landedAt + "\n");
            }
        }
        System.out.println("  each change's times: " + perChange);
        // The first changes after a chunked snapshot run the streaming path's code cold (JIT): shown apart.
        List<long[]> warm = hops.stream().filter(h -> h[4] >= CDC_WARM_UP_MS).toList();
        String line = String.format("CDC latency at %,.0f changes/s (%,d changes): p50 %d ms, p99 %d ms, max %d ms; after the first %d s:"
                        + " p50 %d ms, p99 %d ms, by hop (p50/p99): legacy commit → source topic %s, → output topic (the transformer's"
                        + " commit) %s, → target %s",
                achievedRate, changes, percentile(hops, 3, 0.5), percentile(hops, 3, 0.99), percentile(hops, 3, 1.0),
                CDC_WARM_UP_MS / 1000, percentile(warm, 3, 0.5), percentile(warm, 3, 0.99), hop(warm, 0), hop(warm, 1), hop(warm, 2));
        System.out.println(line);
        return line;
    }

    /** The start of the CDC phase reported apart: the streaming path warms up (JIT) in its first second or so. */
    private static final long CDC_WARM_UP_MS = 2_000;

    private static String hop(List<long[]> changes, int hop) {
        long seen = changes.stream().filter(c -> c[hop] >= 0).count();
        return seen == 0 ? "not seen" : percentile(changes, hop, 0.5) + "/" + percentile(changes, hop, 0.99) + " ms"
                + (seen < changes.size() ? String.format(" (%,d of %,d seen)", seen, changes.size()) : "");
    }

    /** The nearest-rank percentile of one column over the changes whose value there was seen (not -1). */
    private static long percentile(List<long[]> changes, int column, double p) {
        long[] values = changes.stream().mapToLong(c -> c[column]).filter(v -> v >= 0).sorted().toArray();
        return values.length == 0 ? -1 : values[Math.max(0, (int) Math.ceil(p * values.length) - 1)];
    }

    /**
     * A producer of its own migration, in its own process, snapshots the legacy table until {@code killAt} of it is
     * in Kafka, is killed with SIGKILL, and is started again; counted from the source topic: snapshot reads of a key
     * beyond its first.
     */
    private String killMidSnapshot(Map<String, String> env, long rows) throws Exception {
        String name = "bench_kill";
        Path specFile = workDir.resolve(name + ".yaml");
        Files.writeString(specFile, spec(name));
        MigrationDef spec = new SpecParser(env).parse(specFile);
        TopicNames names = new TopicNames(name);
        String topic = names.source("public", "bench_rows");
        Map<String, Object> client = Map.of("bootstrap.servers", env.get("SHIFTLOG_BOOTSTRAP_SERVERS"));
        System.out.printf("mid-snapshot kill: a producer process snapshots %,d rows; killed at %.0f %% …%n", rows, killAt * 100);
        Process first = startProducer(env, specFile, "1");
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        long captured = 0;
        long firstRowAt = 0;
        while (captured < rows * killAt) {
            if (!first.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("bench: the producer process ended or stalled before the kill; see "
                        + workDir.resolve("producer-1.log"));
            }
            Thread.sleep(20);
            captured = endOffsets(client, topic);
            if (firstRowAt == 0 && captured > 0) {
                firstRowAt = System.nanoTime();
            }
        }
        double snapshotRate = captured / Math.max(1e-3, (System.nanoTime() - firstRowAt) / 1e9);
        long rssKib = peakRssKib(Path.of("/proc/" + first.pid() + "/status"));
        first.destroyForcibly();
        first.waitFor();
        System.out.printf("  killed at %,d captured rows (producer peak RSS %,d MiB)%n", captured, rssKib / 1024);
        Process second = startProducer(env, specFile, "2");
        try {
            while (!dev.shiftlog.producer.ProducerStage.snapshotComplete(spec, client)) {
                if (!second.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("bench: the restarted producer ended or stalled; see " + workDir.resolve("producer-2.log"));
                }
                Thread.sleep(200);
            }
        } finally {
            second.destroy();
            second.waitFor();
        }
        long[] reads = snapshotReads(client, topic, rows);
        dropSlot(env, spec);
        if (reads[0] != rows) {
            throw new IllegalStateException(String.format("bench: the killed and restarted snapshot read %,d distinct rows of %,d", reads[0], rows));
        }
        String line = String.format("mid-snapshot kill at %,d of %,d rows: %,d rows sent twice (%.2f %% of the table; S3 allows 5 %%);"
                + " the producer alone snapshotted %,.0f rows/s into Kafka; its process's peak RSS %,d MiB (heap -Xmx256m)",
                captured, rows, reads[1], 100.0 * reads[1] / rows, snapshotRate, rssKib / 1024);
        System.out.println(line);
        return line;
    }

    private Process startProducer(Map<String, String> env, Path specFile, String run) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:+UseParallelGC", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "run", "producer", "-f", specFile.toString(), "--work-dir", workDir.resolve("producer-" + run).toString());
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(workDir.resolve("producer-" + run + ".log").toFile());
        return pb.start();
    }

    private static long endOffsets(Map<String, Object> client, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(client, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (partitions == null || partitions.isEmpty()) {
                return 0;
            }
            return consumer.endOffsets(partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList())
                    .values().stream().mapToLong(Long::longValue).sum();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return 0;
        }
    }

    /**
     * {distinct keys read by the snapshot, snapshot reads beyond a key's first}. The key is the Avro long of
     * {@code id} after the 5-byte wire header; a bit set holds the keys seen.
     */
    private static long[] snapshotReads(Map<String, Object> client, String topic, long rows) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        BitSet seen = new BitSet((int) Math.min(Integer.MAX_VALUE, rows + 1));
        long distinct = 0;
        long again = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    var op = r.headers().lastHeader("shiftlog.op");
                    if (op == null || op.value().length != 1 || op.value()[0] != 'r') {
                        continue;
                    }
                    int id = (int) HopProbe.avroLongAfterHeader(r.key());
                    if (seen.get(id)) {
                        again++;
                    } else {
                        seen.set(id);
                        distinct++;
                    }
                }
            }
        }
        return new long[] {distinct, again};
    }

    private static void dropSlot(EmbeddedPostgresServer legacyPg, MigrationDef spec) throws Exception {
        try (Connection c = legacyPg.connect("legacy"); Statement s = c.createStatement()) {
            dropSlot(s, spec);
        }
    }

    private static void dropSlot(Map<String, String> env, MigrationDef spec) throws Exception {
        try (Connection c = dev.shiftlog.schemas.catalog.PostgresCatalog.open(spec.source()); Statement s = c.createStatement()) {
            dropSlot(s, spec);
        }
    }

    private static void dropSlot(Statement s, MigrationDef spec) throws Exception {
        String slot = dev.shiftlog.producer.ProducerStage.captureName(spec);
        s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND NOT active");
    }

    /** COPY out of the legacy table streamed straight into COPY into the target, as a user's script would. */
    private double copyBaseline(EmbeddedPostgresServer legacyPg, EmbeddedPostgresServer targetPg) throws Exception {
        try (Connection from = legacyPg.connect("legacy"); Connection to = targetPg.connect("app")) {
            long start = System.nanoTime();
            PlainCopy.copy(from, "bench_rows", to, "bench_copy");
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static long count(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
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

    /** VmHWM: the most resident memory a process ever had; -1 where /proc is not there. */
    private static long peakRssKib(Path status) throws IOException {
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
