package dev.shiftlog.operate.verify;

import static dev.shiftlog.schemas.catalog.SqlIdentifiers.quote;

import dev.shiftlog.operate.verify.VerifyReport.Finding;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Joins expected and actual rows by key in the database; rows whose hashes differ are diffed column by column (see
 * {@link Verifier} for the trade-offs). Lists up to {@link TargetVerifier#SAMPLES} rows per kind; counts all.
 */
final class RowDiff implements Verifier<DiffTally> {

    /** Types without an equality operator ({@code json} keeps its text exactly, so its text is what must match). */
    private static final Set<String> TEXT_COMPARED_TYPES = Set.of("json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle");

    private static Set<String> columnsWithoutEquality(TablePlan plan) throws SQLException {
        Connection target = plan.target();
        Set<String> columns = new java.util.HashSet<>();
        try (java.sql.PreparedStatement ps = target.prepareStatement("SELECT a.attname, t.typname FROM pg_attribute a"
                + " JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped")) {
            ps.setString(1, plan.qualified(plan.table()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (TEXT_COMPARED_TYPES.contains(rs.getString(2))) {
                        columns.add(rs.getString(1));
                    }
                }
            }
        }
        return columns;
    }

    /** Row aliases no target column is likely to be named: a bare {@code e} or {@code t} would mean the column. */
    private static final String E_ALIAS = "shiftlog_expected_row";
    private static final String T_ALIAS = "shiftlog_target_row";

    @Override
    public DiffTally verify(TablePlan plan, List<Finding> findings) throws SQLException {
        String table = plan.table();
        Set<String> compared = plan.compared();
        Connection target = plan.target();
        String hashE = "md5(ROW(" + compared.stream().map(c -> E_ALIAS + "." + quote(c)).collect(Collectors.joining(", ")) + ")::text)";
        String hashT = "md5(ROW(" + compared.stream().map(c -> T_ALIAS + "." + quote(c)).collect(Collectors.joining(", ")) + ")::text)";
        Set<String> asText = columnsWithoutEquality(plan);
        String differing = "array_remove(ARRAY[" + compared.stream().map(c -> {
            String cast = asText.contains(c) ? "::text" : "";
            return "CASE WHEN " + E_ALIAS + "." + quote(c) + cast + " IS DISTINCT FROM " + T_ALIAS + "." + quote(c) + cast
                    + " THEN '" + c.replace("'", "''") + "' END";
        }).collect(Collectors.joining(", ")) + "], NULL)";
        // every match column is NOT NULL in a target row, so the first one tells a side of the full join is absent
        String expectedFirst = E_ALIAS + "." + quote(plan.match().get(0));
        String targetFirst = T_ALIAS + "." + quote(plan.match().get(0));
        String on = plan.match().stream().map(m -> T_ALIAS + "." + quote(m) + " = " + E_ALIAS + "." + quote(m))
                .collect(Collectors.joining(" AND "));
        String sql = "SELECT CASE WHEN " + expectedFirst + " IS NOT NULL THEN " + plan.matchText(E_ALIAS) + " END, CASE WHEN "
                + targetFirst + " IS NOT NULL THEN " + plan.matchText(T_ALIAS) + " END, " + differing + ", to_jsonb(" + E_ALIAS
                + "), to_jsonb(" + T_ALIAS + ") FROM " + plan.expected() + " " + E_ALIAS + " FULL JOIN " + plan.qualified(table) + " "
                + T_ALIAS + " ON " + on + " WHERE " + expectedFirst + " IS NULL OR " + targetFirst + " IS NULL OR " + hashE + " <> " + hashT
                + " ORDER BY 1, 2";
        long missing = 0;
        long extra = 0;
        long changed = 0;
        boolean autoCommit = target.getAutoCommit();
        target.setAutoCommit(false);
        try (Statement s = target.createStatement()) {
            s.setFetchSize(1000);
            try (ResultSet rs = s.executeQuery(sql)) {
                com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
                while (rs.next()) {
                    String expectedKey = rs.getString(1);
                    String actualKey = rs.getString(2);
                    if (actualKey == null) {
                        if (missing++ < TargetVerifier.SAMPLES) {
                            findings.add(new Finding(FindingKind.MISSING, table, expectedKey, null, null, null,
                                    "the legacy rows give this row; the target does not have it"));
                        }
                    } else if (expectedKey == null) {
                        if (extra++ < TargetVerifier.SAMPLES) {
                            findings.add(new Finding(FindingKind.EXTRA, table, actualKey, null, null, null,
                                    "the target has this row; no legacy row gives it"));
                        }
                    } else if (changed++ < TargetVerifier.SAMPLES) {
                        String[] columns = (String[]) rs.getArray(3).getArray();
                        Map<String, Object> e = json.readValue(rs.getString(4), Map.class);
                        Map<String, Object> t = json.readValue(rs.getString(5), Map.class);
                        for (String column : columns) {
                            findings.add(new Finding(FindingKind.CHANGED, table, actualKey, column, String.valueOf(e.get(column)),
                                    String.valueOf(t.get(column)), null));
                        }
                    }
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new SQLException("cannot read a row of " + table + " as JSON: " + e.getMessage(), e);
            }
        } finally {
            target.commit();
            target.setAutoCommit(autoCommit);
        }
        return new DiffTally(missing, extra, changed);
    }
}
