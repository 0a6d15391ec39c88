package dev.shiftlog.cli;

import dev.shiftlog.schemas.rows.Uuid5;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A legacy table with every column type that tends to break migrations (exact decimals, both timestamp kinds,
 * arrays, bytea, jsonb, uuid, unicode and COPY delimiters in text), and the target rows it must become. The expected
 * rows are computed from the legacy database independently of the pipeline: SQL text casts plus uuid5.
 */
final class ItemsScenario {
    static final String MIGRATION = "items";

    static final String LEGACY_DDL = """
            CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2), price numeric,
              created_at timestamptz, local_at timestamp, day date, flag boolean, tags text[], payload bytea,
              doc jsonb, ref uuid, qty smallint, ratio double precision);
            """;

    static final String TARGET_DDL = """
            CREATE TABLE items_new (id uuid PRIMARY KEY, legacy_id bigint NOT NULL UNIQUE, name text NOT NULL,
              shout text, amount numeric(12,2), price numeric, created_at timestamptz, local_at timestamp, day date,
              flag boolean, tags text[], payload bytea, doc jsonb, ref uuid, qty int, ratio double precision,
              migrated boolean NOT NULL DEFAULT true);
            """;

    static final String SPEC = """
            migration: items
            source:
              url: ${SHIFTLOG_SOURCE_URL}
              user: ${SHIFTLOG_SOURCE_USER}
              password: ${SHIFTLOG_SOURCE_PASSWORD}
            target:
              url: ${SHIFTLOG_TARGET_URL}
              user: ${SHIFTLOG_TARGET_USER}
              password: ${SHIFTLOG_TARGET_PASSWORD}
            kafka:
              bootstrap-servers: ${SHIFTLOG_BOOTSTRAP_SERVERS}
              partitions: 4
            tables:
              - target: items_new
                source: items
                id: uuid5
                columns:
                  name: name
                  shout: { expr: "name + '!'" }
                  amount: amount
                  price: price
                  created_at: created_at
                  local_at: local_at
                  day: day
                  flag: flag
                  tags: tags
                  payload: payload
                  doc: doc
                  ref: ref
                  qty: qty
                  ratio: ratio
            """;

    private ItemsScenario() {}

    /** Rows {@code from..to}; deterministic, with NULLs, unicode and COPY's special characters sprinkled in. */
    static String insert(long from, long to) {
        return """
                INSERT INTO items SELECT g,
                  'item ' || g || CASE WHEN g % 7 = 0 THEN E' ünï\\tcøde\\n"q"\\\\ ✓' ELSE '' END,
                  CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 1.37 - 5000)::numeric(12,2) END,
                  CASE WHEN g % 3 = 0 THEN NULL ELSE g / 7.0 END,
                  timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second 123456 microseconds',
                  timestamp '2024-03-31 01:30:00' + g * interval '1 minute',
                  date '2020-01-01' + (g % 1000)::int,
                  CASE WHEN g % 13 = 0 THEN NULL ELSE g % 2 = 0 END,
                  CASE WHEN g % 5 = 0 THEN NULL ELSE ARRAY['a' || g, 'b,"x"', NULL] END,
                  decode(md5(g::text), 'hex'),
                  jsonb_build_object('n', g, 's', 'v' || g),
                  md5(g::text)::uuid, (g % 100)::smallint, g / 3.0::float8
                FROM generate_series(:from, :to) g
                """.replace(":from", Long.toString(from)).replace(":to", Long.toString(to));
    }

    /**
     * Debezium normalizes the display scale of unconstrained {@code numeric} (1.000 arrives as 1; the value is
     * equal), so the expectation trims it too. Constrained {@code numeric(p,s)} keeps its scale exactly.
     */
    private static final String LEGACY_COLUMNS = "name, amount::text, trim_scale(price)::text, created_at::text,"
            + " local_at::text, day::text, flag::text, tags::text, payload::text, doc::text, ref::text, qty::text, ratio::text";
    private static final String COLUMNS = "name, amount::text, price::text, created_at::text, local_at::text, day::text,"
            + " flag::text, tags::text, payload::text, doc::text, ref::text, qty::text, ratio::text";

    /** legacy id → the target row as text, computed from the legacy table. */
    static Map<Long, List<String>> expected(Connection legacy) throws SQLException {
        Map<Long, List<String>> rows = new TreeMap<>();
        try (Statement s = legacy.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, name || '!', " + LEGACY_COLUMNS + " FROM items")) {
            while (rs.next()) {
                long id = rs.getLong(1);
                List<String> row = new ArrayList<>();
                row.add(Uuid5.forRow(MIGRATION, "items_new", Long.toString(id)).toString());
                for (int i = 2; i <= 15; i++) {
                    row.add(rs.getString(i));
                }
                row.add("true");
                rows.put(id, row);
            }
        }
        return rows;
    }

    /** The first few differences between two row maps, named by legacy id and column position; empty when equal. */
    static List<String> diff(Map<Long, List<String>> expected, Map<Long, List<String>> actual) {
        List<String> out = new ArrayList<>();
        for (var e : expected.entrySet()) {
            List<String> a = actual.get(e.getKey());
            if (a == null) {
                out.add("missing row " + e.getKey());
            } else if (!a.equals(e.getValue())) {
                for (int i = 0; i < a.size(); i++) {
                    if (!java.util.Objects.equals(a.get(i), e.getValue().get(i))) {
                        out.add("row " + e.getKey() + " column #" + i + ": expected <" + e.getValue().get(i) + "> but was <" + a.get(i) + ">");
                    }
                }
            }
            if (out.size() >= 8) {
                return out;
            }
        }
        actual.keySet().stream().filter(k -> !expected.containsKey(k)).limit(8).forEach(k -> out.add("extra row " + k));
        return out;
    }

    /** legacy id → the target row as text, read from the target table. */
    static Map<Long, List<String>> actual(Connection target) throws SQLException {
        Map<Long, List<String>> rows = new TreeMap<>();
        try (Statement s = target.createStatement();
             ResultSet rs = s.executeQuery("SELECT legacy_id, id::text, shout, " + COLUMNS + ", migrated::text FROM items_new")) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 2; i <= 17; i++) {
                    row.add(rs.getString(i));
                }
                rows.put(rs.getLong(1), row);
            }
        }
        return rows;
    }
}
