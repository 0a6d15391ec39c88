package dev.shiftlog.cli;

import dev.shiftlog.operate.DlqTally;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.rows.Uuid5;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * S1 coaching end to end, checked row by row against expectations computed here from the legacy rows (issue 3):
 * every coach's sex and year of birth, the category tree level by level, the dirty categories in the DLQ, and the
 * app_config rows including the derived default_coach.
 */
class CoachingExampleIT {
    private static TestServers servers;
    private static final ExampleFiles FILES = new ExampleFiles("coaching");

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("coaching-it");
        servers.legacySql(FILES.read("legacy.sql"));
        servers.legacySql(FILES.read("generate.sql").replace("${scale}", "1"));
        servers.targetSql(FILES.read("target.sql"));
        servers.s3(); // the images go to object storage
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    private static String expectedSex(String legacy) {
        if (legacy == null) {
            return "other";
        }
        return switch (legacy) {
            case "M", "male" -> "male";
            case "F", "female" -> "female";
            case "nb" -> "non_binary";
            default -> "other";
        };
    }

    private static Integer expectedYear(String intro) {
        if (intro == null) {
            return null;
        }
        Matcher born = Pattern.compile("born in (\\d{4})").matcher(intro);
        if (born.find()) {
            return Integer.parseInt(born.group(1));
        }
        Matcher age = Pattern.compile("I am (\\d+)").matcher(intro);
        return age.find() ? 2026 - Integer.parseInt(age.group(1)) : null;
    }

    @Test
    void shouldSendEveryDirtyRowWhereTheSpecSaysAndLandTheRestExactly() throws Exception {
        spec = new SpecParser(servers.env()).parse(FILES.spec(servers.dir));
        try (Connection legacy = servers.legacy.connect("legacy");
             Connection target = servers.target.connect("app");
             KafkaEndpoint kafka = KafkaEndpoint.open(spec, servers.env(), servers.dir);
             Pipeline pipeline = new Pipeline();
             DlqTally dlq = new DlqTally(spec, kafka.clientConfig(), kafka.registry())) {
            pipeline.start(spec, kafka, servers.dir.resolve("work"), EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            // while the orphan and the cycle wait out their park-timeout, status counts them as parked (read from the
            // gate's changelog the transformer's layout names)
            try (dev.shiftlog.operate.status.StatusProbe probe = new dev.shiftlog.operate.status.StatusProbe(spec, kafka.clientConfig(),
                    kafka.registry())) {
                await().alias("status: 3 categories parked").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> probe.sample().tables().stream().filter(t -> t.table().equals("categories"))
                                .anyMatch(t -> t.parked() == 3 && t.landed() == 50));
            }
            await().alias("every category landed or rejected").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        dlq.refresh();
                        return count(target, "categories") + dlq.count("categories") == count(legacy, "tls_category")
                                && count(target, "coaches") == count(legacy, "tls_coach") && count(target, "app_config") == 26
                                && count(target, "images") == count(legacy, "tls_image");
                    });

            // dirty categories: the orphan and both members of the cycle, each with its rule and missing parent
            assertThat(dlq.byRule("categories")).containsExactly(Map.entry("parent categories", 3L));
            assertThat(dlq.example("categories", "parent categories").message()).contains("never landed");
            assertThat(dlq.cycles("categories")).as("the cycle is reported with its keys")
                    .containsExactly(java.util.List.of("900002", "900003", "900002"));
            for (String key : Set.of("900001", "900002", "900003")) {
                assertThat(exists(target, "SELECT 1 FROM categories WHERE legacy_id = " + key)).as(key).isFalse();
            }

            // every coach: sex through the enum map (bad values → other), year of birth from the intro or NULL
            Map<Integer, String[]> coaches = new TreeMap<>();
            try (Statement s = legacy.createStatement(); ResultSet rs = s.executeQuery("SELECT id, sex, intro FROM tls_coach")) {
                while (rs.next()) {
                    coaches.put(rs.getInt(1), new String[] {rs.getString(2), rs.getString(3)});
                }
            }
            try (Statement s = target.createStatement();
                 ResultSet rs = s.executeQuery("SELECT legacy_id, id, sex::text, year_of_birth FROM coaches")) {
                int rows = 0;
                while (rs.next()) {
                    String[] legacyRow = coaches.get(rs.getInt(1));
                    assertThat(rs.getObject(2)).isEqualTo(Uuid5.forRow("coaching", "coaches", Integer.toString(rs.getInt(1))));
                    assertThat(rs.getString(3)).as("sex of coach %d (legacy %s)", rs.getInt(1), legacyRow[0])
                            .isEqualTo(expectedSex(legacyRow[0]));
                    assertThat((Integer) rs.getObject(4)).as("year of coach %d (intro %s)", rs.getInt(1), legacyRow[1])
                            .isEqualTo(expectedYear(legacyRow[1]));
                    rows++;
                }
                assertThat(rows).isEqualTo(coaches.size());
            }

            // the images (their bytes now in object storage, at the URL of their SHA-256) and each coach's four references
            // to them, compared by the images' legacy ids; the URLs rendered by SQL (sha256()) from the legacy bytes
            assertThat(expectedImages(legacy).diff(actualImages(target))).as("images, URLs and the coaches' references to them").isEmpty();
            assertEveryUrlServesTheLegacyBytes(legacy, target);

            // a changed image reaches the target as a new URL through CDC: the image row and the coach whose photo it is
            String before = scalarText(target, "SELECT photo_url FROM coaches WHERE legacy_id = 1");
            try (Statement s = legacy.createStatement()) {
                s.execute("UPDATE tls_image SET data = decode('89504e470d0a1a0a' || md5('a new photo'), 'hex') WHERE id = 1");
            }
            await().alias("the new photo's URL in images and coaches").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(expectedImages(legacy).diff(actualImages(target))).isEmpty());
            assertThat(scalarText(target, "SELECT photo_url FROM coaches WHERE legacy_id = 1")).isNotEqualTo(before);
            assertEveryUrlServesTheLegacyBytes(legacy, target);

            // the tree: every parent reference is the parent's new id, and each level has as many rows as in legacy
            String depth = "WITH RECURSIVE t AS (SELECT %1$s, 0 AS depth FROM %2$s WHERE %3$s IS NULL"
                    + " UNION ALL SELECT c.%1$s, t.depth + 1 FROM %2$s c JOIN t ON c.%3$s = t.%1$s) SELECT depth, count(*) FROM t GROUP BY 1";
            assertThat(levels(target, depth.formatted("id", "categories", "parent_id")))
                    .isEqualTo(levels(legacy, depth.formatted("id", "tls_category", "parent_id")));
            assertThat(exists(target, "SELECT 1 FROM categories c WHERE c.legacy_parent_id IS NOT NULL AND"
                    + " c.parent_id IS DISTINCT FROM (SELECT p.id FROM categories p WHERE p.legacy_id = c.legacy_parent_id)")).isFalse();

            // app_config: three legacy tables plus the derived default_coach holding Daniel's new id
            try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT value #>> '{}', is_public, legacy_id FROM app_config WHERE key = 'default_coach'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(Uuid5.forRow("coaching", "coaches", "1").toString());
                assertThat(rs.getBoolean(2)).isTrue();
                assertThat(rs.getString(3)).isEqualTo("tls_coach:1");
            }
            assertThat(levels(target, "SELECT 0, count(*) FROM app_config WHERE key LIKE 'prompt\\_%' AND NOT is_public"))
                    .containsEntry(0, 10L);
            assertThat(levels(target, "SELECT 0, count(*) FROM app_config WHERE key LIKE 'var\\_%' AND is_public")).containsEntry(0, 5L);
        }

        // a second run over the same log uploads nothing: the sink forgets its progress and writes every row again, and
        // every object it meets is already in its bucket (same files, untouched)
        Map<String, java.nio.file.attribute.FileTime> stored = storedObjects();
        assertThat(stored).as("objects in the buckets").hasSizeGreaterThan(80);
        try (KafkaEndpoint kafka = KafkaEndpoint.open(spec, servers.env(), servers.dir);
             org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafka.clientConfig())) {
            String group = new dev.shiftlog.schemas.TopicNames(spec.name()).sinkGroup();
            admin.deleteConsumerGroups(java.util.List.of(group)).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
            try (Pipeline sink = new Pipeline()) {
                sink.start(spec, kafka, servers.dir.resolve("work"), EnumSet.of(Pipeline.Stage.SINK), (t, u, d) -> { });
                await().alias("the second sink wrote every output topic again").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                        .until(() -> sinkLag(admin, spec, group) == 0);
            }
        }
        assertThat(storedObjects()).as("the second run put no object").isEqualTo(stored);
    }

    private static MigrationDef spec;

    /** bucket/key → last modified, of every object in s3proxy's folders. */
    private static Map<String, java.nio.file.attribute.FileTime> storedObjects() throws Exception {
        Map<String, java.nio.file.attribute.FileTime> out = new TreeMap<>();
        java.nio.file.Path root = servers.s3().storage();
        try (var files = java.nio.file.Files.walk(root)) {
            for (java.nio.file.Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                out.put(root.relativize(f).toString(), java.nio.file.Files.getLastModifiedTime(f));
            }
        }
        return out;
    }

    /** Offsets of the sink group behind the output topics' ends (read committed), all partitions together. */
    private static long sinkLag(org.apache.kafka.clients.admin.Admin admin, MigrationDef spec, String group) throws Exception {
        var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, java.util.concurrent.TimeUnit.SECONDS);
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request = new HashMap<>();
        for (String topic : dev.shiftlog.transformer.TransformerStage.outTopics(spec)) {
            for (int p = 0; p < spec.kafka().partitions(); p++) {
                request.put(new org.apache.kafka.common.TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
        }
        var ends = admin.listOffsets(request, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get(10, java.util.concurrent.TimeUnit.SECONDS);
        long lag = 0;
        for (var e : ends.entrySet()) {
            var c = committed.get(e.getKey());
            lag += e.getValue().offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    /** The URL an image's bytes must be at: the bucket, the SHA-256 of the bytes and the extension of its type, by SQL. */
    private static String urlSql(String bucket, String image) {
        return "CASE WHEN " + image + ".data IS NULL THEN NULL ELSE '" + endpoint() + "/" + bucket + "/' || encode(sha256(" + image
                + ".data), 'hex') || CASE " + image + ".mime WHEN 'image/png' THEN '.png' WHEN 'image/jpeg' THEN '.jpg'"
                + " WHEN 'image/webp' THEN '.webp' ELSE '' END END";
    }

    private static String endpoint() {
        try {
            return servers.s3().endpoint();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static RowsAsText expectedImages(Connection legacy) throws Exception {
        return RowsAsText.query(legacy, "SELECT 'image ' || i.id, i.mime, " + urlSql("coach-images", "i") + ", i.time_create::text FROM tls_image i"
                + " UNION ALL SELECT 'coach ' || c.id, c.image_id::text || ' ' || coalesce(" + urlSql("coach-images", "p") + ", '∅'),"
                + " c.image30_id::text || ' ' || coalesce(" + urlSql("coach-images", "p30") + ", '∅'), c.image45_id::text || '/'"
                + " || coalesce(c.image60_id::text, '∅') || ' ' || coalesce(" + urlSql("coach-images", "p45") + ", '∅') || ' '"
                + " || coalesce(" + urlSql("coach-images", "p60") + ", '∅') FROM tls_coach c LEFT JOIN tls_image p ON p.id = c.image_id"
                + " LEFT JOIN tls_image p30 ON p30.id = c.image30_id LEFT JOIN tls_image p45 ON p45.id = c.image45_id"
                + " LEFT JOIN tls_image p60 ON p60.id = c.image60_id"
                + " UNION ALL SELECT 'category ' || c.id, " + urlSql("category-icons", "i") + ", NULL, NULL FROM tls_category c"
                + " LEFT JOIN tls_image i ON i.id = c.icon_id WHERE c.id < 900000");
    }

    private static RowsAsText actualImages(Connection target) throws Exception {
        return RowsAsText.query(target, "SELECT 'image ' || legacy_id, mime, url, created_at::text FROM images"
                + " UNION ALL SELECT 'coach ' || c.legacy_id, i.legacy_id::text || ' ' || coalesce(c.photo_url, '∅'),"
                + " i30.legacy_id::text || ' ' || coalesce(c.photo_url_30, '∅'), i45.legacy_id::text || '/'"
                + " || coalesce(i60.legacy_id::text, '∅') || ' ' || coalesce(c.photo_url_45, '∅') || ' ' || coalesce(c.photo_url_60, '∅')"
                + " FROM coaches c LEFT JOIN images i ON i.id = c.image_id"
                + " LEFT JOIN images i30 ON i30.id = c.image_30_id LEFT JOIN images i45 ON i45.id = c.image_45_id"
                + " LEFT JOIN images i60 ON i60.id = c.image_60_id"
                + " UNION ALL SELECT 'category ' || legacy_id, icon_url, NULL, NULL FROM categories");
    }

    /** Every URL in the target, fetched with a plain GET, serves exactly the bytes of the legacy image it names. */
    private static void assertEveryUrlServesTheLegacyBytes(Connection legacy, Connection target) throws Exception {
        Map<String, byte[]> bytesByUrl = new HashMap<>();
        try (Statement s = legacy.createStatement(); ResultSet rs = s.executeQuery("SELECT " + urlSql("coach-images", "i") + ", "
                + urlSql("category-icons", "i") + ", data FROM tls_image i WHERE data IS NOT NULL")) {
            while (rs.next()) {
                bytesByUrl.put(rs.getString(1), rs.getBytes(3));
                bytesByUrl.put(rs.getString(2), rs.getBytes(3));
            }
        }
        java.util.Set<String> urls = new java.util.TreeSet<>();
        try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery("SELECT url FROM images UNION SELECT photo_url FROM coaches"
                + " UNION SELECT photo_url_30 FROM coaches UNION SELECT photo_url_45 FROM coaches UNION SELECT photo_url_60 FROM coaches"
                + " UNION SELECT icon_url FROM categories")) {
            while (rs.next()) {
                if (rs.getString(1) != null) {
                    urls.add(rs.getString(1));
                }
            }
        }
        assertThat(urls).as("URLs in the target").hasSizeGreaterThan(80);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String url : urls) {
            var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).as("GET " + url).isEqualTo(200);
            assertThat(response.body()).as("bytes at " + url).isEqualTo(bytesByUrl.get(url));
        }
    }

    private static String scalarText(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(Connection c, String table) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<Integer, Long> levels(Connection c, String sql) throws Exception {
        Map<Integer, Long> levels = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                levels.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return levels;
    }

    private static boolean exists(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next();
        }
    }
}
