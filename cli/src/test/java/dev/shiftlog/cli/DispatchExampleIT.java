package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The S3 {@code examples/dispatch} spec (five levels of references: offices → profiles → doctors → patients → orders,
 * plus threaded comments): every comment references its thread, its order and — through auth_user and
 * the dispatch_profile whose user_id it is — its author's profile. The expected references are plain SQL over the
 * legacy tables (a profile found by user_id, the lowest id when several share one), compared by legacy key after the
 * snapshot and after a profile is created, one is handed to another user, a user is deleted and a comment changes
 * author.
 */
class DispatchExampleIT {
    private static final ExampleFiles FILES = new ExampleFiles("dispatch");
    private static TestServers servers;
    private static InProcessPipeline run;

    @BeforeAll
    static void start() throws Exception {
        servers = new TestServers("dispatch-it");
        servers.legacySql(FILES.legacySql(1));
        servers.targetSql(FILES.read("target.sql"));
        run = InProcessPipeline.start(servers, "examples/dispatch/shiftlog.yaml", FILES.read("shiftlog.yaml"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (run != null) {
            run.close();
        }
        servers.close();
    }

    private static RowsAsText expected() throws Exception {
        try (var legacy = servers.legacy.connect("legacy")) {
            return RowsAsText.query(legacy, """
                    SELECT c.id::text, c.order_id::text, c.parent_id::text,
                      (SELECT min(p.id) FROM dispatch_profile p JOIN auth_user u ON u.id = p.user_id WHERE u.id = c.author_id)::text
                    FROM dispatch_comment c WHERE c.id <> 900001""");
        }
    }

    private static RowsAsText actual() throws Exception {
        try (var target = servers.target.connect("app")) {
            return RowsAsText.query(target, """
                    SELECT c.legacy_id::text, o.legacy_id::text, t.legacy_id::text, p.legacy_id::text FROM comments c
                    LEFT JOIN orders o ON o.id = c.order_id LEFT JOIN comments t ON t.id = c.parent_id
                    LEFT JOIN profiles p ON p.id = c.author_id""");
        }
    }

    @Test
    void commentsReferenceTheirThreadOrderAndAuthorThroughAnotherLegacyTable() throws Exception {
        run.awaitEqual("comments after the snapshot", DispatchExampleIT::expected, DispatchExampleIT::actual, Duration.ofMinutes(3));
        try (var target = servers.target.connect("app")) {
            // users 51-60 have no profile: their comments land with a NULL author, the others with one
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM comments WHERE author_id IS NULL")).isBetween(1L, 100L);
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM comments WHERE author_id IS NOT NULL")).isGreaterThan(300L);
        }

        servers.legacySql("""
                INSERT INTO dispatch_profile (user_id, office_id, role) VALUES (55, 1, 'admin');
                UPDATE dispatch_profile SET user_id = 56 WHERE id = 7;
                DELETE FROM auth_user WHERE id = 3;
                UPDATE dispatch_comment SET author_id = 57 WHERE id = 20;
                UPDATE dispatch_comment SET body = body || '!' WHERE id = 21""");
        run.awaitEqual("comments after profiles and users changed", DispatchExampleIT::expected, DispatchExampleIT::actual,
                Duration.ofMinutes(2));
        // the dirty reply goes to the DLQ only after its park-timeout (15 s without any comment landing): wait for it
        org.awaitility.Awaitility.await().alias("the reply to a comment that never existed in the DLQ").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1)).until(() -> run.dlq().getOrDefault("comments", java.util.Map.of()).containsKey("900001"));
        var dlq = run.dlq();
        assertThat(dlq.getOrDefault("comments", java.util.Map.of())).as("only the reply to a comment that never existed")
                .containsOnlyKeys("900001");
        assertThat(dlq.get("patients")).as("the patient whose doctor was deleted long ago").containsOnlyKeys("900001");
        assertThat(dlq.get("patients").get("900001")).startsWith("parent doctors: parent doctors:999999 never landed (column doctor_id;");
    }
}
