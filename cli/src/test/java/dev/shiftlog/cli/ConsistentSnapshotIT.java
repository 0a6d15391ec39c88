package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.producer.ProducerStage;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.cli.SourceTopicLog.Change;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chunked snapshot against a legacy database that keeps changing while it is read: every committed change is
 * in the log exactly once (none lost between the snapshot and the stream, none applied twice), every row is read
 * by exactly one chunk, and the target equals the legacy rows at the end. The expected values come from the legacy
 * database (plain SQL) and from a counter each update increments, never from shiftlog.
 */
class ConsistentSnapshotIT {
    private static final int COUNTERS = 100_000;
    private static final String SPEC = """
            migration: consistent
            source: { url: "${SHIFTLOG_SOURCE_URL}", user: "${SHIFTLOG_SOURCE_USER}", password: "${SHIFTLOG_SOURCE_PASSWORD}" }
            target: { url: "${SHIFTLOG_TARGET_URL}", user: "${SHIFTLOG_TARGET_USER}", password: "${SHIFTLOG_TARGET_PASSWORD}" }
            kafka: { bootstrap-servers: "${SHIFTLOG_BOOTSTRAP_SERVERS}", partitions: 4 }
            tables:
              - target: counters_new
                source: counters
                columns: { n: n, note: note }
              - target: pairs_new
                source: pairs
                columns: { a: a, b: b, v: v }
              - target: events_new
                source: events
                columns: { eid: id, day: day, n: n }
            """;

    private static TestServers servers;
    private static InProcessPipeline run;
    private static final AtomicBoolean writing = new AtomicBoolean(true);
    private static final AtomicLong committed = new AtomicLong();
    private static long committedAtStart;
    private static long committedAtSnapshotEnd;
    private static Thread writer;

    @BeforeAll
    static void loadWhileWriting() throws Exception {
        servers = new TestServers("consistent-snapshot-it");
        servers.legacySql("CREATE TABLE counters (id bigint PRIMARY KEY, n bigint NOT NULL, note text);"
                + " INSERT INTO counters SELECT g, 0, 'row ' || g FROM generate_series(1, " + COUNTERS + ") g;"
                + " CREATE TABLE pairs (a int, b text, v int NOT NULL, PRIMARY KEY (a, b));"
                + " INSERT INTO pairs SELECT g / 10, 'b' || (g % 10), 0 FROM generate_series(1, 20000) g;"
                + " CREATE TABLE events (id bigint, day date, n int NOT NULL, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);"
                + " CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');"
                + " CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
                + " INSERT INTO events SELECT g, date '2023-06-01' + (g % 400), 0 FROM generate_series(1, 30000) g;"
                + "");
        servers.legacySql("VACUUM ANALYZE");
        servers.targetSql("CREATE TABLE counters_new (id uuid PRIMARY KEY, legacy_id bigint NOT NULL UNIQUE, n bigint, note text);"
                + " CREATE TABLE pairs_new (id uuid PRIMARY KEY, legacy_id text NOT NULL UNIQUE, a int, b text, v int);"
                + " CREATE TABLE events_new (id uuid PRIMARY KEY, legacy_id text NOT NULL UNIQUE, eid bigint, day date, n int);");
        writer = new Thread(ConsistentSnapshotIT::write, "legacy-writer");
        writer.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> committed.get() > 50);
        committedAtStart = committed.get();
        run = InProcessPipeline.start(servers, "consistent.yaml", SPEC);
        await().alias("snapshot complete").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                .until(ConsistentSnapshotIT::snapshotComplete);
        committedAtSnapshotEnd = committed.get();
        Thread.sleep(3_000); // and some more changes after it, streamed
        writing.set(false);
        writer.join();
    }

    @AfterAll
    static void stop() throws Exception {
        writing.set(false);
        if (run != null) {
            run.close();
        }
        servers.close();
    }

    /** Random single-statement transactions: increments, inserts, deletes and key changes, in all three tables. */
    private static void write() {
        Random random = new Random(42);
        long nextCounter = 1_000_000;
        long nextEvent = 1_000_000;
        try (Connection c = servers.legacy.connect("legacy"); Statement s = c.createStatement()) {
            while (writing.get()) {
                long id = 1 + random.nextInt(COUNTERS);
                String sql = switch (random.nextInt(8)) {
                    case 0, 1, 2 -> "UPDATE counters SET n = n + 1 WHERE id = " + id;
                    case 3 -> "INSERT INTO counters VALUES (" + nextCounter++ + ", 0, 'new')";
                    case 4 -> "DELETE FROM counters WHERE id = " + id;
                    case 5 -> "UPDATE counters SET id = id + 2000000 WHERE id = " + id;
                    case 6 -> "UPDATE pairs SET v = v + 1 WHERE a = " + (id % 2000) + " AND b = 'b" + (id % 10) + "'";
                    default -> random.nextBoolean() ? "INSERT INTO events VALUES (" + nextEvent++ + ", date '2024-02-02', 0)"
                            // a change of partition: the row moves from one leaf to the other
                            : "UPDATE events SET day = day + 365, n = n + 1 WHERE id = " + (id % 30000) + " AND day < '2024-01-01'";
                };
                s.execute(sql);
                committed.incrementAndGet();
            }
        } catch (Exception e) {
            throw new IllegalStateException("the legacy writer failed", e);
        }
    }

    private static boolean snapshotComplete() {
        try {
            return ProducerStage.snapshotComplete(run.spec, run.kafka.clientConfig());
        } catch (RuntimeException e) {
            return false; // the topic does not exist yet
        }
    }

    private static Map<String, List<Change>> log(String table) {
        return SourceTopicLog.read(run.kafka.clientConfig(), run.kafka.registry(), new TopicNames("consistent").source("public", table));
    }

    @Test
    void theSnapshotRanWhileTheLegacyDatabaseChanged() {
        assertThat(committedAtSnapshotEnd - committedAtStart).as("legacy transactions committed while the snapshot ran").isPositive();
    }

    @Test
    void everyChangeIsInTheLogExactlyOnceAndEveryRowIsReadByOneChunk() throws Exception {
        Map<String, List<Change>> log = log("counters");
        Map<String, Long> legacy = new TreeMap<>();
        try (Connection c = servers.legacy.connect("legacy"); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT id, n FROM counters")) {
            while (rs.next()) {
                legacy.put("{\"id\": " + rs.getLong(1) + "}", rs.getLong(2));
            }
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<Change>> e : log.entrySet()) {
            List<Change> changes = e.getValue();
            if (changes.stream().map(Change::partition).distinct().count() > 1) {
                problems.add(e.getKey() + ": records in several partitions " + changes);
            }
            long reads = changes.stream().filter(ch -> ch.op().equals("r")).count();
            if (reads > 1) {
                problems.add(e.getKey() + ": read " + reads + " times by the snapshot");
            }
            if (reads == 1 && !changes.get(0).op().equals("r")) {
                problems.add(e.getKey() + ": a streamed change before its snapshot row: " + ops(changes));
            }
            Long previous = null;
            for (Change ch : changes) {
                if (ch.value() == null) {
                    previous = null;
                    continue;
                }
                long n = (Long) ch.value().get("n");
                // an update adds 1 to n: a gap is a lost change, a repeat a change applied twice
                if (ch.op().equals("u") && previous != null && n != previous + 1) {
                    problems.add(e.getKey() + ": n went from " + previous + " to " + n + " in " + ops(changes));
                }
                previous = n;
            }
            Change last = changes.get(changes.size() - 1);
            Long expected = legacy.get(e.getKey());
            Long actual = last.value() == null ? null : (Long) last.value().get("n");
            if (!java.util.Objects.equals(expected, actual)) {
                problems.add(e.getKey() + ": the log ends at n=" + actual + ", the legacy row has n=" + expected);
            }
            if (problems.size() > 20) {
                break;
            }
        }
        legacy.keySet().stream().filter(k -> !log.containsKey(k)).limit(10).forEach(k -> problems.add(k + ": a legacy row the log never had"));
        assertThat(problems).as("the counters log against the legacy rows").isEmpty();
        assertThat(log.values().stream().filter(l -> l.stream().anyMatch(ch -> ch.op().equals("u"))).count())
                .as("keys with streamed updates").isGreaterThan(10);

        for (String table : List.of("pairs", "events")) {
            assertThat(SourceTopicLog.snapshotRowsSentAgain(log(table))).as(table + " rows the snapshot read twice").isZero();
        }
    }

    @Test
    void theTargetEqualsTheLegacyRows() throws Exception {
        run.awaitEqual("counters", () -> servers.legacyRows("SELECT id::text, n::text, note FROM counters"),
                () -> servers.targetRows("SELECT legacy_id::text AS id, n::text, note FROM counters_new"), Duration.ofMinutes(3));
        run.awaitEqual("pairs", () -> servers.legacyRows("SELECT a || '|' || b AS k, v::text FROM pairs"),
                () -> servers.targetRows("SELECT a || '|' || b AS k, v::text FROM pairs_new"), Duration.ofMinutes(2));
        run.awaitEqual("events", () -> servers.legacyRows("SELECT id || '|' || day AS k, n::text FROM events"),
                () -> servers.targetRows("SELECT eid || '|' || day AS k, n::text FROM events_new"), Duration.ofMinutes(2));
    }

    private static String ops(List<Change> changes) {
        return changes.stream().map(ch -> ch.op() + (ch.value() == null ? "" : "(n=" + ch.value().get("n") + ")")).toList().toString();
    }
}
