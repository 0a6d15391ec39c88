package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shiftlog.testkit.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * {@code demo --example cutover --once} (S5) end to end, then checked from outside: the database the demo leaves
 * behind is started again, v1 is regenerated beside v3 by the example's own SQL (its generator is seeded) plus the
 * edits the demo made during CDC, and every v3 row is compared with a plain-SQL rendering of it; the demo's two
 * dumps (before the load, after the restore) are compared byte for byte here; the identity columns are past the
 * migrated ids; the v1 tables are gone.
 */
class CutoverExampleIT {
    private static final Path WORK = Path.of("target/demo-it-cutover");

    @Test
    void shouldRunTheS5RunbookAndLeaveV3ExactlyAsV1Said() throws Exception {
        CliRun run = CliRun.of("demo", "--example", "cutover", "--once", "--work-dir", WORK.toString());
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("pg_dump before the load and after the restore: identical")
                .containsPattern("simulated failure: the load stopped with [0-9,]+ of 10,000 orders in v3")
                .contains("SYNC POINT: legacy LSN").contains("demo OK: the S5 runbook ran end to end");
        assertThat(run.err()).as("plan reported the drift").contains("customers").contains("tier");

        Path dumps = WORK.resolve("run/dumps");
        assertThat(Files.readAllBytes(dumps.resolve("after-restore.sql"))).as("the restore gave back the pre-load database")
                .isEqualTo(Files.readAllBytes(dumps.resolve("before-load.sql")));

        ExampleFiles example = new ExampleFiles("cutover");
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(WORK.resolve("pg"))) {
            pg.createDatabase("oracle");
            try (Connection oracle = pg.connect("oracle"); Statement s = oracle.createStatement()) {
                s.execute(example.legacySql(1));
                s.execute(example.read("edits.sql"));
            }
            try (Connection oracle = pg.connect("oracle"); Connection app = pg.connect("app")) {
                RowsAsText expected = RowsAsText.query(oracle, """
                        SELECT 'customer ' || id, id::text, trim(name), lower(email), 'standard', created::text FROM v1_customers
                        UNION ALL
                        SELECT 'order ' || id, id::text, customer_id::text, (amount * 100)::bigint::text,
                          CASE WHEN status IS NULL THEN 'new' WHEN lower(status) IN ('new', 'paid', 'shipped') THEN lower(status)
                               ELSE 'other' END, placed_at::text FROM v1_orders""");
                RowsAsText actual = RowsAsText.query(app, """
                        SELECT 'customer ' || legacy_id, id::text, full_name, email, tier, created_at::text FROM customers
                        UNION ALL
                        SELECT 'order ' || legacy_id, id::text, customer_id::text, amount_cents::text, status, placed_at::text FROM orders""");
                assertThat(expected.diff(actual)).as("v3 against plain SQL over v1").isEmpty();

                assertThat(TestServers.scalar(app, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'v1\\_%'")).as("v1 dropped").isZero();
                try (Statement s = app.createStatement()) {
                    app.setAutoCommit(false);
                    for (String insert : new String[] {"INSERT INTO customers (legacy_id, full_name) VALUES (-1, 'app')",
                            "INSERT INTO orders (legacy_id, customer_id, status) VALUES (-1, 1, 'new')"}) {
                        s.execute(insert); // the identity is past the migrated ids: no collision
                    }
                    app.rollback();
                }
                assertThat(TestServers.scalar(app, "SELECT count(DISTINCT event) FROM shiftlog_runs WHERE event IN "
                        + "('backup', 'restore', 'verify', 'cutover', 'cleanup')")).as("each step audited").isEqualTo(5);
            }
        }
    }
}
