package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code shiftlog plan} on real catalogs: good specs print the plan, bad ones every error and touch nothing (issue 2). */
class PlanIT {
    private static TestServers servers;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("plan-it");
        servers.legacySql(ItemsScenario.LEGACY_DDL);
        servers.targetSql(ItemsScenario.TARGET_DDL);
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    /** The spec with its ${...} references given the test's values, since the CLI reads the real environment. */
    private Path specFile(String name, String yaml) throws Exception {
        return servers.specWithValues(yaml, name);
    }

    private static List<String> lines(String text) {
        return Arrays.stream(text.split("\n")).filter(l -> !l.isBlank()).toList();
    }

    @Test
    void shouldPrintTheTablePlanForAValidSpec() throws Exception {
        Path file = specFile("good.yaml", ItemsScenario.SPEC);

        CliRun run = CliRun.of("plan", "-f", file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("public.items ──▶ items_new  (id uuid5 into id, legacy key in legacy_id, 14 column(s))")
                .contains("tables in landing order")
                .contains("topics items.src.public.items → items.out.items_new")
                .contains("target schema against the spec: 0 warning(s), 1 note(s)")
                .contains(":14:5: note: target column 'items_new.migrated' is not filled by the spec; it gets its default")
                .contains("plan OK: 1 table(s), no errors");
    }

    @Test
    void shouldReportUnknownKeysAndBadIdStrategiesAsFileLineColumn() throws Exception {
        String yaml = ItemsScenario.SPEC.replace("    id: uuid5\n", "    id: uuid9\n    primary: id\n");
        Path file = specFile("bad-shape.yaml", yaml);

        CliRun run = CliRun.of("plan", "-f", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(lines(run.err())).containsExactly(
                file + ":17:5: unknown key 'primary' in table mapping; allowed keys: " + String.join(", ",
                        new java.util.TreeSet<>(dev.shiftlog.schemas.spec.SpecKeys.names(dev.shiftlog.schemas.spec.SpecKey.Block.TABLE))),
                file + ":16:9: unknown id strategy 'uuid9'; allowed: preserve, uuid5, uuid7, cuid2, target",
                "2 error(s) in " + file + "; nothing was written");
        assertNothingWritten();
    }

    @Test
    void shouldReportUnknownColumnsAndBadExpressionsAgainstTheCatalogs() throws Exception {
        String yaml = ItemsScenario.SPEC.replace("      flag: flag\n", "      flag: flagg\n")
                .replace("shout: { expr: \"name + '!'\" }", "shout: { expr: \"name * 2\" }")
                .replace("      qty: qty\n", "      quantity: qty\n");
        Path file = specFile("bad-columns.yaml", yaml);

        CliRun run = CliRun.of("plan", "-f", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        List<String> errors = lines(run.err());
        assertThat(errors).hasSize(4);
        assertThat(errors.get(0)).startsWith(file + ":19:22: expression for 'items_new.shout' does not compile: found no matching overload for '_*_'");
        assertThat(errors.get(1)).isEqualTo(file + ":25:13: unknown column 'flagg' in source table 'public.items'; columns are "
                + "[id, name, amount, price, created_at, local_at, day, flag, tags, payload, doc, ref, qty, ratio]");
        assertThat(errors.get(2)).startsWith(file + ":30:17: target table 'items_new' has no column 'quantity'; columns are [id, legacy_id");
        assertThat(errors.get(3)).isEqualTo("3 error(s) in " + file + "; nothing was written");
        assertNothingWritten();
    }

    @Test
    void shouldNameTheDatabaseButNotThePasswordWhenCredentialsAreWrong() throws Exception {
        servers.legacySql("DO $$BEGIN CREATE ROLE planner LOGIN PASSWORD 'Right-Pass-123'; EXCEPTION WHEN duplicate_object THEN NULL; END$$");
        requirePasswords(servers.legacy.connect("legacy"), "planner");
        String yaml = ItemsScenario.SPEC.replace("user: ${SHIFTLOG_SOURCE_USER}", "user: planner")
                .replace("password: ${SHIFTLOG_SOURCE_PASSWORD}", "password: ${PLAN_IT_UNSET:-Wrong-Pass-456}");
        Path file = specFile("bad-password.yaml", yaml);

        CliRun run = CliRun.of("plan", "-f", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("cannot connect to " + servers.legacyUrl + " as planner")
                .contains("password authentication failed").contains("check url, user and the password variable")
                .doesNotContain("Wrong-Pass-456").doesNotContain("Right-Pass-123");
    }

    @Test
    void shouldReportAWrongTargetPasswordAtTheTargetBlock() throws Exception {
        servers.targetSql("DO $$BEGIN CREATE ROLE planner LOGIN PASSWORD 'Right-Pass-123'; EXCEPTION WHEN duplicate_object THEN NULL; END$$");
        requirePasswords(servers.target.connect("app"), "planner");
        String yaml = ItemsScenario.SPEC.replace("user: ${SHIFTLOG_TARGET_USER}", "user: planner")
                .replace("password: ${SHIFTLOG_TARGET_PASSWORD}", "password: ${PLAN_IT_UNSET:-Wrong-Pass-789}");
        Path file = specFile("bad-target-password.yaml", yaml);

        CliRun run = CliRun.of("plan", "-f", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(lines(run.err()).get(0)).startsWith(file + ":7:3: cannot connect to " + servers.targetUrl).doesNotContain("Wrong-Pass-789");
    }

    @Test
    void shouldRefuseAPasswordWrittenIntoTheSpecAndALegacyKeyThatIsTheKey() throws Exception {
        String yaml = ItemsScenario.SPEC.replace("password: ${SHIFTLOG_TARGET_PASSWORD}", "password: Inline-Secret-1")
                .replace("    id: uuid5\n", "    id: uuid5\n    legacy-key: id\n");
        Path file = specFile("inline-secret.yaml", yaml);

        CliRun run = CliRun.of("plan", "-f", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(lines(run.err())).containsExactly(
                file + ":9:13: 'target.password' must come from the environment, e.g. password: ${TARGET_PASSWORD}; a password"
                        + " written into the spec ends up in version control and in every copy of the file",
                file + ":17:17: 'legacy-key: id' names the key column itself; the legacy key needs a column of its own (default"
                        + " legacy_id), or 'legacy-key: shiftlog_id_map' to keep it in shiftlog's id map (with 'id: preserve' the key"
                        + " already is the legacy key: leave legacy-key out)",
                "2 error(s) in " + file + "; nothing was written");
        assertThat(run.err()).doesNotContain("Inline-Secret-1");
    }

    @Test
    void shouldNameTheBrokerThatDoesNotAnswer() throws Exception {
        Path file = specFile("no-broker.yaml", ItemsScenario.SPEC.replace("${SHIFTLOG_BOOTSTRAP_SERVERS}", "127.0.0.1:1"));

        CliRun run = CliRun.of("up", "-f", file.toString(), "--work-dir", servers.dir.resolve("no-broker").toString(), "--http", "off",
                "--wait-for", "PT8S");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("Kafka at 127.0.0.1:1 did not answer within 8 s (--wait-for): no answer within 5 s; nothing was started")
                .doesNotContain("(null)").doesNotContain("TimeoutException");
    }

    @Test
    void shouldReportTargetSchemaDriftBeforeAnyWrite() throws Exception {
        String targetUrl = servers.target.createDatabase("drifted");
        servers.legacySql("INSERT INTO items (id, name, qty) VALUES (900001, 'a', NULL), (900002, 'b', NULL), (900003, 'c', 3)");
        try (Connection c = servers.target.connect("drifted"); Statement s = c.createStatement()) {
            s.execute(ItemsScenario.TARGET_DDL.replace("id uuid PRIMARY KEY", "id uuid NOT NULL") // no unique index on the key
                    .replace("flag boolean", "flag uuid")          // boolean never loads into uuid
                    .replace("shout text", "shout int")            // an expression's text: loads when it is a number
                    .replace("ratio double precision", "ratio int") // a double loads when it has no fraction
                    .replace("qty int", "qty int NOT NULL")        // legacy qty has NULLs
                    .replace("migrated boolean NOT NULL DEFAULT true", "migrated boolean NOT NULL DEFAULT true, region text NOT NULL, note text"));
        }
        Path file = specFile("drifted.yaml", ItemsScenario.SPEC.replace("${SHIFTLOG_TARGET_URL}", targetUrl));

        CliRun run = CliRun.of("plan", "-f", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(lines(run.err())).containsExactly(
                file + ":14:5: error: target table 'items_new' has no unique index on 'id' alone; the sink upserts with "
                        + "ON CONFLICT (id): add PRIMARY KEY or UNIQUE (id)",
                file + ":25:13: error: target column 'items_new.flag' is uuid but the mapping writes boolean (legacy column "
                        + "'items.flag' boolean); no boolean value loads into uuid, so every row would be rejected: change the "
                        + "column type or map an expression that yields uuid",
                file + ":14:5: error: target column 'items_new.region' is NOT NULL without a DEFAULT and mapping 'items' → "
                        + "'items_new' does not fill it, so every row would be rejected: map it under 'columns' or give the column a DEFAULT",
                "3 error(s) in " + file + "; nothing was written");
        assertNothingWritten();

        // with the errors fixed, the warnings remain and plan passes
        try (Connection c = servers.target.connect("drifted"); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE items_new ADD PRIMARY KEY (id); ALTER TABLE items_new ALTER flag TYPE boolean USING NULL; "
                    + "ALTER TABLE items_new ALTER region SET DEFAULT 'eu'");
        }
        CliRun fixed = CliRun.of("plan", "-f", file.toString());
        assertThat(fixed.exitCode()).as(fixed.err()).isZero();
        assertThat(lines(fixed.out())).contains(
                "target schema against the spec: 2 warning(s), 4 note(s)",
                "  " + file + ":31:14: warning: target column 'items_new.ratio' is integer but the mapping writes double "
                        + "precision (legacy column 'items.ratio' double precision); rows whose value is not valid integer input go to items.dlq",
                "  " + file + ":19:22: note: target column 'items_new.shout' is integer but the mapping writes text (expression "
                        + "name + '!'); rows whose value is not valid integer input go to items.dlq",
                "  " + file + ":30:12: warning: target column 'items_new.qty' is NOT NULL but legacy column 'items.qty' allows "
                        + "NULL (2 legacy row(s) are NULL now); those rows go to items.dlq unless you map a fallback, e.g. "
                        + "{ expr: \"qty == null ? <default> : qty\" }",
                "  " + file + ":14:5: note: target column 'items_new.migrated' is not filled by the spec; it gets its default",
                "  " + file + ":14:5: note: target column 'items_new.note' is not filled by the spec; it stays NULL");
        servers.legacySql("DELETE FROM items WHERE id > 900000");
    }

    @Test
    void shouldNameACycleAcrossTablesAndRefuseOneThatCanNeverLand() throws Exception {
        String legacyUrl = servers.legacy.createDatabase("cycle");
        String targetUrl = servers.target.createDatabase("cycle");
        try (Connection c = servers.legacy.connect("cycle"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE store (store_id int PRIMARY KEY, manager_staff_id int, name text);"
                    + " CREATE TABLE staff (staff_id int PRIMARY KEY, store_id int, name text)");
        }
        try (Connection c = servers.target.connect("cycle"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE stores (id int PRIMARY KEY, legacy_id int, manager_id int NOT NULL, name text);"
                    + " CREATE TABLE staff (id int PRIMARY KEY, legacy_id int, store_id int NOT NULL REFERENCES stores(id), name text)");
        }
        String spec = """
                migration: cycle
                source: { url: "%s", user: "${SHIFTLOG_SOURCE_USER}", password: "${SHIFTLOG_SOURCE_PASSWORD}" }
                target: { url: "%s", user: "${SHIFTLOG_TARGET_USER}", password: "${SHIFTLOG_TARGET_PASSWORD}" }
                kafka: { bootstrap-servers: "${SHIFTLOG_BOOTSTRAP_SERVERS}" }
                tables:
                  - target: stores
                    source: store
                    id: preserve
                    columns:
                      name: name
                      manager_id: { ref: staff, from: manager_staff_id }
                  - target: staff
                    source: staff
                    id: preserve
                    columns: { name: name, store_id: { ref: stores, from: store_id } }
                """.formatted(legacyUrl, targetUrl);
        Path file = specFile("cycle.yaml", spec);

        CliRun run = CliRun.of("plan", "-f", file.toString());

        assertThat(run.exitCode()).as(run.out()).isEqualTo(2);
        assertThat(lines(run.err())).contains(file + ":11:39: error: the references stores.manager_id → staff, staff.store_id → stores"
                + " form a cycle, and every one is NOT NULL in the target, so rows that reference each other can never land: make one"
                + " column nullable (e.g. ALTER TABLE staff ALTER COLUMN store_id DROP NOT NULL) and give it on-missing-parent:"
                + " land-null-then-patch");

        try (Connection c = servers.target.connect("cycle"); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE stores ALTER COLUMN manager_id DROP NOT NULL");
        }
        CliRun nullable = CliRun.of("plan", "-f", file.toString());
        assertThat(nullable.exitCode()).as(nullable.err()).isZero();
        assertThat(lines(nullable.out())).contains("  cycle stores.manager_id → staff, staff.store_id → stores  — no land-null-then-patch:"
                + " rows in a ring go to the DLQ").anyMatch(l -> l.endsWith("warning: the references stores.manager_id → staff,"
                + " staff.store_id → stores form a cycle, and no column around it has on-missing-parent: land-null-then-patch, so rows"
                + " that reference each other wait park-timeout and go to cycle.dlq: give it to stores.manager_id"))
                .anyMatch(l -> l.startsWith("  " + file + ":15:") && l.endsWith("warning: foreign key staff_store_id_fkey (staff.store_id"
                        + " → stores) has no index, so every delete of a stores row scans all of staff — under CDC deletes crawl as it"
                        + " grows: CREATE INDEX ON \"public\".\"staff\" (\"store_id\")"));

        try (Connection c = servers.target.connect("cycle"); Statement s = c.createStatement()) {
            s.execute("CREATE INDEX ON staff (store_id, name)"); // leading the index is enough
        }
        assertThat(lines(CliRun.of("plan", "-f", file.toString()).out())).noneMatch(l -> l.contains("has no index"));

        Files.writeString(file, Files.readString(file).replace("{ ref: staff, from: manager_staff_id }",
                "{ ref: staff, from: manager_staff_id, on-missing-parent: land-null-then-patch }"));
        CliRun patched = CliRun.of("plan", "-f", file.toString());
        assertThat(patched.exitCode()).as(patched.err()).isZero();
        assertThat(lines(patched.out())).contains("  cycle stores.manager_id → staff, staff.store_id → stores  — lands NULL then patched:"
                + " stores.manager_id", "      manager_id ← store.manager_staff_id: waits for staff, lands NULL then patched after 10m")
                .noneMatch(l -> l.contains("form a cycle"));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"coaching", "dispatch", "casetracker"})
    void shouldPlanEveryExampleWithItsTablesInLandingOrder(String example) throws Exception {
        ExampleFiles files = new ExampleFiles(example);
        String legacyUrl = servers.legacy.createDatabase("plan_" + example);
        String targetUrl = servers.target.createDatabase("plan_" + example);
        try (Connection c = servers.legacy.connect("plan_" + example); Statement s = c.createStatement()) {
            s.execute(files.read("legacy.sql"));
        }
        if (files.has("target.sql")) { // casetracker writes JSON Lines files
            try (Connection c = servers.target.connect("plan_" + example); Statement s = c.createStatement()) {
                s.execute(files.read("target.sql"));
            }
        }
        String yaml = files.read("shiftlog.yaml").replace("${SHIFTLOG_SOURCE_URL}", legacyUrl).replace("${SHIFTLOG_TARGET_URL}", targetUrl)
                .replace("${SHIFTLOG_SOURCE_PASSWORD}", "${SHIFTLOG_SOURCE_PASSWORD:-x}").replace("${SHIFTLOG_TARGET_PASSWORD}", "${SHIFTLOG_TARGET_PASSWORD:-x}");
        Path file = servers.dir.resolve(example + ".yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);

        CliRun run = CliRun.of("plan", "-f", file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("plan OK: ").containsPattern(example.equals("casetracker")
                ? "target: one JSON Lines file per table in .*out/casetracker \\(userProfiles.jsonl, cases.jsonl\\)"
                : "target schema (matches the spec|against the spec)");
        if (example.equals("dispatch")) {
            List<String> order = lines(run.out()).stream().filter(l -> l.contains("──▶")).map(l -> l.trim().split(" ")[2]).toList();
            assertThat(order).as("each table after the ones it waits for (comments: its order, and its own thread)")
                    .containsExactly("offices", "profiles", "doctors", "patients", "orders", "comments");
            assertThat(run.out()).contains("──▶ patients  (id uuid5 into id, legacy key in legacy_patient_id, 6 column(s))\n"
                            + "      doctor_id ← dispatch_patient.doctor_id: waits for doctors, to the DLQ after 15s")
                    .contains("      parent_id ← dispatch_comment.parent_id: waits for comments (a tree: parents before children),"
                            + " to the DLQ after 15s\n      order_id ← dispatch_comment.order_id: waits for orders, to the DLQ after 15s");
        }
    }

    /** Switches the role to scram authentication: zonky's servers trust every local connection by default. */
    static void requirePasswords(Connection superuser, String role) throws Exception {
        try (superuser; Statement s = superuser.createStatement();
             ResultSet rs = s.executeQuery("SHOW hba_file")) {
            rs.next();
            Path hba = Path.of(rs.getString(1));
            String current = Files.readString(hba);
            String rule = "host all " + role + " 127.0.0.1/32 scram-sha-256\n";
            if (!current.contains(rule)) {
                Files.writeString(hba, rule + current);
            }
            s.execute("SELECT pg_reload_conf()");
        }
    }

    /** Plan is read-only: no replication slot or publication in the legacy database, no topics in Kafka. */
    private void assertNothingWritten() throws Exception {
        try (Connection c = servers.legacy.connect("legacy"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM pg_replication_slots) + (SELECT count(*) FROM pg_publication)")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers.kafka.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).isEmpty();
        }
    }
}
