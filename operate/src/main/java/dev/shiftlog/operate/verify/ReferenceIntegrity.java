package dev.shiftlog.operate.verify;

import static dev.shiftlog.schemas.catalog.SqlIdentifiers.quote;

import dev.shiftlog.operate.verify.VerifyReport.Finding;
import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.catalog.TableInfo;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The structure of a table with references (see {@link Verifier}): no orphan in any reference column, and for a
 * tree (a reference to its own table) no cycle and as many rows per level as the legacy tree. Returns how many findings it added.
 */
final class ReferenceIntegrity implements Verifier<Integer> {
    private final DlqTally dlq;

    ReferenceIntegrity(DlqTally dlq) {
        this.dlq = dlq;
    }

    /**
     * Referential integrity of one reference column (every non-null value names an existing row) and, for trees,
     * no cycles and the same number of rows on every level as the legacy tree.
     */
    @Override
    public Integer verify(TablePlan plan, List<Finding> findings) throws SQLException {
        int before = findings.size();
        TableMappingDef mapping = plan.mappings().get(0);
        for (ColumnDef ref : mapping.references()) {
            check(plan, mapping, ref, findings);
        }
        return findings.size() - before;
    }

    private void check(TablePlan plan, TableMappingDef t, ColumnDef ref, List<Finding> findings) throws SQLException {
        Connection source = plan.source();
        Connection target = plan.target();
        MigrationDef spec = plan.spec();
        TableMappingDef parent = spec.tables().stream().filter(p -> p.target().equals(ref.ref())).findFirst().orElseThrow();
        String child = plan.qualified(t.target());
        String refCol = quote(ref.target());
        String parentKey = quote(parent.key());
        List<String> matchColumns = TargetVerifier.matchColumns(List.of(t));
        String show = matchColumns.size() == 1 ? "c." + quote(matchColumns.get(0)) : "ROW(" + matchColumns.stream().map(m -> "c." + quote(m))
                .collect(java.util.stream.Collectors.joining(", ")) + ")";
        try (Statement s = target.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + show + "::text, c." + refCol + "::text FROM " + child + " c WHERE c." + refCol
                     + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + plan.qualified(parent.target()) + " p WHERE p." + parentKey + " = c."
                     + refCol + ") ORDER BY 1 LIMIT " + TargetVerifier.SAMPLES)) {
            while (rs.next()) {
                findings.add(new Finding(FindingKind.ORPHAN, t.target(), rs.getString(1), ref.target(), "a row of " + parent.target(),
                        rs.getString(2), "references " + parent.target() + "." + parent.key() + " = " + rs.getString(2) + ", which does not exist"));
            }
        }
        if (!ref.ref().equals(t.target()) || ref.reference().composite() || ref.reference().byMatch()) {
            return;
        }
        String key = quote(t.key());
        String levels = "WITH RECURSIVE tree(id, level) AS (SELECT " + key + ", 0 FROM " + child + " WHERE " + refCol + " IS NULL"
                + " UNION ALL SELECT c." + key + ", tree.level + 1 FROM " + child + " c JOIN tree ON c." + refCol + " = tree.id)";
        Map<Integer, Long> targetLevels = new TreeMap<>();
        try (Statement s = target.createStatement();
             ResultSet rs = s.executeQuery(levels + " SELECT level, count(*) FROM tree GROUP BY level")) {
            while (rs.next()) {
                targetLevels.put(rs.getInt(1), rs.getLong(2));
            }
        }
        // Rows unreachable from a root whose parent exists hang in (or under) a cycle: walk up from one to name the ring.
        try (Statement s = target.createStatement();
             ResultSet rs = s.executeQuery(levels + " SELECT c." + key + "::text FROM " + child + " c WHERE c." + refCol
                     + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tree WHERE tree.id = c." + key + ") AND EXISTS (SELECT 1 FROM "
                     + child + " p WHERE p." + key + " = c." + refCol + ") ORDER BY 1 LIMIT 1")) {
            if (rs.next()) {
                List<String> ring = walkToCycle(target, child, key, refCol, rs.getString(1));
                findings.add(new Finding(FindingKind.CYCLE, t.target(), ring.get(0), ref.target(), null, null,
                        "rows reference each other in a ring: " + String.join(" → ", ring)));
            }
        }
        if (t.where() == null && !t.merged()) {
            Map<Integer, Long> legacyLevels = legacyLevels(spec, t, ref, source);
            if (legacyLevels != null && !legacyLevels.equals(targetLevels)) {
                findings.add(new Finding(FindingKind.TREE_LEVELS, t.target(), null, ref.target(), legacyLevels.toString(), targetLevels.toString(),
                        "rows per tree level (level → rows) differ from the legacy tree"));
            }
        }
    }

    private static List<String> walkToCycle(Connection target, String table, String key, String refCol, String start) throws SQLException {
        List<String> path = new ArrayList<>();
        String at = start;
        try (PreparedStatement ps = target.prepareStatement("SELECT " + refCol + "::text FROM " + table + " WHERE " + key + "::text = ?")) {
            while (at != null && !path.contains(at) && path.size() < 100_000) {
                path.add(at);
                ps.setString(1, at);
                try (ResultSet rs = ps.executeQuery()) {
                    at = rs.next() ? rs.getString(1) : null;
                }
            }
        }
        if (at == null || !path.contains(at)) {
            return path;
        }
        List<String> ring = new ArrayList<>(path.subList(path.indexOf(at), path.size()));
        ring.add(at);
        return ring;
    }

    /**
     * Rows per level of the legacy tree, counting only rows the DLQ does not hold (a rejected subtree is not
     * expected in the target); null when the legacy table cannot be read that way.
     */
    private Map<Integer, Long> legacyLevels(MigrationDef spec, TableMappingDef t, ColumnDef ref, Connection source) throws SQLException {
        if (spec.source().isSqlite()) {
            return null; // the level count below is PostgreSQL's SQL; the orphan and cycle checks above still ran
        }
        String schema = t.sourceSchema(spec.source().schema());
        TableInfo legacy = PostgresCatalog.table(source, schema, t.sourceTable()).orElse(null);
        if (legacy == null || legacy.primaryKey().size() != 1) {
            return null;
        }
        String pk = quote(legacy.primaryKey().get(0));
        String from = quote(ref.from());
        String table = SqlIdentifiers.qualified(schema, t.sourceTable());
        Map<Integer, Long> levels = new TreeMap<>();
        source.setAutoCommit(false); // a cursor: the tree streams, memory stays flat
        try (Statement s = source.createStatement()) {
            s.setFetchSize(5_000);
            try (ResultSet rs = s.executeQuery("WITH RECURSIVE tree(id, level) AS (SELECT " + pk + ", 0 FROM " + table + " WHERE "
                    + from + " IS NULL UNION ALL SELECT c." + pk + ", tree.level + 1 FROM " + table + " c JOIN tree ON c." + from
                    + " = tree.id) SELECT id::text, level FROM tree")) {
                while (rs.next()) {
                    if (!dlq.contains(t.target(), rs.getString(1))) {
                        levels.merge(rs.getInt(2), 1L, Long::sum);
                    }
                }
            }
        }
        return levels;
    }
}
