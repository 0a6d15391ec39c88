package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * References into targets that several legacy tables fill (issue 11, item 1): orders reference contacts fed by
 * customers and suppliers, whose legacy keys overlap ({@code source:} says which); messages reference the one user
 * per email consolidated from two user tables ({@code match:}, through a lookup of the sender's legacy row). Target
 * foreign keys are enforced. Expected rows are plain SQL over the legacy tables, compared through the target's legacy
 * ids, after the snapshot and after CDC edits; then {@code verify} is clean and names a corrupted reference.
 */
class MergedParentsIT {
    private static final String SPEC = """
            migration: merged
            source: { url: "${SHIFTLOG_SOURCE_URL}", user: postgres, password: "${SHIFTLOG_SOURCE_PASSWORD}" }
            target: { url: "${SHIFTLOG_TARGET_URL}", user: postgres, password: "${SHIFTLOG_TARGET_PASSWORD}" }
            kafka: { bootstrap-servers: "${SHIFTLOG_BOOTSTRAP_SERVERS}", partitions: 4 }
            tables:
              - target: contacts
                source: customers
                columns: { name: name }
              - target: contacts
                source: suppliers
                columns: { name: name }
              - target: orders
                source: orders
                id: preserve
                park-timeout: 20s
                columns:
                  buyer_id: { ref: contacts, source: customers, from: customer_id }
                  seller_id: { ref: contacts, source: suppliers, from: supplier_id }
              - target: users
                source: shows_users
                match-on: "email.lowerAscii()"
                columns: { name: name }
              - target: users
                source: community_users
                match-on: "email.lowerAscii()"
                columns: { handle: handle }
              - target: messages
                source: messages
                id: preserve
                park-timeout: 5s
                lookups:
                  sender: { table: community_users, on: sender_id }
                columns:
                  body: body
                  sender_id: { ref: users, match: "sender.email == null ? null : string(sender.email).lowerAscii()" }
            """;

    /** Orders: the legacy key of each party as the target keeps it ({@code <source>:<key>}). */
    private static final String LEGACY_ORDERS = "SELECT id, 'customers:' || customer_id, 'suppliers:' || supplier_id FROM orders";
    private static final String TARGET_ORDERS = "SELECT o.id, b.legacy_id, s.legacy_id FROM orders o"
            + " LEFT JOIN contacts b ON b.id = o.buyer_id LEFT JOIN contacts s ON s.id = o.seller_id";
    private static final String LEGACY_USERS = "SELECT lower(email), max(name), max(handle) FROM (SELECT email, name, NULL AS handle"
            + " FROM shows_users UNION ALL SELECT email, NULL, handle FROM community_users) u GROUP BY 1";
    private static final String TARGET_USERS = "SELECT legacy_id, name, handle FROM users";
    /** Messages: the sender's email, as the user's match value; NULL without a sender or with no such legacy user. */
    private static final String LEGACY_MESSAGES = "SELECT m.id, m.body, lower(c.email) FROM messages m"
            + " LEFT JOIN community_users c ON c.id = m.sender_id";
    private static final String TARGET_MESSAGES = "SELECT m.id, m.body, u.legacy_id FROM messages m LEFT JOIN users u ON u.id = m.sender_id";

    private static TestServers servers;
    private static Path specFile;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("merged-parents-it");
        servers.legacySql("""
                CREATE TABLE customers (id int PRIMARY KEY, name text);
                CREATE TABLE suppliers (id int PRIMARY KEY, name text);
                CREATE TABLE orders (id int PRIMARY KEY, customer_id int, supplier_id int);
                CREATE TABLE shows_users (id int PRIMARY KEY, email text, name text);
                CREATE TABLE community_users (id int PRIMARY KEY, email text, handle text);
                CREATE TABLE messages (id int PRIMARY KEY, sender_id int, body text);
                -- customers and suppliers share legacy keys 1..50
                INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g;
                INSERT INTO suppliers SELECT g, 'supplier ' || g FROM generate_series(1, 50) g;
                INSERT INTO orders SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE g % 50 + 1 END, (g * 3) % 50 + 1
                  FROM generate_series(1, 200) g;
                -- users 1..30 in both user tables (other case in one), 31..40 only in the community
                INSERT INTO shows_users SELECT g, 'user' || g || '@example.com', 'name ' || g FROM generate_series(1, 30) g;
                INSERT INTO community_users SELECT 100 + g, upper('user' || g || '@example.com'), 'handle' || g FROM generate_series(1, 40) g;
                -- senders 141..145 are no community user; every 11th message has none
                INSERT INTO messages SELECT g, CASE WHEN g % 11 = 0 THEN NULL ELSE 101 + g % 45 END, 'message ' || g
                  FROM generate_series(1, 300) g;
                """);
        servers.targetSql("""
                CREATE TABLE contacts (id uuid PRIMARY KEY, legacy_id text NOT NULL UNIQUE, name text);
                CREATE TABLE orders (id int PRIMARY KEY, legacy_id int NOT NULL, buyer_id uuid REFERENCES contacts (id),
                  seller_id uuid REFERENCES contacts (id));
                CREATE TABLE users (id uuid PRIMARY KEY, legacy_id text NOT NULL UNIQUE, name text, handle text);
                CREATE TABLE messages (id int PRIMARY KEY, legacy_id int NOT NULL, body text, sender_id uuid REFERENCES users (id));
                """);
        specFile = servers.specWithValues(SPEC, "merged.yaml");
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @Test
    void shouldPointEveryReferenceAtTheRowOfItsLegacyTableOrItsMatchValue() throws Exception {
        try (InProcessPipeline run = InProcessPipeline.start(servers, "merged.yaml", SPEC)) {
            awaitAll(run, "after the snapshot");

            servers.legacySql("""
                    UPDATE orders SET supplier_id = 7 WHERE id = 10;
                    UPDATE orders SET customer_id = NULL WHERE id = 11;
                    INSERT INTO customers VALUES (51, 'late customer');
                    INSERT INTO orders VALUES (201, 51, 2);
                    UPDATE community_users SET email = 'Moved@Example.com' WHERE id = 105;
                    INSERT INTO messages VALUES (301, 105, 'after the move');
                    DELETE FROM messages WHERE id = 3;
                    UPDATE messages SET sender_id = 102 WHERE id = 12;
                    """);
            awaitAll(run, "after the CDC edits");
            assertThat(run.dlq()).as("nothing refused").isEmpty();
        }

        CliRun clean = CliRun.operate("verify", specFile, servers.dir.resolve("work"));
        assertThat(clean.exitCode()).as(clean.out() + clean.err()).isZero();

        servers.targetSql("UPDATE messages SET sender_id = (SELECT id FROM users WHERE legacy_id = 'user9@example.com') WHERE id = 1;"
                + " UPDATE orders SET seller_id = (SELECT id FROM contacts WHERE legacy_id = 'customers:4') WHERE id = 1");
        CliRun corrupted = CliRun.operate("verify", specFile, servers.dir.resolve("work"));
        assertThat(corrupted.exitCode()).as(corrupted.out() + corrupted.err()).isEqualTo(1);
        assertThat(corrupted.out()).contains("changed messages 1 column sender_id").contains("changed orders 1 column seller_id");
    }

    private static void awaitAll(InProcessPipeline run, String when) throws Exception {
        run.awaitEqual("orders " + when, () -> servers.legacyRows(LEGACY_ORDERS), () -> servers.targetRows(TARGET_ORDERS), Duration.ofMinutes(2));
        run.awaitEqual("users " + when, () -> servers.legacyRows(LEGACY_USERS), () -> servers.targetRows(TARGET_USERS), Duration.ofMinutes(1));
        run.awaitEqual("messages " + when, () -> servers.legacyRows(LEGACY_MESSAGES), () -> servers.targetRows(TARGET_MESSAGES), Duration.ofMinutes(1));
    }
}
