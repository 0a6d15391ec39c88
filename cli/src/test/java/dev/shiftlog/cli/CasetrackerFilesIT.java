package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * S4 ({@code examples/casetracker}) writes JSON Lines files: {@code userProfiles.jsonl} and {@code cases.jsonl} equal,
 * line by line and in file order, objects PostgreSQL renders from the legacy tables with {@code jsonb_build_object}
 * (ids by the {@code uuid-ossp} extension's {@code uuid_generate_v5}), after the snapshot and after CDC edits. The
 * sink runs as its own process: killed mid-write (crash point {@code json-lines-mid-write}) it leaves the previous
 * files byte for byte and a torn temporary file; restarted, it writes the expected files; a fresh sink over the same
 * log writes byte-identical files. Python's {@code json} module (NaN refused) reads every line as one object.
 */
class CasetrackerFilesIT {
    private static final ExampleFiles FILES = new ExampleFiles("casetracker");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAMESPACE = "4f0a3c1e-9b7d-5e2a-8c41-6d2b7f9e0a13"; // shiftlog's uuid5 namespace (README)
    private static TestServers servers;
    private static InProcessPipeline upstream;
    private static Path files;
    private static Path specFile;
    private static Map<String, String> env;
    private static Process sink;

    @BeforeAll
    static void start() throws Exception {
        servers = new TestServers("casetracker-files-it");
        servers.legacySql(FILES.legacySql(1));
        servers.legacySql("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\"");
        files = servers.dir.resolve("files").toAbsolutePath();
        env = new HashMap<>(servers.env());
        env.put("SHIFTLOG_TARGET_DIR", files.toString());
        specFile = servers.specWithValues(FILES.read("shiftlog.yaml").replace("${SHIFTLOG_TARGET_DIR:-out/casetracker}", files.toString()),
                "casetracker.yaml");
        MigrationDef spec = new SpecParser(env).parse(specFile);
        upstream = InProcessPipeline.start(spec, env, servers.dir, EnumSet.of(Pipeline.Stage.PRODUCER, Pipeline.Stage.TRANSFORMER));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sink != null) {
            sink.destroyForcibly();
        }
        if (upstream != null) {
            upstream.close();
        }
        servers.close();
    }

    /** {@code shiftlog run sink} as its own JVM, as compose runs it. */
    private static Process startSink(String name, String crashAt) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", "target/classes" + File.pathSeparator + "target/lib/*",
                "dev.shiftlog.cli.Main", "run", "sink", "-f", specFile.toString(), "--work-dir", servers.dir.resolve("work-" + name).toString(),
                "--http", "off");
        pb.environment().putAll(env);
        pb.environment().put("SHIFTLOG_LOG_LEVEL", "INFO");
        if (crashAt != null) {
            pb.environment().put("SHIFTLOG_CRASH_AT", crashAt);
        }
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(servers.dir.resolve(name + ".log").toFile()));
        return pb.start();
    }

    private static void stopSink() throws Exception {
        sink.destroy();
        assertThat(sink.waitFor(60, TimeUnit.SECONDS)).as("the sink ends within 60 s of SIGTERM").isTrue();
        assertThat(sink.exitValue()).as("sink exit code after SIGTERM").isZero();
        sink = null;
    }

    /** The objects the legacy rows give, in file order (by id, bytewise), rendered by PostgreSQL alone. */
    private static Map<String, List<String>> expected() throws Exception {
        Map<String, List<String>> out = new HashMap<>();
        try (Connection c = servers.legacy.connect("legacy"); Statement s = c.createStatement()) {
            out.put("userProfiles", objects(s, """
                    WITH ids AS (SELECT id FROM users UNION SELECT user_id FROM user_settings UNION SELECT user_id FROM user_preferences),
                    rows AS (
                      SELECT uuid_generate_v5('%s', 'casetracker/userProfiles/' || ids.id)::text AS key, jsonb_build_object(
                        'id', uuid_generate_v5('%s', 'casetracker/userProfiles/' || ids.id), 'legacyId', ids.id,
                        'email', lower(u.email), 'fullName', CASE WHEN u.id IS NULL THEN NULL ELSE coalesce(u.full_name, '') END,
                        'createdAt', (extract(epoch FROM u.created_at AT TIME ZONE 'UTC') * 1000)::bigint,
                        'timezone', CASE WHEN st.user_id IS NULL THEN NULL ELSE coalesce(st.timezone, 'UTC') END,
                        'notificationsEnabled', CASE WHEN st.user_id IS NULL THEN NULL ELSE coalesce(st.notifications_enabled, true) END,
                        'language', p.language, 'theme', CASE WHEN p.user_id IS NULL THEN NULL ELSE coalesce(p.theme, 'light') END) AS o
                      FROM ids LEFT JOIN users u ON u.id = ids.id LEFT JOIN user_settings st ON st.user_id = ids.id
                      LEFT JOIN user_preferences p ON p.user_id = ids.id)
                    SELECT o::text FROM rows ORDER BY key COLLATE "C"
                    """.formatted(NAMESPACE, NAMESPACE)));
            out.put("cases", objects(s, """
                    SELECT jsonb_build_object('id', uuid_generate_v5('%s', 'casetracker/cases/' || id), 'legacyId', id,
                      'legacyUserId', user_id, 'title', title, 'amountCents', (amount * 100)::bigint,
                      'filedOn', to_char(filed_on, 'YYYY-MM-DD'),
                      'updatedAt', (extract(epoch FROM updated_at AT TIME ZONE 'UTC') * 1000)::bigint,
                      'tags', coalesce(to_jsonb(tags), '[]'), 'rfis', coalesce(rfis, '[]'), 'rfes', coalesce(rfes, '[]'))::text
                    FROM cases ORDER BY uuid_generate_v5('%s', 'casetracker/cases/' || id)::text COLLATE "C"
                    """.formatted(NAMESPACE, NAMESPACE)));
        }
        return out;
    }

    private static List<String> objects(Statement s, String sql) throws Exception {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    /** Line i of each file against object i of the rendering, as JSON values; every difference listed. */
    private static List<String> diff(Map<String, List<String>> expected) throws Exception {
        List<String> out = new ArrayList<>();
        for (var e : expected.entrySet()) {
            Path file = files.resolve(e.getKey() + ".jsonl");
            if (!Files.exists(file)) {
                out.add(file + " does not exist");
                continue;
            }
            String text = strictUtf8(Files.readAllBytes(file));
            if (!text.isEmpty() && !text.endsWith("\n")) {
                out.add(file + " does not end with a newline");
            }
            List<String> lines = text.isEmpty() ? List.of() : List.of(text.split("\n", -1)).subList(0, text.split("\n", -1).length - 1);
            for (int i = 0; i < Math.max(lines.size(), e.getValue().size()); i++) {
                String want = i < e.getValue().size() ? e.getValue().get(i) : null;
                String have = i < lines.size() ? lines.get(i) : null;
                if (want == null || have == null || !JSON.readTree(want).equals(JSON.readTree(have))) {
                    out.add(e.getKey() + " line " + (i + 1) + ": expected " + want + "\n    but was " + have);
                }
            }
        }
        return out.size() > 20 ? out.subList(0, 20) : out;
    }

    private static String strictUtf8(byte[] bytes) throws Exception {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }

    private static void awaitFilesEqual(String what) {
        await().alias(what).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(diff(expected())).as(what + ": the files differ from the legacy rows").isEmpty());
    }

    private static Map<String, byte[]> bytes() throws Exception {
        Map<String, byte[]> out = new HashMap<>();
        for (String table : List.of("userProfiles", "cases")) {
            out.put(table, Files.readAllBytes(files.resolve(table + ".jsonl")));
        }
        return out;
    }

    @Test
    void theFilesEqualTheLegacyRowsSurviveAKillMidWriteAndComeOutByteIdenticalFromTheSameLog() throws Exception {
        sink = startSink("sink-1", null);
        awaitFilesEqual("files after the snapshot");
        try (var lines = Files.lines(files.resolve("cases.jsonl"))) {
            assertThat(lines.filter(l -> l.contains("\"tags\":[]")).count()).as("NULL arrays written as []").isPositive();
        }
        assertImportFormat();
        stopSink();
        Map<String, byte[]> snapshot = bytes();

        servers.legacySql("""
                INSERT INTO cases VALUES (md5('case new')::uuid, md5('user1')::uuid, 'New "case"', 10.05, '2024-05-01',
                  '2024-05-02 10:00:00', ARRAY['x', NULL], '[{"n": 1.50}]', NULL);
                UPDATE cases SET amount = 99.99, tags = NULL WHERE id = md5('case7')::uuid;
                DELETE FROM cases WHERE id = md5('case8')::uuid;
                UPDATE users SET email = 'Changed@Example.com' WHERE id = md5('user2')::uuid;
                DELETE FROM user_preferences WHERE user_id = md5('user4')::uuid;
                INSERT INTO user_settings VALUES (md5('user3')::uuid, NULL, false);
                """);
        // the files are the target at a checkpoint: with the sink down they do not move
        sink = startSink("sink-2", "json-lines-mid-write");
        assertThat(sink.waitFor(120, TimeUnit.SECONDS)).as("the sink halts at its crash point").isTrue();
        assertThat(sink.exitValue()).as("exit code at the crash point (as kill -9)").isEqualTo(137);
        sink = null;
        assertThat(bytes()).as("a kill mid-write leaves the previous files whole").containsExactlyInAnyOrderEntriesOf(snapshot);
        try (var hidden = Files.list(files)) {
            assertThat(hidden.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList())
                    .as("the torn write is a hidden temporary file beside them").hasSize(1);
        }

        sink = startSink("sink-3", null);
        awaitFilesEqual("files after the CDC edits, the sink restarted after its kill");
        try (var hidden = Files.list(files)) {
            assertThat(hidden.map(p -> p.getFileName().toString()).toList()).as("the restart removed the torn write")
                    .containsExactlyInAnyOrder("userProfiles.jsonl", "cases.jsonl");
        }
        assertImportFormat();
        stopSink();
        Map<String, byte[]> afterEdits = bytes();

        for (String table : List.of("userProfiles", "cases")) {
            Files.delete(files.resolve(table + ".jsonl"));
        }
        sink = startSink("sink-4", null);
        await().alias("a fresh sink over the same log").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> Files.exists(files.resolve("userProfiles.jsonl")) && Files.exists(files.resolve("cases.jsonl")));
        assertThat(bytes()).as("the same log gives byte-identical files").containsExactlyInAnyOrderEntriesOf(afterEdits);
        stopSink();

        CliRun verify = CliRun.operate("verify", specFile, servers.dir.resolve("work-verify"));
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).containsPattern("cases\\s+150\\s+0\\s+0\\s+150\\s+150\\s+150\\s+0\\s+0\\s+0");
    }

    /** Every line is one JSON object to a reader that is not shiftlog's: Python's json, NaN and Infinity refused. */
    private static void assertImportFormat() throws Exception {
        String check = """
                import json, sys
                def refuse(c): raise ValueError('not JSON: ' + c)
                n = 0
                for name in sys.argv[1:]:
                    with open(name, encoding='utf-8', newline='') as f:
                        for line in f:
                            assert line.endswith('\\n') and '\\r' not in line, name
                            assert isinstance(json.loads(line, parse_constant=refuse), dict), name
                            n += 1
                print(n)
                """;
        Process p = new ProcessBuilder("python3", "-c", check, files.resolve("userProfiles.jsonl").toString(),
                files.resolve("cases.jsonl").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("python3 json on the files: " + out).isZero();
        long lines = 0;
        for (String table : List.of("userProfiles", "cases")) {
            try (var l = Files.lines(files.resolve(table + ".jsonl"))) {
                lines += l.count();
            }
        }
        assertThat(out.trim()).isEqualTo(String.valueOf(lines));
    }
}
