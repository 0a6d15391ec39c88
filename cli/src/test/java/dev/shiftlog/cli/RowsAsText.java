package dev.shiftlog.cli;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Rows rendered as text by PostgreSQL itself ({@code col::text}), keyed by their first column: the independent
 * oracle of the fidelity tests. The legacy side and the target side are both plain SQL, never shiftlog code.
 */
record RowsAsText(List<String> columns, Map<String, List<String>> rows) {

    /** Runs {@code sql}; its first column is the row key, the others are compared by name. */
    static RowsAsText query(Connection c, String sql) throws SQLException {
        Map<String, List<String>> rows = new TreeMap<>();
        List<String> columns = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 2; i <= md.getColumnCount(); i++) {
                columns.add(md.getColumnLabel(i));
            }
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 2; i <= md.getColumnCount(); i++) {
                    row.add(rs.getString(i));
                }
                rows.put(rs.getString(1), row);
            }
        }
        return new RowsAsText(columns, rows);
    }

    /** Every difference (up to 30) as {@code row <key> <column>: expected <…> but was <…>}; empty when equal. */
    List<String> diff(RowsAsText actual) {
        List<String> out = new ArrayList<>();
        for (var e : rows.entrySet()) {
            List<String> a = actual.rows.get(e.getKey());
            if (a == null) {
                out.add("missing row " + e.getKey());
                continue;
            }
            for (int i = 0; i < columns.size(); i++) {
                if (!Objects.equals(a.get(i), e.getValue().get(i))) {
                    out.add("row " + e.getKey() + " " + columns.get(i) + ": expected <" + abbreviate(e.getValue().get(i))
                            + "> but was <" + abbreviate(a.get(i)) + ">");
                }
            }
        }
        actual.rows.keySet().stream().filter(k -> !rows.containsKey(k)).forEach(k -> out.add("extra row " + k));
        return out.size() > 30 ? out.subList(0, 30) : out;
    }

    private static String abbreviate(String v) {
        return v == null ? "NULL" : v.length() > 120 ? v.substring(0, 60) + "…(" + v.length() + " chars)…" + v.substring(v.length() - 40) : v;
    }

    /** Column name → value of one row, for messages. */
    Map<String, String> row(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> r = rows.get(key);
        for (int i = 0; r != null && i < columns.size(); i++) {
            out.put(columns.get(i), r.get(i));
        }
        return out;
    }
}
