package dev.shiftlog.operate.verify;

import static dev.shiftlog.schemas.catalog.SqlIdentifiers.quote;

import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.operate.verify.VerifyReport.Finding;
import dev.shiftlog.operate.verify.VerifyReport.TableCounts;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.catalog.TableInfo;
import dev.shiftlog.schemas.rows.PgCopyText;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.rows.Uuid5;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.IdStrategy;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Checks a migrated target against the live legacy rows through the mapping: recomputes every expected target row
 * with the transformer's own {@link RowMapper}, streams them into a temporary table of the target's own column
 * types, and lets PostgreSQL compare row hashes by key, then column by column for the keys that differ. Memory
 * stays flat whatever the table size: rows stream in COPY batches and the join runs in the database.
 */
public final class TargetVerifier {
    /** Differences listed per table and kind; the counts always cover all of them. */
    static final int SAMPLES = 20;
    private static final int COPY_BATCH = 10_000;
    private static final String EXPECTED = "shiftlog_verify_expected";
    private static final String STAGING = "shiftlog_verify_staging";
    private static final String REF_KEY = "shiftlog_ref_key";

    private final MigrationDef spec;
    private final DlqTally dlq;

    /** @param dlq the DLQ read to its end, so rejected rows count as accounted for rather than missing */
    public TargetVerifier(MigrationDef spec, DlqTally dlq) {
        this.spec = spec;
        this.dlq = dlq;
    }

    public VerifyReport verify() throws SQLException {
        List<TableCounts> counts = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        try (Connection source = PostgresCatalog.open(spec.source());
             Connection target = PostgresCatalog.open(spec.target())) {
            for (String table : spec.targetTables()) {
                counts.add(verifyTable(table, source, target, findings));
                TableMappingDef first = spec.mappingsOf(table).get(0);
                if (first.reference() != null) {
                    checkReferences(first, source, target, findings);
                }
            }
        }
        long kept = counts.stream().mapToLong(c -> c.expected() + c.rejected()).sum();
        long good = counts.stream().mapToLong(TableCounts::matching).sum();
        double rate = kept == 0 ? 100.0 : 100.0 * good / kept;
        boolean clean = findings.isEmpty() && rate >= spec.successRate();
        return new VerifyReport(spec.name(), counts, findings, rate, spec.successRate(), clean);
    }

    private String qualified(String table) {
        return SqlIdentifiers.qualified(spec.target().schema(), table);
    }

    /** The column a target row is found by: its id when the mapping derives it, else the legacy key. */
    private static String matchColumn(List<TableMappingDef> mappings) {
        TableMappingDef first = mappings.get(0);
        boolean derived = mappings.stream().allMatch(t -> t.id() == IdStrategy.UUID5 || t.id() == IdStrategy.PRESERVE);
        return derived || first.keepsLegacyKeyInIdMap() ? first.key() : first.legacyKey();
    }

    private TableCounts verifyTable(String table, Connection source, Connection target, List<Finding> findings) throws SQLException {
        List<TableMappingDef> mappings = spec.mappingsOf(table);
        TableInfo info = PostgresCatalog.table(target, spec.target().schema(), table).orElseThrow(() -> new SQLException(
                "target table " + spec.target().schema() + "." + table + " does not exist; run 'shiftlog plan' first"));
        String match = matchColumn(mappings);
        Set<String> compared = new LinkedHashSet<>();
        boolean idsDerived = match.equals(mappings.get(0).key());
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
            s.execute("CREATE UNIQUE INDEX ON " + EXPECTED + " (" + quote(match) + ")");
        }
        long legacyRows = 0;
        long filtered = 0;
        long rejected = 0;
        for (TableMappingDef mapping : mappings) {
            long[] tally = loadExpected(mapping, compared, match, info, source, target, findings);
            legacyRows += tally[0];
            filtered += tally[1];
            rejected += tally[2];
        }
        long[] diff = compare(table, match, compared, target, findings);
        long expected = scalar(target, "SELECT count(*) FROM " + EXPECTED);
        long actual = scalar(target, "SELECT count(*) FROM " + qualified(table));
        try (Statement s = target.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + EXPECTED);
        }
        long missing = diff[0];
        long extra = diff[1];
        long changed = diff[2];
        return new TableCounts(table, legacyRows, filtered, rejected, expected, actual, expected - missing - changed, missing, extra, changed);
    }

    /** Maps every legacy row of one mapping into the expected table; returns {legacy rows, filtered, rejected}. */
    private long[] loadExpected(TableMappingDef mapping, Set<String> compared, String match, TableInfo info, Connection source,
                                Connection target, List<Finding> findings) throws SQLException {
        ColumnDef reference = mapping.reference();
        TableMappingDef parent = reference == null ? null : spec.tables().stream().filter(t -> t.target().equals(reference.ref()))
                .findFirst().orElse(null);
        boolean parentIdComputed = parent != null && !parent.merged()
                && (parent.id() == IdStrategy.UUID5 || parent.id() == IdStrategy.PRESERVE);
        long legacyRows = 0;
        long filtered = 0;
        long rejected = 0;
        List<String> fields;
        try (LegacyRowReader rows = LegacyRowReader.forMapping(source, spec, mapping)) {
            RowMapper mapper = rows.mapper(spec, mapping);
            Schema valueSchema = mapper.valueSchema();
            fields = valueSchema.getFields().stream().map(Schema.Field::name).filter(compared::contains).toList();
            boolean refThroughSql = reference != null && !parentIdComputed;
            try (Statement s = target.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + STAGING);
                s.execute("CREATE TEMP TABLE " + STAGING + " AS SELECT " + fields.stream().map(SqlIdentifiers::quote)
                        .collect(Collectors.joining(", ")) + (refThroughSql ? ", NULL::text AS " + REF_KEY : "")
                        + " FROM " + qualified(mapping.target()) + " WITH NO DATA");
            }
            CopyManager copy = target.unwrap(PGConnection.class).getCopyAPI();
            String copySql = "COPY " + STAGING + " (" + fields.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "))
                    + (refThroughSql ? ", " + REF_KEY : "") + ") FROM STDIN";
            StringBuilder batch = new StringBuilder();
            int inBatch = 0;
            for (LegacyRowReader.LegacyRow row = rows.next(); row != null; row = rows.next()) {
                legacyRows++;
                String legacyKey = mapper.rejectionKey(row.key()); // as the DLQ names it
                GenericRecord value;
                try {
                    if (!mapper.accepts(row.key(), row.value())) {
                        filtered++;
                        continue;
                    }
                    value = mapper.value(row.key(), row.value());
                } catch (RowMapper.RowRejectedException e) {
                    rejected++;
                    if (!dlq.contains(mapping.target(), legacyKey)) {
                        findings.add(new Finding("unaccounted", mapping.target(), legacyKey, null, null, null,
                                "the mapping rejects this row but the DLQ does not hold it: " + e.getMessage()));
                    }
                    continue;
                }
                if (dlq.contains(mapping.target(), legacyKey)) {
                    rejected++;
                    continue;
                }
                String parentKey = reference == null ? null : mapper.referencedKey(row.value());
                for (int i = 0; i < fields.size(); i++) {
                    if (i > 0) {
                        batch.append('\t');
                    }
                    String field = fields.get(i);
                    Schema.Field f = valueSchema.getField(field);
                    if (reference != null && field.equals(reference.target()) && parentIdComputed && parentKey != null) {
                        batch.append(parent.id() == IdStrategy.UUID5
                                ? Uuid5.forRow(spec.name(), RowMapper.uuid5Table(parent), parentKey).toString() : parentKey);
                    } else {
                        PgCopyText.append(batch, f.schema(), value.get(f.pos()));
                    }
                }
                if (refThroughSql) {
                    batch.append('\t');
                    PgCopyText.append(batch, Schema.create(Schema.Type.STRING), parentKey);
                }
                batch.append('\n');
                if (++inBatch == COPY_BATCH) {
                    copyIn(copy, copySql, batch);
                    inBatch = 0;
                }
            }
            copyIn(copy, copySql, batch);
            mergeStaging(mapping, fields, match, refThroughSql ? parent : null, target);
        }
        return new long[] {legacyRows, filtered, rejected};
    }

    private static void copyIn(CopyManager copy, String sql, StringBuilder batch) throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        try {
            copy.copyIn(sql, new StringReader(batch.toString()));
        } catch (java.io.IOException e) {
            throw new SQLException("COPY of expected rows failed: " + e.getMessage(), e);
        }
        batch.setLength(0);
    }

    /**
     * Adds one mapping's rows to the expected table: an upsert, so mappings that consolidate into one target row
     * (match-on) each fill their own columns, as the sink does. References to rows whose ids the mapping cannot
     * compute are resolved through the parent's legacy key in the target.
     */
    private void mergeStaging(TableMappingDef mapping, List<String> fields, String match, TableMappingDef parent, Connection target)
            throws SQLException {
        String columns = fields.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
        // several legacy rows of one mapping may consolidate into one target row; the upsert may touch it once
        String distinct = mapping.matchOn() != null ? "DISTINCT ON (s." + quote(match) + ") " : "";
        String select = fields.stream().map(f -> parent != null && f.equals(mapping.reference().target())
                ? "(SELECT p." + quote(parent.key()) + " FROM " + qualified(parent.target()) + " p WHERE p."
                        + quote(parent.legacyKey()) + "::text = s." + REF_KEY + ")"
                : "s." + quote(f)).collect(Collectors.joining(", "));
        String updates = fields.stream().filter(f -> !f.equals(match)).map(f -> quote(f) + " = EXCLUDED." + quote(f))
                .collect(Collectors.joining(", "));
        try (Statement s = target.createStatement()) {
            s.executeUpdate("INSERT INTO " + EXPECTED + " (" + columns + ") SELECT " + distinct + select + " FROM " + STAGING + " s ON CONFLICT ("
                    + quote(match) + ") DO " + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates));
            s.execute("DROP TABLE " + STAGING);
        }
    }

    /** Types without an equality operator ({@code json} keeps its text exactly, so its text is what must match). */
    private static final Set<String> TEXT_COMPARED_TYPES = Set.of("json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle");

    private Set<String> columnsWithoutEquality(String table, Connection target) throws SQLException {
        Set<String> columns = new java.util.HashSet<>();
        try (java.sql.PreparedStatement ps = target.prepareStatement("SELECT a.attname, t.typname FROM pg_attribute a"
                + " JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped")) {
            ps.setString(1, qualified(table));
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

    /**
     * Joins expected and actual rows by key; rows whose hashes differ are diffed column by column. Returns
     * {missing, extra, changed}.
     */
    private long[] compare(String table, String match, Set<String> compared, Connection target, List<Finding> findings)
            throws SQLException {
        String hashE = "md5(ROW(" + compared.stream().map(c -> E_ALIAS + "." + quote(c)).collect(Collectors.joining(", ")) + ")::text)";
        String hashT = "md5(ROW(" + compared.stream().map(c -> T_ALIAS + "." + quote(c)).collect(Collectors.joining(", ")) + ")::text)";
        Set<String> asText = columnsWithoutEquality(table, target);
        String differing = "array_remove(ARRAY[" + compared.stream().map(c -> {
            String cast = asText.contains(c) ? "::text" : "";
            return "CASE WHEN " + E_ALIAS + "." + quote(c) + cast + " IS DISTINCT FROM " + T_ALIAS + "." + quote(c) + cast
                    + " THEN '" + c.replace("'", "''") + "' END";
        }).collect(Collectors.joining(", ")) + "], NULL)";
        String expectedMatch = E_ALIAS + "." + quote(match);
        String targetMatch = T_ALIAS + "." + quote(match);
        String sql = "SELECT " + expectedMatch + "::text, " + targetMatch + "::text, " + differing + ", to_jsonb(" + E_ALIAS + "), to_jsonb("
                + T_ALIAS + ") FROM " + EXPECTED + " " + E_ALIAS + " FULL JOIN " + qualified(table) + " " + T_ALIAS + " ON " + targetMatch
                + " = " + expectedMatch + " WHERE " + expectedMatch + " IS NULL OR " + targetMatch + " IS NULL OR " + hashE + " <> " + hashT
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
                        if (missing++ < SAMPLES) {
                            findings.add(new Finding("missing", table, expectedKey, null, null, null,
                                    "the legacy rows give this row; the target does not have it"));
                        }
                    } else if (expectedKey == null) {
                        if (extra++ < SAMPLES) {
                            findings.add(new Finding("extra", table, actualKey, null, null, null,
                                    "the target has this row; no legacy row gives it"));
                        }
                    } else if (changed++ < SAMPLES) {
                        String[] columns = (String[]) rs.getArray(3).getArray();
                        Map<String, Object> e = json.readValue(rs.getString(4), Map.class);
                        Map<String, Object> t = json.readValue(rs.getString(5), Map.class);
                        for (String column : columns) {
                            findings.add(new Finding("changed", table, actualKey, column, String.valueOf(e.get(column)),
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
        return new long[] {missing, extra, changed};
    }

    /**
     * Referential integrity of one reference column (every non-null value names an existing row) and, for trees,
     * no cycles and the same number of rows on every level as the legacy tree.
     */
    private void checkReferences(TableMappingDef t, Connection source, Connection target, List<Finding> findings) throws SQLException {
        ColumnDef ref = t.reference();
        TableMappingDef parent = spec.tables().stream().filter(p -> p.target().equals(ref.ref())).findFirst().orElseThrow();
        String child = qualified(t.target());
        String refCol = quote(ref.target());
        String parentKey = quote(parent.key());
        String show = quote(matchColumn(List.of(t)));
        try (Statement s = target.createStatement();
             ResultSet rs = s.executeQuery("SELECT c." + show + "::text, c." + refCol + "::text FROM " + child + " c WHERE c." + refCol
                     + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + qualified(parent.target()) + " p WHERE p." + parentKey + " = c."
                     + refCol + ") ORDER BY 1 LIMIT " + SAMPLES)) {
            while (rs.next()) {
                findings.add(new Finding("orphan", t.target(), rs.getString(1), ref.target(), "a row of " + parent.target(),
                        rs.getString(2), "references " + parent.target() + "." + parent.key() + " = " + rs.getString(2) + ", which does not exist"));
            }
        }
        if (!ref.ref().equals(t.target())) {
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
                findings.add(new Finding("cycle", t.target(), ring.get(0), ref.target(), null, null,
                        "rows reference each other in a ring: " + String.join(" → ", ring)));
            }
        }
        if (t.where() == null && !t.merged()) {
            Map<Integer, Long> legacyLevels = legacyLevels(t, source);
            if (legacyLevels != null && !legacyLevels.equals(targetLevels)) {
                findings.add(new Finding("tree-levels", t.target(), null, ref.target(), legacyLevels.toString(), targetLevels.toString(),
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
    private Map<Integer, Long> legacyLevels(TableMappingDef t, Connection source) throws SQLException {
        String schema = t.sourceSchema(spec.source().schema());
        TableInfo legacy = PostgresCatalog.table(source, schema, t.sourceTable()).orElse(null);
        if (legacy == null || legacy.primaryKey().size() != 1) {
            return null;
        }
        String pk = quote(legacy.primaryKey().get(0));
        String from = quote(t.reference().from());
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

    private static long scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    }
