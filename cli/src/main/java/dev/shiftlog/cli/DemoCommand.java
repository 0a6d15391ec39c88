package dev.shiftlog.cli;

import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.operate.lifecycle.Deadline;
import dev.shiftlog.operate.status.StatusFrame;
import dev.shiftlog.operate.status.StatusProbe;
import dev.shiftlog.operate.verify.TargetVerifier;
import dev.shiftlog.operate.verify.VerifyReport;

import dev.shiftlog.schemas.catalog.LegacyCatalog;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import dev.shiftlog.testkit.EmbeddedPostgresServer;
import dev.shiftlog.testkit.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shiftlog demo}: everything embedded (Kafka broker, legacy and target PostgreSQL), the S1 coaching data
 * generated, migrated through the whole pipeline, counted, then kept in sync until Ctrl-C.
 */
@Command(name = "demo", description = "Run an example of examples/ (S1 coaching by default) end to end on embedded Kafka and PostgreSQL"
        + " (a SQLite file for S2 studios), then verify it.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--once", description = "Exit after the initial load: 0 iff every table has expected = actual rows.")
    boolean once;

    @Option(names = "--scale", defaultValue = "1", description = "Data volume factor (default: ${DEFAULT-VALUE}).")
    int scale;

    @Option(names = "--example", defaultValue = "coaching", description = "Which examples/ folder to run (default: ${DEFAULT-VALUE}).")
    String example;

    @Option(names = "--timeout", defaultValue = "300", description = "Seconds to wait for the initial load (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--compare-copy", description = "After the initial load, copy the same legacy tables with plain COPY between the "
            + "same servers and print both rates, and the transformer's state on disk per feature.")
    boolean compareCopy;

    @Option(names = "--work-dir", defaultValue = ".shiftlog/demo", description = "Scratch space, wiped at start (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        ScratchDirectory.fresh(workDir);
        ExampleFiles files = new ExampleFiles(example);
        if (files.has("runbook.md")) {
            // an example with a runbook (S5 cutover) performs it, step by step, instead of the plain load
            System.out.println("running the runbook of examples/" + example + " (runbook.md) on embedded PostgreSQL and Kafka in "
                    + workDir.toAbsolutePath() + " …");
            return new CutoverRunbookDemo(files, scale, workDir, Duration.ofSeconds(timeoutSeconds)).run();
        }
        System.out.println("starting embedded PostgreSQL (" + (files.sqliteLegacy() ? "target; the legacy database is a SQLite file"
                : "legacy and target") + ") and Kafka in " + workDir.toAbsolutePath() + " …");
        S3ProxyServer s3 = null;
        try (DemoLegacyDatabase legacy = DemoLegacyDatabase.create(files, scale, workDir);
             EmbeddedPostgresServer targetPg = EmbeddedPostgresServer.start(workDir.resolve("pg-target"))) {
            String targetUrl = targetPg.createDatabase("app");
            if (files.has("target.sql")) { // an example that writes files (S4: JSON Lines) has none
                try (Connection c = targetPg.connect("app"); Statement s = c.createStatement()) {
                    s.execute(files.read("target.sql"));
                }
            }
            Map<String, String> env = new java.util.HashMap<>(Map.of("SHIFTLOG_TARGET_DIR", workDir.resolve("files").toString(),
                    "SHIFTLOG_TARGET_URL", targetUrl, "SHIFTLOG_TARGET_USER", EmbeddedPostgresServer.USER,
                    "SHIFTLOG_TARGET_PASSWORD", EmbeddedPostgresServer.PASSWORD));
            env.putAll(legacy.env());
            SpecLoader loader = new SpecLoader(env);
            Optional<MigrationDef> loaded = loader.load(files.spec(workDir), System.err);
            if (loaded.isPresent() && loaded.get().storage() != null) {
                // its upload columns need an object store: a local S3 server, and the spec read again with its address
                s3 = S3ProxyServer.start(workDir.resolve("s3"));
                env.put("SHIFTLOG_S3_ENDPOINT", s3.endpoint());
                env.put("SHIFTLOG_S3_ACCESS_KEY", S3ProxyServer.ACCESS_KEY);
                env.put("SHIFTLOG_S3_SECRET_KEY", S3ProxyServer.SECRET_KEY);
                loader = new SpecLoader(env);
                loaded = loader.load(files.spec(workDir), System.err);
            }
            if (loaded.isEmpty()) {
                return 2;
            }

            MigrationDef spec = loaded.get();
            if (PlanCommand.checkCatalogs(spec, files.spec(workDir).toString()).isEmpty()) {
                return 2;
            }
            System.out.println("legacy database: " + legacy.describe(spec));
            if (s3 != null) {
                System.out.println("object storage:  " + s3.endpoint() + "  (s3proxy; buckets under " + s3.storage() + ")");
            }
            if (spec.target().isJsonLines()) {
                System.out.println("target files:    " + spec.target().jsonLinesDir().toAbsolutePath() + "  (one .jsonl per table)");
            } else {
                System.out.println("target database: " + targetUrl + "  (user " + EmbeddedPostgresServer.USER + ")");
            }
            Map<String, Long> legacyCounts = legacyCounts(spec, files.expectedCountQueries());
            AtomicBoolean loadDone = new AtomicBoolean(false);
            try (KafkaEndpoint kafka = KafkaEndpoint.open(spec, loader.env(), workDir);
                 Pipeline pipeline = new Pipeline()) {
                System.out.println("kafka:           " + kafka.bootstrapServers());
                if (!spec.target().isJsonLines() && targetRows(spec) > 0 && !replaceTargetRows(files, env, kafka)) {
                    return 1;
                }
                long loadStarted = System.nanoTime();
                pipeline.start(spec, kafka, workDir, EnumSet.allOf(Pipeline.Stage.class), (table, upserts, deletes) -> {
                    if (loadDone.get()) {
                        System.out.printf("  cdc → %-12s %d upserted, %d deleted%n", table, upserts, deletes);
                    }
                });
                boolean equal;
                try (DlqTally dlq = new DlqTally(spec, kafka.clientConfig(), kafka.registry())) {
                    try {
                        equal = awaitInitialLoad(spec, legacyCounts, pipeline, dlq);
                        if (compareCopy && legacy.postgres() == null) {
                            System.out.println("--compare-copy compares with PostgreSQL's COPY; this example's legacy database is a SQLite file");
                        } else if (compareCopy) {
                            LoadComparison.print(spec, (System.nanoTime() - loadStarted) / 1e9, legacy.postgres(), targetPg,
                                    files.legacySql(scale), workDir.resolve("streams-state"), System.out);
                        }
                    } catch (java.util.concurrent.ExecutionException e) {
                        System.err.println("demo FAILED: a stage stopped: " + rootMessage(e));
                        printSummary(spec, legacyCounts, dlq);
                        return 1;
                    }
                    printSummary(spec, legacyCounts, dlq);
                    dlq.readToEnd(java.time.Duration.ofSeconds(30));
                    System.out.println();
                    System.out.println("verify (every target row recomputed from the legacy rows and compared):");
                    VerifyReport report = new TargetVerifier(spec, dlq).verify();
                    System.out.print(report.render());
                    equal = equal && report.clean();
                }
                try (StatusProbe probe = new StatusProbe(spec, kafka.clientConfig(), kafka.registry())) {
                    System.out.println();
                    System.out.print(StatusFrame.render(probe.sample()));
                }
                if (once || !equal) {
                    System.out.println(equal ? "demo OK: every table has expected = actual, verify is clean"
                            : "demo FAILED: counts differ or verify is not clean");
                    return equal ? 0 : 1;
                }
                loadDone.set(true);
                System.out.println();
                System.out.println("CDC is running: change the legacy database and watch the target follow, e.g.");
                System.out.println("  " + legacy.editCommand(spec));
                System.out.println("  then INSERT, UPDATE or DELETE rows of " + String.join(", ", spec.tables().stream()
                        .map(TableMappingDef::sourceTable).distinct().toList()));
                System.out.println("Ctrl-C stops.");
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                pipeline.anyStopped().whenComplete((v, e) -> stop.countDown());
                stop.await();
                return 0;
            }
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
    }

    /** Rows the spec's target tables hold before the load. */
    private static long targetRows(MigrationDef spec) throws SQLException {
        return actualCounts(spec).values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * The target holds rows of an earlier import that the load replaces (S2): {@code backup}, then {@code reset-target},
     * run as the CLI commands a user types, against a spec file with the demo's values. False when one failed.
     */
    private boolean replaceTargetRows(ExampleFiles files, Map<String, String> env, KafkaEndpoint kafka) throws Exception {
        Map<String, String> values = new java.util.HashMap<>(env);
        values.put("SHIFTLOG_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        Path specFile = workDir.resolve(example + "-with-values.yaml");
        Files.writeString(specFile, CutoverRunbookDemo.withValues(files.read("shiftlog.yaml"), values), StandardCharsets.UTF_8);
        System.out.println();
        System.out.println("the target already holds rows (an earlier import): back them up, then empty the tables, then load");
        for (String command : List.of("backup", "reset-target")) {
            System.out.println("$ shiftlog " + command + " -f " + specFile + " --work-dir " + workDir);
            int exit = Main.execute(command, "-f", specFile.toString(), "--work-dir", workDir.toString());
            if (exit != 0) {
                System.err.println("demo FAILED: 'shiftlog " + command + "' exited " + exit);
                return false;
            }
        }
        System.out.println();
        return true;
    }

    /**
     * Waits until every legacy row is accounted for: landed in its target table or rejected into the DLQ. Prints
     * progress once a second.
     */
    private boolean awaitInitialLoad(MigrationDef spec, Map<String, Long> legacy, Pipeline pipeline, DlqTally dlq) throws Exception {
        long started = System.nanoTime();
        return Deadline.after(Duration.ofSeconds(timeoutSeconds)).poll(Duration.ofSeconds(1), () -> {
            if (pipeline.anyStopped().isDone()) {
                pipeline.anyStopped().get();
            }
            Map<String, Long> actual = actualCounts(spec);
            dlq.refresh();
            StringBuilder line = new StringBuilder(String.format("  %5.1fs ", (System.nanoTime() - started) / 1e9));
            boolean all = true;
            for (var e : legacy.entrySet()) {
                long a = actual.getOrDefault(e.getKey(), 0L);
                long rejected = dlq.count(e.getKey());
                line.append(String.format(" %s %d/%d", e.getKey(), a, e.getValue() - rejected));
                all &= a + rejected == e.getValue();
            }
            System.out.println(line);
            return all ? Optional.of(true) : Optional.<Boolean>empty();
        }).isPresent();
    }

    /** Per table: legacy rows, rejected rows, expected (= legacy − rejected) and actual target rows; then the reasons. */
    private void printSummary(MigrationDef spec, Map<String, Long> legacy, DlqTally dlq) throws SQLException {
        Map<String, Long> actual = actualCounts(spec);
        dlq.refresh();
        System.out.println();
        System.out.printf("%-24s %8s %6s %10s %10s%n", "target table", "legacy", "dlq", "expected", "actual");
        for (var e : legacy.entrySet()) {
            long a = actual.getOrDefault(e.getKey(), 0L);
            long expected = e.getValue() - dlq.count(e.getKey());
            System.out.printf("%-24s %8d %6d %10d %10d  %s%n", e.getKey(), e.getValue(), dlq.count(e.getKey()), expected, a,
                    a == expected ? "=" : "≠ MISMATCH");
        }
        for (String table : legacy.keySet()) {
            dlq.byRule(table).forEach((rule, n) -> System.out.printf("  dlq %-20s %5d × %s — e.g. %s%n", table, n, rule,
                    dlq.example(table, rule).message()));
            dlq.cycles(table).forEach(cycle -> System.out.printf("  cycle in %s: %s%n", table, String.join(" → ", cycle)));
        }
    }

    /**
     * Target rows the legacy data should give per target table: the example's own query where it has one (merges,
     * filters, derived rows), else one per legacy row of the source table.
     */
    static Map<String, Long> legacyCounts(MigrationDef spec, Map<String, String> queries) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (Connection c = LegacyCatalog.open(spec.source())) {
            for (TableMappingDef t : spec.tables()) {
                if (counts.containsKey(t.target())) {
                    continue;
                }
                String query = queries.get(t.target());
                if (query != null) {
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
                        rs.next();
                        counts.put(t.target(), rs.getLong(1));
                    }
                } else {
                    counts.put(t.target(), count(c, LegacyCatalog.qualified(spec.source(), t.sourceSchema(spec.source().schema()), t.sourceTable())));
                }
            }
        }
        return counts;
    }

    static Map<String, Long> actualCounts(MigrationDef spec) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        if (spec.target().isJsonLines()) {
            spec.targetTables().forEach(t -> counts.put(t, spec.target().jsonLinesRows(t)));
            return counts;
        }
        try (Connection c = PostgresCatalog.open(spec.target())) {
            for (TableMappingDef t : spec.tables()) {
                counts.putIfAbsent(t.target(), count(c, dev.shiftlog.schemas.catalog.SqlIdentifiers.qualified(spec.target().schema(), t.target())));
            }
        }
        return counts;
    }

    private static long count(Connection c, String qualified) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + qualified)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The innermost message: Streams and Kafka wrap the cause a user needs in several layers. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName()
                + (t.getStackTrace().length > 0 ? " at " + t.getStackTrace()[0] : "");
    }
}
