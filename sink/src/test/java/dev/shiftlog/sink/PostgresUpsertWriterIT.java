package dev.shiftlog.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import dev.shiftlog.schemas.spec.TableMappingDef;
import dev.shiftlog.testkit.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writer against a real PostgreSQL: which refusals it holds for later (an order the partitions cannot promise)
 * and which it sends to the DLQ at once. Expected rows are literal; the target is read back with plain SQL.
 */
class PostgresUpsertWriterIT {
    private static final String SPEC = """
            migration: w
            source: { url: "jdbc:postgresql://localhost:1/legacy", user: u, password: "${NO_SUCH_VAR:-x}" }
            target: { url: "jdbc:postgresql://localhost:1/target", user: u, password: "${NO_SUCH_VAR:-x}" }
            kafka: { bootstrap-servers: "localhost:1" }
            tables:
              - target: nodes_new
                source: nodes
                columns: { name: name, kind: kind, parent_id: { ref: nodes_new, from: parent_id } }
            """;
    private static final UUID X = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID Y = UUID.fromString("00000000-0000-0000-0000-00000000000b");
    private static final UUID C = UUID.fromString("00000000-0000-0000-0000-00000000000c");

    private static EmbeddedPostgresServer server;
    private static TableMappingDef table;
    private static dev.shiftlog.schemas.spec.ConnectionDef target;
    private static Connection connection;
    private static PostgresUpsertWriter writer;
    private static Schema rowSchema;
    private long offset;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "writer-it-");
        server = EmbeddedPostgresServer.start(dir);
        server.createDatabase("target");
        MigrationDef spec = new SpecParser(Map.of()).parse("writer.yaml", SPEC);
        table = spec.tables().get(0);
        target = spec.target();
        connection = server.connect("target");
        writer = new PostgresUpsertWriter("w", spec.target(), connection, false);
        rowSchema = SchemaBuilder.record("nodes_new").namespace("shiftlog.w.out").fields()
                .requiredString(table.key()).requiredInt(table.legacyKey()).optionalString("name").optionalInt("kind")
                .optionalString("parent_id").endRecord();
    }

    @AfterAll
    static void stop() throws Exception {
        connection.close();
        server.close();
    }

    @BeforeEach
    void freshTables() throws Exception {
        try (Statement s = connection.createStatement()) {
            s.execute("DROP TABLE IF EXISTS nodes_new, kinds");
            s.execute("CREATE TABLE kinds (code int PRIMARY KEY)");
            s.execute("INSERT INTO kinds VALUES (1)");
            s.execute("CREATE TABLE nodes_new (" + table.key() + " uuid PRIMARY KEY, " + table.legacyKey() + " int NOT NULL UNIQUE,"
                    + " name text, kind int REFERENCES kinds(code), parent_id uuid REFERENCES nodes_new(" + table.key() + "))");
            s.execute("INSERT INTO nodes_new VALUES ('" + Y + "', 2, 'y', 1, NULL), ('" + C + "', 3, 'c', 1, '" + Y + "')");
        }
        connection.commit();
    }

    @Test
    void aRowWhoseParentWasDeletedSinceIsHeldAndLandsWhenTheParentIsBack() throws Exception {
        TableBatch batch = batch(row(C, 3, "c2", 1, X));
        PostgresUpsertWriter.Outcome outcome = writer.write(List.of(batch), t -> table, List.of("nodes_new"));

        assertThat(outcome.rejected()).as("nothing rejected").isEmpty();
        assertThat(outcome.held()).extracting(c -> c.value().get("name").toString()).containsExactly("c2");
        assertThat(rows()).as("the target keeps the landed version meanwhile")
                .containsExactly("2|y|1|null", "3|c|1|" + Y);
        assertThat((Throwable) writer.refusalOf(outcome.held().get(0), table)).hasMessageContaining("nodes_new_parent_id_fkey");

        try (Statement s = connection.createStatement()) {
            s.execute("INSERT INTO nodes_new VALUES ('" + X + "', 1, 'x', 1, NULL)");
        }
        connection.commit();
        assertThat(writer.retryHeld(outcome.held(), t -> table, List.of("nodes_new"))).hasSize(1);
        assertThat(rows()).containsExactly("1|x|1|null", "2|y|1|null", "3|c2|1|" + X);
    }

    @Test
    void aRowRefusedByAForeignKeyTheSpecDoesNotDeclareGoesToTheDlqAtOnce() throws Exception {
        TableBatch batch = batch(row(UUID.fromString("00000000-0000-0000-0000-000000000004"), 4, "first", 1, null),
                row(UUID.fromString("00000000-0000-0000-0000-000000000005"), 5, "bad kind", 99, null),
                row(UUID.fromString("00000000-0000-0000-0000-000000000006"), 6, "last", 1, Y));
        PostgresUpsertWriter.Outcome outcome = writer.write(List.of(batch), t -> table, List.of("nodes_new"));

        assertThat(outcome.held()).isEmpty();
        assertThat(outcome.rejected()).extracting(r -> r.legacyKey() + " " + r.rule()).containsExactly("5 target constraint nodes_new_kind_fkey");
        assertThat(rows()).containsExactly("2|y|1|null", "3|c|1|" + Y, "4|first|1|null", "6|last|1|" + Y);
    }

    @Test
    void refusedRowsFirstInTheMiddleAndLastOfALargeBatchAreFoundByHalvingNotOneByOne() throws Exception {
        int n = 20_000;
        List<GenericRecord> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean bad = i == 0 || i == n / 2 || i == n - 1;
            rows.add(row(new UUID(1, i), 1000 + i, "n" + i, bad ? 99 : 1, i % 3 == 0 ? Y : null));
        }
        PostgresUpsertWriter.Outcome outcome = writer.write(List.of(batch(rows.toArray(GenericRecord[]::new))), t -> table, List.of("nodes_new"));

        assertThat(outcome.held()).isEmpty();
        assertThat(outcome.rejected()).extracting(r -> r.legacyKey() + " " + r.rule()).containsExactly(
                "1000 target constraint nodes_new_kind_fkey", (1000 + n / 2) + " target constraint nodes_new_kind_fkey",
                (1000 + n - 1) + " target constraint nodes_new_kind_fkey");
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE parent_id IS NOT NULL), min(" + table.legacyKey()
                     + "), max(" + table.legacyKey() + ") FROM nodes_new WHERE " + table.legacyKey() + " >= 1000")) {
            rs.next();
            assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
                    .as("every other row landed: count, with a parent, lowest and highest legacy key")
                    .containsExactly(19_997L, 6_666L, 1001L, 20_998L); // 6,667 multiples of 3 below 20,000, less refused row 0
        }
        connection.commit();
        assertThat(writer.lastIsolationWrites).as("set-based writes to find 3 refused rows among %d", n).isLessThan(150);
    }

    @Test
    void aDeleteOfARowStillReferencedIsHeldAndGoesThroughOnceTheChildMoved() throws Exception {
        TableBatch batch = new TableBatch("nodes_new");
        batch.add(key(Y), null, "w.out.nodes_new", 0, offset++, 0L);
        PostgresUpsertWriter.Outcome outcome = writer.write(List.of(batch), t -> table, List.of("nodes_new"));

        assertThat(outcome.rejected()).isEmpty();
        assertThat(outcome.held()).hasSize(1);
        assertThat(rows()).containsExactly("2|y|1|null", "3|c|1|" + Y);
        assertThat(writer.write(List.of(batch(row(C, 3, "c", 1, null))), t -> table, List.of("nodes_new")).held()).isEmpty();
        assertThat(writer.retryHeld(outcome.held(), t -> table, List.of("nodes_new"))).hasSize(1);
        assertThat(rows()).containsExactly("3|c|1|null");
    }

    @Test
    void heldDeletesAreRetriedTogetherAndExactlyTheUnreferencedOnesGo() throws Exception {
        int n = 200;
        try (Statement s = connection.createStatement()) { // n parents (legacy 1000..) each with one child (legacy 5000..)
            s.execute("INSERT INTO nodes_new SELECT ('00000000-0000-0000-0001-' || lpad(g::text, 12, '0'))::uuid, 1000 + g, 'p', 1, NULL"
                    + " FROM generate_series(0, " + (n - 1) + ") g");
            s.execute("INSERT INTO nodes_new SELECT ('00000000-0000-0000-0002-' || lpad(g::text, 12, '0'))::uuid, 5000 + g, 'c', 1,"
                    + " ('00000000-0000-0000-0001-' || lpad(g::text, 12, '0'))::uuid FROM generate_series(0, " + (n - 1) + ") g");
        }
        connection.commit();
        TableBatch deletes = new TableBatch("nodes_new");
        for (int i = 0; i < n; i++) {
            deletes.add(key(UUID.fromString(String.format("00000000-0000-0000-0001-%012d", i))), null, "w.out.nodes_new", 0, offset++, 0L);
        }
        writer.lastIsolationWrites = 0;
        PostgresUpsertWriter.Outcome outcome = writer.write(List.of(deletes), t -> table, List.of("nodes_new"));
        assertThat(outcome.held()).as("every parent is still referenced").hasSize(n);
        assertThat(writer.lastIsolationWrites).as("found by asking, not by refused writes").isZero();

        try (Statement s = connection.createStatement()) { // the children of every third parent move away
            s.execute("UPDATE nodes_new SET parent_id = NULL WHERE legacy_id >= 5000 AND (legacy_id - 5000) % 3 = 0");
        }
        connection.commit();
        List<TableBatch.Change> done = writer.retryHeld(outcome.held(), t -> table, List.of("nodes_new"));

        assertThat(done).as("the deletes of the parents no child references any more").hasSize(67);
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE (legacy_id - 1000) % 3 = 0) FROM nodes_new"
                     + " WHERE legacy_id BETWEEN 1000 AND 4999")) {
            rs.next();
            assertThat(List.of(rs.getLong(1), rs.getLong(2))).as("parents left, of them with a moved child").containsExactly(133L, 0L);
        }
        connection.commit();
    }

    @Test
    void aTreeDeletedInOneBatchGoesWholeAndADeleteOfARowThatIsGoneIsNotHeld() throws Exception {
        TableBatch batch = new TableBatch("nodes_new");
        batch.add(key(Y), null, "w.out.nodes_new", 0, offset++, 0L); // the parent first, its child after it
        batch.add(key(C), null, "w.out.nodes_new", 0, offset++, 0L);
        batch.add(key(X), null, "w.out.nodes_new", 0, offset++, 0L); // never landed

        PostgresUpsertWriter.Outcome outcome = writer.write(List.of(batch), t -> table, List.of("nodes_new"));

        assertThat(outcome.held()).isEmpty();
        assertThat(outcome.rejected()).isEmpty();
        assertThat(rows()).isEmpty();
    }

    /**
     * A table empty when a writer first meets it takes its rows by plain COPY (the initial load's fast path) until a
     * row meets an existing key; refused rows in such a COPY still go to the DLQ one by one, the others land. Which
     * statement wrote each row is told by a trigger that records the top-level statement.
     */
    @Test
    void aTableEmptyWhenFirstMetTakesPlainCopiesUntilARowMeetsAnExistingKey() throws Exception {
        try (Connection own = server.connect("target")) {
            try (Statement s = own.createStatement()) {
                s.execute("DELETE FROM nodes_new WHERE parent_id IS NOT NULL; DELETE FROM nodes_new;"
                        + " DROP TABLE IF EXISTS writes; CREATE TABLE writes (legacy int, statement text);"
                        + " CREATE OR REPLACE FUNCTION note_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + "   INSERT INTO writes VALUES (NEW." + table.legacyKey() + ", split_part(current_query(), ' ', 1)); RETURN NEW; END $$;"
                        + " CREATE TRIGGER note_write BEFORE INSERT OR UPDATE ON nodes_new FOR EACH ROW EXECUTE FUNCTION note_write()");
            }
            PostgresUpsertWriter fresh = new PostgresUpsertWriter("w", target, own, false);
            java.util.function.Supplier<List<String>> writes = () -> {
                List<String> out = new ArrayList<>();
                try (Statement s = own.createStatement(); ResultSet rs = s.executeQuery("SELECT legacy || ' ' || statement FROM writes")) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                    s.execute("TRUNCATE writes");
                    own.commit();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
                return out;
            };
            PostgresUpsertWriter.Outcome first = fresh.write(List.of(batch(row(new UUID(2, 1), 1, "bad first", 99, null),
                    row(new UUID(2, 2), 2, "two", 1, null), row(new UUID(2, 3), 3, "bad last", 99, null))), t -> table, List.of("nodes_new"));
            assertThat(first.rejected()).extracting(r -> r.legacyKey() + " " + r.rule())
                    .containsExactly("1 target constraint nodes_new_kind_fkey", "3 target constraint nodes_new_kind_fkey");
            assertThat(writes.get()).as("the refused rows are isolated; the row between them still goes in by COPY").containsExactly("2 COPY");

            fresh.write(List.of(batch(row(new UUID(2, 4), 4, "four", 1, null), row(new UUID(2, 5), 5, "five", 1, new UUID(2, 2)))),
                    t -> table, List.of("nodes_new"));
            assertThat(writes.get()).as("a refusal that is no existing key keeps the plain COPY").containsExactlyInAnyOrder("4 COPY", "5 COPY");

            fresh.write(List.of(batch(row(new UUID(2, 5), 5, "five again", 1, null), row(new UUID(2, 6), 6, "six", 1, null))),
                    t -> table, List.of("nodes_new"));
            assertThat(writes.get()).as("an existing key rolls the COPY back and merges").contains("5 INSERT", "6 INSERT")
                    .doesNotContain("5 COPY", "6 COPY");
            fresh.write(List.of(batch(row(new UUID(2, 7), 7, "seven", 1, null))), t -> table, List.of("nodes_new"));
            assertThat(writes.get()).as("and merges from then on").containsExactly("7 INSERT");
            try (Statement s = own.createStatement()) {
                s.execute("DROP TRIGGER note_write ON nodes_new");
            }
            own.commit();
        }
        assertThat(rows()).containsExactly("2|two|1|null", "4|four|1|null", "5|five again|1|null", "6|six|1|null", "7|seven|1|null");
    }

    private TableBatch batch(GenericRecord... rows) {
        TableBatch batch = new TableBatch("nodes_new");
        for (GenericRecord row : rows) {
            batch.add(RowMapper.keyOf(table, row, "w"), row, "w.out.nodes_new", 0, offset++, 0L);
        }
        return batch;
    }

    private GenericRecord key(UUID id) {
        GenericRecord row = row(id, 0, null, null, null);
        return RowMapper.keyOf(table, row, "w");
    }

    private static GenericRecord row(UUID id, int legacyId, String name, Integer kind, UUID parent) {
        GenericRecord r = new GenericData.Record(rowSchema);
        r.put(table.key(), id.toString());
        r.put(table.legacyKey(), legacyId);
        r.put("name", name);
        r.put("kind", kind);
        r.put("parent_id", parent == null ? null : parent.toString());
        return r;
    }

    /** The target's rows in legacy-key order as {@code legacy|name|kind|parent}. */
    private static List<String> rows() throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + table.legacyKey() + ", name, kind, parent_id FROM nodes_new ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getInt(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4));
            }
        }
        connection.commit();
        return out;
    }

    /**
     * Sink writers of one migration start together ({@code --sink-writers}, compose, restarts) and each creates the id
     * map when absent; PostgreSQL's {@code CREATE TABLE IF NOT EXISTS} alone lets one of them fail on the catalog's
     * unique index. On fresh databases, every writer must start and the id map must exist once.
     */
    @Test
    void writersStartingTogetherOnAFreshTargetAllStart() throws Exception {
        int writers = 6;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            for (int round = 0; round < 10; round++) {
                String database = "fresh" + round;
                server.createDatabase(database);
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(writers);
                List<java.util.concurrent.Future<?>> starts = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    starts.add(pool.submit(() -> {
                        try (Connection own = server.connect(database)) {
                            together.await();
                            new PostgresUpsertWriter("w", target, own, true);
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : starts) {
                    f.get(); // rethrows a writer's failure to start
                }
                try (Connection c = server.connect(database); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_class WHERE relname = '" + TableMappingDef.ID_MAP + "'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("round %d", round).isEqualTo(1);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
