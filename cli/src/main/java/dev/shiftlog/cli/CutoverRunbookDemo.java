package dev.shiftlog.cli;

import dev.shiftlog.operate.backup.PostgresClientTools;
import dev.shiftlog.operate.backup.TargetBackup;
import dev.shiftlog.operate.cleanup.PostMigrationCleanup;
import dev.shiftlog.producer.ProducerStage;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import dev.shiftlog.testkit.EmbeddedPostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code demo --example cutover}: the S5 runbook ({@code examples/cutover/runbook.md}) performed on one embedded
 * PostgreSQL that is source and target at once. Each operating step is the command a user runs, executed in-process
 * ({@link Main#execute}) against a spec file with the demo's connection values, so the audit trail, the backups and
 * the report are the real ones: backup → plan (drift) → fix → plan → backup → load → a simulated failure mid-load →
 * restore (pg_dump before and after compared) → load again → CDC edits → verify → cutover → cleanup --confirm →
 * final backup → report.
 */
final class CutoverRunbookDemo {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(SHIFTLOG_[A-Z_]+)(:-[^}]*)?}");

    private final ExampleFiles files;
    private final int scale;
    private final Path workDir;
    private final Duration timeout;

    CutoverRunbookDemo(ExampleFiles files, int scale, Path workDir, Duration timeout) {
        this.files = files;
        this.scale = scale;
        this.workDir = workDir;
        this.timeout = timeout;
    }

    int run() throws Exception {
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(workDir.resolve("pg"))) {
            String url = pg.createDatabase("app");
            try (Connection c = pg.connect("app"); Statement s = c.createStatement()) {
                s.execute(files.legacySql(scale));
                s.execute(files.read("target.sql"));
            }
            Map<String, String> env = Map.of("SHIFTLOG_SOURCE_URL", url, "SHIFTLOG_SOURCE_USER", EmbeddedPostgresServer.USER,
                    "SHIFTLOG_SOURCE_PASSWORD", EmbeddedPostgresServer.PASSWORD, "SHIFTLOG_TARGET_URL", url,
                    "SHIFTLOG_TARGET_USER", EmbeddedPostgresServer.USER, "SHIFTLOG_TARGET_PASSWORD", EmbeddedPostgresServer.PASSWORD);
            Path run = workDir.resolve("run");
            Files.createDirectories(run);
            // the spec with the demo's values, so every step runs as the CLI command a user types
            Path specFile = run.resolve("cutover.yaml");
            Files.writeString(specFile, withValues(files.read("shiftlog.yaml"), env), StandardCharsets.UTF_8);
            MigrationDef spec = new SpecParser(Map.of()).parse(specFile);
            String f = specFile.toString();
            String w = run.toString();
            System.out.println("one PostgreSQL holds v1 and v3: " + url + "  (user " + EmbeddedPostgresServer.USER + ")");
            long v1Customers = count(pg, "v1_customers");
            long v1Orders = count(pg, "v1_orders");

            step("1. backup before anything");
            expect(0, "backup", "-f", f, "--work-dir", w);
            step("2. plan: the v3 schema against the spec (it drifted in one place)");
            expect(2, "plan", "-f", f);
            step("3. the fix the plan asks for (examples/cutover/fix.sql), then plan again");
            sql(pg, files.read("fix.sql"));
            expect(0, "plan", "-f", f);
            expect(0, "backup", "-f", f, "--work-dir", w);
            PostgresClientTools tools = new PostgresClientTools(null);
            List<String> noAudit = List.of(TargetBackup.AUDIT_TABLE_PATTERN);
            String beforeLoad = tools.plainDump(spec.target(), noAudit);

            step("4. load with CDC … and a failure in the middle of it");
            long landedWhenStopped = failedLoad(spec, env, workDir.resolve("failed-load"), pg, v1Orders);
            System.out.printf("simulated failure: the load stopped with %,d of %,d orders in v3%n", landedWhenStopped, v1Orders);
            // start over: the failed run's replication slot and publication go, so the next load takes a fresh snapshot
            new PostMigrationCleanup(spec, ProducerStage.captureName(spec)).dropCapture();

            step("5. restore the backup taken before the load");
            expect(0, "restore", "-f", f, "--work-dir", w);
            String afterRestore = tools.plainDump(spec.target(), noAudit);
            Path dumps = Files.createDirectories(run.resolve("dumps"));
            Files.writeString(dumps.resolve("before-load.sql"), beforeLoad, StandardCharsets.UTF_8);
            Files.writeString(dumps.resolve("after-restore.sql"), afterRestore, StandardCharsets.UTF_8);
            boolean identical = beforeLoad.equals(afterRestore);
            System.out.println("pg_dump before the load and after the restore: " + (identical ? "identical" : "DIFFERENT") + " ("
                    + beforeLoad.length() + " bytes; both in " + dumps + ")");
            if (!identical) {
                return fail("the restore did not give back the database as it was before the load");
            }

            step("6. load again, CDC running");
            try (KafkaEndpoint kafka = KafkaEndpoint.open(spec, env, run); Pipeline pipeline = new Pipeline()) {
                pipeline.start(spec, kafka, run, EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
                awaitRows(pg, pipeline, v1Customers, v1Orders);
                System.out.printf("v3 holds %,d customers and %,d orders%n", count(pg, "customers"), count(pg, "orders"));
                step("7. verify");
                expect(0, "verify", "-f", f, "--work-dir", w);
                step("8. the application keeps writing v1 (examples/cutover/edits.sql) until the cutover; CDC carries it over");
                sql(pg, files.read("edits.sql"));
                step("9. cutover: wait for the slot to pass the last write, zero lag, verify, ready the target");
                expect(0, "cutover", "-f", f, "--work-dir", w, "--timeout", "PT3M");
            }
            try (Connection c = pg.connect("app"); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                try (ResultSet rs = s.executeQuery("INSERT INTO customers (legacy_id, full_name) VALUES (-1, 'the application') RETURNING id")) {
                    rs.next();
                    System.out.println("the application's first INSERT into customers gets id " + rs.getLong(1)
                            + " — past every migrated id (rolled back)");
                }
                c.rollback();
            }
            step("10. cleanup --confirm: the v1 tables (backed up first) and the replication slot go");
            expect(0, "cleanup", "--confirm", "-f", f, "--work-dir", w);
            step("11. final backup");
            expect(0, "backup", "-f", f, "--work-dir", w);
            step("12. the migration report (cutover wrote it too, into " + run.resolve("reports") + ")");
            expect(0, "report", "-f", f, "--work-dir", w);
            System.out.println("demo OK: the S5 runbook ran end to end; every step is in the audit trail (shiftlog_runs)");
            return 0;
        } catch (StepFailed e) {
            return fail(e.getMessage());
        }
    }

    /** Loads until some orders are in v3, then stops everything at once, as a crash would. */
    private long failedLoad(MigrationDef spec, Map<String, String> env, Path dir, EmbeddedPostgresServer pg, long orders) throws Exception {
        KafkaEndpoint kafka = KafkaEndpoint.open(spec, env, dir);
        Pipeline pipeline = new Pipeline();
        try {
            pipeline.start(spec, kafka, dir, EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            long deadline = System.nanoTime() + timeout.toNanos();
            long landed = 0;
            while (landed == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                landed = count(pg, "orders");
            }
            return Math.min(landed, orders);
        } finally {
            pipeline.close();
            kafka.close();
        }
    }

    private void awaitRows(EmbeddedPostgresServer pg, Pipeline pipeline, long customers, long orders) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count(pg, "customers") < customers || count(pg, "orders") < orders) {
            if (pipeline.anyStopped().isDone()) {
                pipeline.anyStopped().get();
            }
            if (System.nanoTime() > deadline) {
                throw new StepFailed("the load did not finish within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(500);
        }
    }

    private static void step(String title) {
        System.out.println();
        System.out.println("== " + title);
    }

    /** Runs one CLI command in this process and insists on its exit code. */
    private static void expect(int exitCode, String... args) {
        System.out.println("$ shiftlog " + String.join(" ", args));
        int got = Main.execute(args);
        if (got != exitCode) {
            throw new StepFailed("'shiftlog " + args[0] + "' exited " + got + ", not " + exitCode);
        }
    }

    private static void sql(EmbeddedPostgresServer pg, String sql) throws Exception {
        try (Connection c = pg.connect("app"); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long count(EmbeddedPostgresServer pg, String table) throws Exception {
        try (Connection c = pg.connect("app"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The spec text with the demo's values for its {@code ${SHIFTLOG_…}} variables (defaults where the demo has none), passwords left out. */
    static String withValues(String spec, Map<String, String> env) {
        Matcher m = VARIABLE.matcher(spec);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            String fallback = m.group(2) == null ? "" : m.group(2).substring(2);
            // a password stays a reference (the parser refuses one written into a file); the embedded server trusts
            // local connections, so the empty default does
            String replacement = m.group(1).endsWith("_PASSWORD") ? "${" + m.group(1) + ":-}" : value != null ? value : fallback;
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static int fail(String why) {
        System.out.println("demo FAILED: " + why);
        return 1;
    }

    /** A step that did not do what the runbook expects. */
    private static final class StepFailed extends RuntimeException {
        StepFailed(String message) {
            super(message);
        }
    }
}
