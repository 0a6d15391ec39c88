package dev.shiftlog.operate.verify;

import static dev.shiftlog.schemas.catalog.SqlIdentifiers.quote;

import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.operate.verify.VerifyReport.Finding;
import dev.shiftlog.operate.verify.VerifyReport.TableCounts;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.catalog.TableInfo;
import dev.shiftlog.schemas.spec.IdStrategy;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks a migrated target against the live legacy rows through the mapping, one target table at a time, with the
 * {@link Verifier}s in order: {@link ExpectedRows} renders the expected rows into a temporary table, {@link RowDiff}
 * compares them with the target in the database, {@link ReferenceIntegrity} checks references and trees. Memory
 * stays flat whatever the table size.
 */
public final class TargetVerifier {
    /** Differences listed per table and kind; the counts always cover all of them. */
    static final int SAMPLES = 20;
    private static final String EXPECTED = "shiftlog_verify_expected";

    private final MigrationDef spec;
    private final ExpectedRows expectedRows;
    private final RowDiff rowDiff = new RowDiff();
    private final ReferenceIntegrity referenceIntegrity;
    private final DlqTally dlq;
    /** Fetches the objects of upload columns while the expected rows are rendered. */
    private final StoredObjectCheck objects = new StoredObjectCheck();

    /** @param dlq the DLQ read to its end, so rejected rows count as accounted for rather than missing */
    public TargetVerifier(MigrationDef spec, DlqTally dlq) {
        this.spec = spec;
        this.dlq = dlq;
        this.expectedRows = new ExpectedRows(dlq, objects);
        this.referenceIntegrity = new ReferenceIntegrity(dlq);
    }

    public VerifyReport verify() throws SQLException {
        List<TableCounts> counts = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        if (spec.target().isJsonLines()) {
            JsonLinesVerifier files = new JsonLinesVerifier(spec, dlq, objects);
            try (Connection source = dev.shiftlog.schemas.catalog.LegacyCatalog.open(spec.source())) {
                for (String table : spec.targetTables()) {
                    counts.add(files.verifyTable(table, source, findings));
                }
            }
            return report(counts, findings, objects.fetched());
        }
        try (Connection source = dev.shiftlog.schemas.catalog.LegacyCatalog.open(spec.source());
             Connection target = PostgresCatalog.open(spec.target())) {
            for (String table : spec.targetTables()) {
                counts.add(verifyTable(table, source, target, findings));
                List<TableMappingDef> mappings = spec.mappingsOf(table);
                if (mappings.get(0).hasReferences()) {
                    referenceIntegrity.verify(new TablePlan(spec, table, mappings, null, matchColumns(mappings), Set.of(), source, target, null),
                            findings);
                }
            }
        }
        return report(counts, findings, objects.fetched());
    }

    private VerifyReport report(List<TableCounts> counts, List<Finding> findings, long objects) {
        long kept = counts.stream().mapToLong(c -> c.expected() + c.rejected()).sum();
        long good = counts.stream().mapToLong(TableCounts::matching).sum();
        double rate = kept == 0 ? 100.0 : 100.0 * good / kept;
        boolean clean = findings.isEmpty() && rate >= spec.successRate();
        java.util.Map<String, java.util.Map<String, Long>> rejections = new java.util.TreeMap<>();
        for (String table : spec.targetTables()) {
            java.util.Map<String, Long> byRule = dlq.byRule(table);
            if (!byRule.isEmpty()) {
                rejections.put(table, new java.util.TreeMap<>(byRule));
            }
        }
        return new VerifyReport(spec.name(), counts, findings, rate, spec.successRate(), clean, rejections, objects);
    }

    private String qualified(String table) {
        return SqlIdentifiers.qualified(spec.target().schema(), table);
    }

    /** The columns a target row is found by: its id when the mapping derives it, else the legacy key; a link table's key. */
    static List<String> matchColumns(List<TableMappingDef> mappings) {
        TableMappingDef first = mappings.get(0);
        if (first.isLinkTable()) {
            return first.linkKey();
        }
        return List.of(matchColumn(mappings));
    }

    private static String matchColumn(List<TableMappingDef> mappings) {
        TableMappingDef first = mappings.get(0);
        boolean derived = mappings.stream().allMatch(t -> t.id() == IdStrategy.UUID5 || t.id() == IdStrategy.PRESERVE);
        return derived || first.keepsLegacyKeyInIdMap() ? first.key() : first.legacyKey();
    }

    private TableCounts verifyTable(String table, Connection source, Connection target, List<Finding> findings) throws SQLException {
        List<TableMappingDef> mappings = spec.mappingsOf(table);
        TableInfo info = PostgresCatalog.table(target, spec.target().schema(), table).orElseThrow(() -> new SQLException(
                "target table " + spec.target().schema() + "." + table + " does not exist; run 'shiftlog plan' first"));
        List<String> match = matchColumns(mappings);
        Set<String> compared = new LinkedHashSet<>(match);
        boolean idsDerived = match.equals(List.of(mappings.get(0).key()));
        for (TableMappingDef t : mappings) {
            if (idsDerived && t.id() != IdStrategy.TARGET) {
                compared.add(t.key());
            }
            if (!t.keepsLegacyKeyInIdMap()) {
                compared.add(t.legacyKey());
            }
            t.columns().forEach(c -> compared.add(c.target()));
        }
        compared.removeIf(c -> !info.columns().containsKey(c));
        String columnList = compared.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
        try (Statement s = target.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + EXPECTED);
            s.execute("CREATE TEMP TABLE " + EXPECTED + " AS SELECT " + columnList + " FROM " + qualified(table) + " WITH NO DATA");
            s.execute("CREATE UNIQUE INDEX ON " + EXPECTED + " (" + match.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", ")) + ")");
        }
        TablePlan plan = new TablePlan(spec, table, mappings, info, match, compared, source, target, EXPECTED);
        ExpectedTally tally = expectedRows.verify(plan, findings);
        DiffTally diff = rowDiff.verify(plan, findings);
        long expected = scalar(target, "SELECT count(*) FROM " + EXPECTED);
        long actual = scalar(target, "SELECT count(*) FROM " + qualified(table));
        try (Statement s = target.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + EXPECTED);
        }
        return new TableCounts(table, tally.legacyRows(), tally.filtered(), tally.rejected(), expected, actual,
                expected - diff.missing() - diff.changed(), diff.missing(), diff.extra(), diff.changed());
    }

    private static long scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
