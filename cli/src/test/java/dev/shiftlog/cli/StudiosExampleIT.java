package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shiftlog.producer.ProducerStage;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * S2 ({@code examples/studios}): the generated SQLite legacy file into the Prisma-style target, with the example's own
 * spec and target schema. Every target row is compared with an independent rendering, SQL over the SQLite file that
 * spells out the spec's rules (one User per trimmed, lower-cased email; each User column the first non-NULL value in
 * the order users, shows_users, community_users and then by id; the categorization; coordinates off the globe as
 * NULL), joined through legacy ids and emails since the cuid ids are random. The DLQ must hold exactly the rows the
 * rendering leaves out. Then edits to the file while nothing runs; the next run sends exactly those changes, the target
 * equals the rendering again, and exactly the target rows the edits touch differ from before (ids included).
 */
class StudiosExampleIT {
    private static final ExampleFiles FILES = new ExampleFiles("studios");

    /** The per-table renderings, legacy (SQLite) and target (PostgreSQL), keyed by their first column. */
    private static final Map<String, String[]> TABLES = new LinkedHashMap<>();
    /** Whether a profile is a studio and has a user with an email, as SQLite conditions. */
    private static final String STUDIO = "(coalesce(p.is_studio, 0) = 1 OR trim(coalesce(p.studio_name, '')) <> '')";
    private static final String VALID_XY = "p.latitude IS NOT NULL AND p.longitude IS NOT NULL AND p.latitude BETWEEN -90 AND 90"
            + " AND p.longitude BETWEEN -180 AND 180";

    static {
        String contributions = "WITH c AS ("
                + "SELECT lower(trim(email)) AS m, 0 AS src, id, 'users:' || id AS legacy, username AS username, NULL AS display,"
                + " password_hash AS hash, CASE role WHEN 'admin' THEN 'ADMIN' ELSE 'USER' END AS role, created_at || '.000' AS created FROM users"
                + " UNION ALL SELECT lower(trim(email)), 1, id, 'shows_users:' || id, NULL, display_name, password, NULL,"
                + " strftime('%Y-%m-%d %H:%M:%S', created / 1000, 'unixepoch') || '.' || printf('%03d', created % 1000) FROM shows_users"
                + " UNION ALL SELECT lower(trim(email)), 2, id, 'community_users:' || id, handle, NULL, pass_hash,"
                + " CASE WHEN is_moderator = 1 THEN 'MODERATOR' ELSE 'USER' END, strftime('%Y-%m-%d %H:%M:%S', joined_at, 'unixepoch') || '.000'"
                + " FROM community_users) ";
        StringBuilder user = new StringBuilder(contributions + "SELECT m");
        for (String column : new String[] {"legacy", "username", "display", "hash", "role", "created"}) {
            user.append(", (SELECT ").append(column).append(" FROM c c2 WHERE c2.m = x.m AND c2.").append(column)
                    .append(" IS NOT NULL ORDER BY src, id LIMIT 1) AS ").append(column);
        }
        user.append(" FROM (SELECT DISTINCT m FROM c WHERE m <> '') x");
        TABLES.put("User", new String[] {user.toString(), "SELECT email, \"legacyId\", username, \"displayName\", \"passwordHash\", role,"
                + " to_char(\"createdAt\", 'YYYY-MM-DD HH24:MI:SS.MS') FROM \"User\""});
        String xy = "CASE WHEN " + VALID_XY + " THEN printf('%.6f', p.latitude) END, CASE WHEN " + VALID_XY + " THEN printf('%.6f', p.longitude) END";
        String words = "' ' || lower(coalesce(p.services, '') || ' ' || coalesce(p.about, '')) || ' '";
        TABLES.put("UserProfile", new String[] {"SELECT p.id, lower(trim(u.email)), CASE WHEN " + STUDIO + " THEN 'STUDIO' WHEN " + words
                + " LIKE '%voice over%' OR " + words + " LIKE '%voice-over%' OR " + words + " LIKE '%voiceover%' OR " + words
                + " LIKE '% vo %' THEN 'VOICEOVER' ELSE 'OTHER' END, p.display_name, p.about, " + xy + ", p.location, p.website,"
                + " p.instagram, CASE WHEN p.contact_by_email = 1 THEN 'true' ELSE 'false' END"
                + " FROM profiles p JOIN users u ON u.id = p.user_id WHERE trim(u.email) <> ''",
                "SELECT p.\"legacyId\", u.email, p.category, p.\"displayName\", p.about, round(p.latitude::numeric, 6)::text,"
                + " round(p.longitude::numeric, 6)::text, p.location, p.website, p.instagram, p.\"contactByEmail\"::text"
                + " FROM \"UserProfile\" p JOIN \"User\" u ON u.id = p.\"userId\""});
        TABLES.put("Studio", new String[] {"SELECT p.id, lower(trim(u.email)), CASE WHEN trim(coalesce(p.studio_name, '')) <> ''"
                + " THEN trim(p.studio_name) ELSE coalesce(p.display_name, 'Studio ' || p.id) END, p.studio_address, " + xy
                + " FROM profiles p JOIN users u ON u.id = p.user_id WHERE " + STUDIO + " AND trim(u.email) <> ''",
                "SELECT s.\"legacyId\", u.email, s.name, s.address, round(s.latitude::numeric, 6)::text, round(s.longitude::numeric, 6)::text"
                + " FROM \"Studio\" s JOIN \"User\" u ON u.id = s.\"ownerId\""});
        TABLES.put("StudioImage", new String[] {"SELECT g.id, g.profile_id, CASE WHEN g.url LIKE 'http://%' THEN 'https://' || substr(g.url, 8)"
                + " ELSE g.url END, g.caption, coalesce(g.sort, 0) FROM studio_gallery g JOIN profiles p ON p.id = g.profile_id"
                + " JOIN users u ON u.id = p.user_id WHERE " + STUDIO + " AND trim(u.email) <> ''",
                "SELECT i.\"legacyId\", s.\"legacyId\", i.url, i.caption, i.\"sortOrder\" FROM \"StudioImage\" i JOIN \"Studio\" s ON s.id = i.\"studioId\""});
        TABLES.put("Message", new String[] {"SELECT m.id, CASE WHEN trim(s.email) <> '' THEN lower(trim(s.email)) END,"
                + " CASE WHEN trim(r.email) <> '' THEN lower(trim(r.email)) END, m.subject, m.body,"
                + " CASE WHEN m.read = 1 THEN 'true' ELSE 'false' END, m.sent_at || '.000' FROM messages m"
                + " LEFT JOIN community_users s ON s.id = m.from_id LEFT JOIN community_users r ON r.id = m.to_id"
                + " WHERE strftime('%Y-%m-%d %H:%M:%S', m.sent_at) = m.sent_at",
                "SELECT m.\"legacyId\", s.email, r.email, m.subject, m.body, m.\"isRead\"::text, to_char(m.\"sentAt\", 'YYYY-MM-DD HH24:MI:SS.MS')"
                + " FROM \"Message\" m LEFT JOIN \"User\" s ON s.id = m.\"senderId\" LEFT JOIN \"User\" r ON r.id = m.\"recipientId\""});
        TABLES.put("UserConnection", new String[] {"SELECT c.id, lower(trim(o.email)), lower(trim(t.email)),"
                + " CASE WHEN c.accepted = 1 THEN 'true' ELSE 'false' END FROM shows_contacts c JOIN shows_users o ON o.id = c.user_id"
                + " JOIN shows_users t ON t.id = c.contact_id WHERE trim(o.email) <> '' AND trim(t.email) <> ''",
                "SELECT c.\"legacyId\", u.email, t.email, c.accepted::text FROM \"UserConnection\" c JOIN \"User\" u ON u.id = c.\"userId\""
                + " JOIN \"User\" t ON t.id = c.\"connectedUserId\""});
    }

    /** Per target table, the legacy rows the rendering leaves out, each as the DLQ names it; SQLite. */
    private static final Map<String, String> LEFT_OUT = new LinkedHashMap<>();

    static {
        LEFT_OUT.put("User", "SELECT 'users:' || id FROM users WHERE coalesce(trim(email), '') = ''"
                + " UNION ALL SELECT 'shows_users:' || id FROM shows_users WHERE coalesce(trim(email), '') = ''"
                + " UNION ALL SELECT 'community_users:' || id FROM community_users WHERE coalesce(trim(email), '') = ''");
        LEFT_OUT.put("UserProfile", "SELECT p.id FROM profiles p LEFT JOIN users u ON u.id = p.user_id WHERE coalesce(trim(u.email), '') = ''");
        LEFT_OUT.put("StudioImage", "SELECT g.id FROM studio_gallery g JOIN profiles p ON p.id = g.profile_id WHERE NOT " + STUDIO);
        LEFT_OUT.put("Message", "SELECT id FROM messages WHERE coalesce(strftime('%Y-%m-%d %H:%M:%S', sent_at), '') <> sent_at");
        LEFT_OUT.put("UserConnection", "SELECT c.id FROM shows_contacts c LEFT JOIN shows_users o ON o.id = c.user_id"
                + " LEFT JOIN shows_users t ON t.id = c.contact_id WHERE coalesce(trim(o.email), '') = '' OR coalesce(trim(t.email), '') = ''");
    }

    private static TestServers servers;
    private static Path sqlite;
    private static SqliteFile legacy;
    private static MigrationDef spec;
    private static Map<String, String> env;

    @BeforeAll
    static void start() throws Exception {
        servers = new TestServers("studios-it");
        sqlite = servers.dir.resolve("studios.db").toAbsolutePath();
        legacy = new SqliteFile(sqlite);
        FILES.createSqliteLegacy(sqlite, 1);
        String targetSql = FILES.read("target.sql");
        servers.targetSql(targetSql.substring(0, targetSql.indexOf("-- What an earlier"))); // the tables; the demo replaces old rows
        env = new HashMap<>(servers.env());
        env.put("SHIFTLOG_SOURCE_FILE", sqlite.toString());
        spec = new SpecParser(env).parse("examples/studios/shiftlog.yaml", FILES.read("shiftlog.yaml"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    void shouldMigrateEveryRowAsTheRulesSayAndApplyExactlyTheEditsOfTheNextRun() throws Exception {
        try (InProcessPipeline run = InProcessPipeline.start(spec, env, servers.dir, EnumSet.allOf(Pipeline.Stage.class))) {
            awaitRendering(run, "after the first run");
            assertDlqHoldsExactlyWhatIsLeftOut(run);
        }
        Map<String, RowsAsText> before = wholeRows();
        long sentBefore = servers.records(ProducerStage.sourceTopics(spec));

        // while nothing runs: the edits a user makes in the app's database
        legacy.exec("INSERT INTO users VALUES (1001, 'ANN.NEW@example.com', 'ann', '$2b$10$new', 'admin', '2024-01-01 10:00:00')");
        legacy.exec("INSERT INTO community_users VALUES (1001, ' USER4@example.com', 'h4', 'argon2$x', 1, 1700000000)"); // later in precedence: no change
        legacy.exec("UPDATE users SET email = 'Elsewhere@Example.com ' WHERE id = 6");      // user6's next contributors take over
        legacy.exec("DELETE FROM users WHERE id = 190");                                     // its only contributor
        legacy.exec("UPDATE profiles SET about = 'Now a voice over coach' WHERE id = 2");    // OTHER → VOICEOVER
        legacy.exec("UPDATE profiles SET is_studio = 1 WHERE id = 4");                       // a Studio appears
        legacy.exec("DELETE FROM messages WHERE id = 5");
        legacy.exec("INSERT INTO messages VALUES (1001, 3, 4, 'New', 'hello', 0, '2024-02-02 12:00:00')");
        legacy.exec("UPDATE shows_contacts SET accepted = 1 WHERE id = 4");
        legacy.exec("UPDATE studio_gallery SET caption = 'Live room' WHERE id = 16");
        legacy.exec("UPDATE users SET username = username WHERE id = 3");                   // the same value: nothing to send

        try (InProcessPipeline run = InProcessPipeline.start(spec, env, servers.dir, EnumSet.allOf(Pipeline.Stage.class))) {
            awaitRendering(run, "after the edits and a new run");
            assertDlqHoldsExactlyWhatIsLeftOut(run);
        }
        assertThat(servers.records(ProducerStage.sourceTopics(spec)) - sentBefore).as("legacy changes the second run sent: the ten edits that change a row").isEqualTo(10);
        Map<String, Set<String>> changed = new TreeMap<>();
        wholeRows().forEach((table, after) -> {
            Set<String> keys = new TreeSet<>();
            before.get(table).rows().forEach((k, v) -> {
                if (!v.equals(after.rows().get(k))) {
                    keys.add(k);
                }
            });
            after.rows().keySet().stream().filter(k -> !before.get(table).rows().containsKey(k)).forEach(keys::add);
            if (!keys.isEmpty()) {
                changed.put(table, keys);
            }
        });
        assertThat(changed).as("target rows the edits touch, and no other (ids included)").isEqualTo(new TreeMap<>(Map.of(
                "User", Set.of("ann.new@example.com", "elsewhere@example.com", "user190@example.com", "user6@example.com"),
                "UserProfile", Set.of("2", "4", "6"),
                "Studio", Set.of("4", "6"),
                "StudioImage", Set.of("16"),
                "Message", Set.of("5", "1001"),
                "UserConnection", Set.of("4"))));

        CliRun verify = CliRun.operate("verify", servers.specWithValues(FILES.read("shiftlog.yaml")
                .replace("${SHIFTLOG_SOURCE_FILE:-studios.db}", sqlite.toString()), "studios.yaml"), servers.dir.resolve("work"));
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("CLEAN");
    }

    private static void awaitRendering(InProcessPipeline run, String when) throws Exception {
        for (var t : TABLES.entrySet()) {
            run.awaitEqual(t.getKey() + " " + when, () -> legacy.rows(t.getValue()[0]), () -> servers.targetRows(t.getValue()[1]),
                    Duration.ofMinutes(2));
        }
    }

    private static void assertDlqHoldsExactlyWhatIsLeftOut(InProcessPipeline run) throws Exception {
        Map<String, Set<String>> expected = new TreeMap<>();
        for (var t : LEFT_OUT.entrySet()) {
            Set<String> keys = new TreeSet<>(legacy.rows(t.getValue()).rows().keySet());
            if (!keys.isEmpty()) {
                expected.put(t.getKey(), keys);
            }
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, Set<String>> actual = new TreeMap<>();
            run.dlq().forEach((table, rows) -> actual.put(table, new TreeSet<>(rows.keySet())));
            assertThat(actual).as("the DLQ holds exactly the rows the rendering leaves out").isEqualTo(expected);
        });
    }

    /** Every target row whole, ids included, keyed as the renderings key them. */
    private static Map<String, RowsAsText> wholeRows() throws Exception {
        Map<String, RowsAsText> out = new LinkedHashMap<>();
        for (String table : TABLES.keySet()) {
            String key = table.equals("User") ? "email" : "\"legacyId\"";
            out.put(table, servers.targetRows("SELECT t." + key + "::text, t::text FROM \"" + table + "\" t"));
        }
        return out;
    }
}
