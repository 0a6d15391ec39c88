package dev.shiftlog.operate.drift;

import dev.shiftlog.operate.drift.SchemaDrift.Severity;
import dev.shiftlog.operate.drift.TypeFit.Fit;
import dev.shiftlog.operate.verify.LegacyRowReader;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.catalog.ColumnInfo;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.rows.StoredObjects;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.IdStrategy;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.ReferenceCycle;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * Compares the target schema a spec needs — the columns each mapping writes, with the types its row function
 * produces — against the live target before anything is written (S5): type mismatches, NOT NULL columns the mapping
 * cannot fill, legacy NULLs headed for NOT NULL columns, upsert keys without a unique index, generated columns the
 * mapping writes, and columns the spec leaves alone. Missing tables and columns are the catalog check's errors and
 * are skipped here. Reads only.
 */
public final class TargetSchemaDrift {
    private final MigrationDef spec;
    private final boolean countNulls;

    /**
     * @param countNulls scan legacy tables to count the NULLs headed for NOT NULL columns (plan does; a worker's
     *     start-up check only needs the errors and skips the scan)
     */
    public TargetSchemaDrift(MigrationDef spec, boolean countNulls) {
        this.spec = spec;
        this.countNulls = countNulls;
    }

    /** Every finding, errors first within each table, in spec order. */
    public List<SchemaDrift> check() throws SQLException {
        List<SchemaDrift> findings = new ArrayList<>();
        if (spec.target().isJsonLines()) {
            return findings; // files take every field the mapping writes
        }
        try (Connection source = dev.shiftlog.schemas.catalog.LegacyCatalog.open(spec.source()); Connection target = PostgresCatalog.open(spec.target())) {
            for (String table : spec.targetTables()) {
                Map<String, ColumnInfo> columns = PostgresCatalog.columns(target, spec.target().schema(), table);
                if (columns.isEmpty()) {
                    continue; // the catalog check reports the missing table
                }
                List<SchemaDrift> ofTable = new ArrayList<>();
                Set<String> filled = new HashSet<>();
                for (TableMappingDef mapping : spec.mappingsOf(table)) {
                    checkMapping(source, target, mapping, columns, filled, ofTable);
                }
                TableMappingDef first = spec.mappingsOf(table).get(0);
                for (ColumnInfo column : columns.values()) {
                    if (!filled.contains(column.name()) && !column.generated() && (!column.notNull() || column.filledByDatabase())) {
                        ofTable.add(new SchemaDrift(Severity.NOTE, first.location(), table, column.name(), "target column '" + table
                                + "." + column.name() + "' is not filled by the spec; it " + (column.filledByDatabase()
                                ? "gets its default" : "stays NULL")));
                    }
                }
                checkForeignKeyIndexes(target, first, ofTable);
                ofTable.sort(java.util.Comparator.comparing(SchemaDrift::severity));
                findings.addAll(ofTable);
            }
            checkCycles(target, findings);
        }
        return findings;
    }

    /**
     * A cycle of references lands whole only if one of its columns can hold NULL while its parent is still missing
     * and is patched later: an error when every column around it is NOT NULL in the target, a warning when none has
     * {@code land-null-then-patch} (trees excepted: their rows rarely form rings).
     */
    private void checkCycles(Connection target, List<SchemaDrift> findings) throws SQLException {
        for (ReferenceCycle cycle : spec.referenceCycles()) {
            List<ReferenceCycle.Edge> nullable = new ArrayList<>();
            boolean known = true;
            for (ReferenceCycle.Edge e : cycle.edges()) {
                ColumnInfo column = PostgresCatalog.columns(target, spec.target().schema(), e.table().target()).get(e.column().target());
                if (column == null) {
                    known = false; // the catalog check reports it
                } else if (!column.notNull()) {
                    nullable.add(e);
                }
            }
            ReferenceCycle.Edge first = cycle.edges().get(0);
            String what = cycle.tree() ? "the tree reference " + cycle : "the references " + cycle + " form a cycle, and";
            if (known && nullable.isEmpty()) {
                ReferenceCycle.Edge fix = cycle.edges().get(cycle.edges().size() - 1);
                findings.add(new SchemaDrift(Severity.ERROR, first.column().location(), first.table().target(), first.column().target(),
                        what + (cycle.tree() ? " is" : " every one is") + " NOT NULL in the target, so rows that reference each other"
                        + " can never land: make one column nullable (e.g. ALTER TABLE " + fix.table().target() + " ALTER COLUMN "
                        + fix.column().target() + " DROP NOT NULL) and give it on-missing-parent: land-null-then-patch"));
            } else if (!cycle.tree() && cycle.patchable().isEmpty()) {
                ReferenceCycle.Edge fix = nullable.isEmpty() ? first : nullable.get(0);
                findings.add(new SchemaDrift(Severity.WARNING, first.column().location(), first.table().target(), first.column().target(),
                        what + " no column around it has on-missing-parent: land-null-then-patch, so rows that reference each other"
                        + " wait park-timeout and go to " + new TopicNames(spec.name()).dlq() + ": give it to "
                        + fix.table().target() + "." + fix.column().target()));
            }
        }
    }

    private void checkMapping(Connection source, Connection target, TableMappingDef mapping, Map<String, ColumnInfo> columns,
                              Set<String> filled, List<SchemaDrift> out) throws SQLException {
        String table = mapping.target();
        String arrow = "'" + mapping.source() + "' → '" + table + "'";
        String sourceSchema = mapping.sourceSchema(spec.source().schema());
        Map<String, ColumnInfo> legacyColumns = dev.shiftlog.schemas.catalog.LegacyCatalog.columns(source, spec.source(), sourceSchema, mapping.sourceTable());
        if (legacyColumns.isEmpty()) {
            return; // the catalog check reports it
        }
        Schema written;
        try {
            written = LegacyRowReader.mapperOf(source, spec, mapping).valueSchema();
        } catch (RowMapper.RowMappingException e) {
            return; // an expression or column the catalog check reports
        }
        String rowKey = mapping.rowKeyColumn();
        if (mapping.isLinkTable()) {
            if (columns.keySet().containsAll(mapping.linkKey()) && !hasUniqueIndex(target, table, mapping.linkKey())) {
                String keys = String.join(", ", mapping.linkKey());
                out.add(new SchemaDrift(Severity.ERROR, mapping.location(), table, null, "link table '" + table + "' has no unique"
                        + " index on (" + keys + "); the sink upserts with ON CONFLICT (" + keys + "): add PRIMARY KEY (" + keys + ")"));
            }
        } else if (columns.containsKey(rowKey) && !hasUniqueIndex(target, table, List.of(rowKey))) {
            out.add(new SchemaDrift(Severity.ERROR, mapping.location(), table, rowKey, "target table '" + table
                    + "' has no unique index on '" + rowKey + "' alone; the sink upserts with ON CONFLICT (" + rowKey
                    + "): add PRIMARY KEY or UNIQUE (" + rowKey + ")"));
        }
        if (mapping.id() == IdStrategy.TARGET) {
            ColumnInfo key = columns.get(mapping.key());
            filled.add(mapping.key());
            if (key != null && !key.filledByDatabase()) {
                out.add(new SchemaDrift(Severity.ERROR, mapping.location(), table, key.name(), "'id: target' lets the database "
                        + "assign '" + table + "." + key.name() + "', but the column has no DEFAULT or identity: add "
                        + "GENERATED BY DEFAULT AS IDENTITY (or a DEFAULT such as gen_random_uuid())"));
            }
        }
        Map<String, ColumnDef> byTarget = new LinkedHashMap<>();
        mapping.columns().forEach(c -> byTarget.put(c.target(), c));
        List<ColumnDef> nullableInputs = new ArrayList<>();
        for (Schema.Field field : written.getFields()) {
            String name = field.name();
            if (name.equals(mapping.legacyKeyOutsideTable())) {
                continue; // kept in the id map table, not in a column
            }
            filled.add(name);
            ColumnInfo column = columns.get(name);
            ColumnDef def = byTarget.get(name);
            var location = def == null ? mapping.location() : def.location();
            if (column == null) {
                continue; // the catalog check reports the missing column
            }
            if (StoredObjects.isObjectField(name)) {
                continue; // an object for the bucket, never written to the target
            }
            String what = def == null ? (name.equals(mapping.key()) ? "the id (" + mapping.id().specName() + ")" : "the legacy key")
                    : def.isUpload() ? "the URL of the object 'upload: " + def.upload().expr() + "' puts into " + def.upload().bucket()
                    : def.isExpression() ? "expression " + def.expr()
                    : def.isReference() && def.reference().byMatch() ? "the new id of the " + def.ref() + " row matching " + def.reference().match()
                    : !legacyColumns.containsKey(def.from()) ? "the looked-up '" + def.from() + "'"
                    : "legacy column '" + mapping.sourceTable() + "." + def.from() + "' " + legacyColumns.get(def.from()).display();
            if (column.generated()) {
                out.add(new SchemaDrift(Severity.ERROR, location, table, name, "target column '" + table + "." + name
                        + "' is GENERATED; the database computes it, so the spec must not fill it: remove it from 'columns'"));
                continue;
            }
            String writes = TypeFit.describe(field.schema());
            boolean sameType = def != null && !def.isExpression() && !def.isReference() && !def.isUpload()
                    && column.type().equals(legacyColumns.get(def.from()).type()); // e.g. jsonb travels as text
            Fit fit = sameType ? Fit.OK : TypeFit.fit(field.schema(), column);
            if (fit == Fit.NEVER) {
                out.add(new SchemaDrift(Severity.ERROR, location, table, name, "target column '" + table + "." + name + "' is "
                        + column.display() + " but the mapping writes " + writes + " (" + what + "); no " + writes
                        + " value loads into " + column.display() + ", so every row would be rejected: change the column "
                        + "type or map an expression that yields " + column.display()));
            } else if (fit == Fit.DEPENDS) { // an expression written for this column is meant to yield its input text
                out.add(new SchemaDrift(def != null && def.isExpression() ? Severity.NOTE : Severity.WARNING, location, table, name, "target column '" + table + "." + name + "' is "
                        + column.display() + " but the mapping writes " + writes + " (" + what + "); rows whose value is not "
                        + "valid " + column.display() + " input go to " + new TopicNames(spec.name()).dlq()));
            }
            if (column.notNull() && def != null && !def.isExpression() && legacyColumns.containsKey(def.from()) && !legacyColumns.get(def.from()).notNull()) {
                nullableInputs.add(def);
            }
            if (column.notNull() && def != null && def.isReference() && def.reference().landNullThenPatch()) {
                out.add(new SchemaDrift(Severity.WARNING, location, table, name, "target column '" + table + "." + name
                        + "' is NOT NULL, but 'on-missing-parent: land-null-then-patch' lands a child before its parent with "
                        + "NULL there; drop NOT NULL until the patch ran, or park children instead"));
            }
        }
        for (ColumnInfo column : columns.values()) {
            if (column.notNull() && !column.filledByDatabase() && !written.getFields().stream().anyMatch(f -> f.name().equals(column.name()))
                    && !(mapping.id() == IdStrategy.TARGET && column.name().equals(mapping.key()))) {
                out.add(new SchemaDrift(Severity.ERROR, mapping.location(), table, column.name(), "target column '" + table + "."
                        + column.name() + "' is NOT NULL without a DEFAULT and mapping " + arrow + " does not fill it, so "
                        + "every row would be rejected: map it under 'columns' or give the column a DEFAULT"));
            }
        }
        if (countNulls && !nullableInputs.isEmpty()) {
            Map<String, Long> nulls = countNulls(source, sourceSchema, mapping.sourceTable(), nullableInputs);
            for (ColumnDef def : nullableInputs) {
                long n = nulls.get(def.from());
                out.add(new SchemaDrift(n > 0 ? Severity.WARNING : Severity.NOTE, def.location(), table, def.target(), "target column '"
                        + table + "." + def.target() + "' is NOT NULL but legacy column '" + mapping.sourceTable() + "." + def.from()
                        + "' allows NULL (" + n + " legacy row(s) are NULL now)" + (n > 0 ? "; those rows go to "
                        + new TopicNames(spec.name()).dlq() + " unless you map a fallback, e.g. { expr: \"" + def.from()
                        + " == null ? <default> : " + def.from() + "\" }" : "")));
            }
        }
    }

    /**
     * A foreign key whose columns lead no index makes PostgreSQL scan the whole referencing table for every delete
     * (and key change) of a parent row; PostgreSQL creates no such index by itself. Under CDC each delete the sink
     * holds until a child moves is tried again and again, so the scans pile up while their locks make other sinks wait.
     */
    private void checkForeignKeyIndexes(Connection target, TableMappingDef mapping, List<SchemaDrift> out) throws SQLException {
        String table = mapping.target();
        try (PreparedStatement ps = target.prepareStatement("""
                SELECT c.conname, c.confrelid::regclass::text,
                       array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n)
                FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace s ON s.oid = r.relnamespace
                WHERE c.contype = 'f' AND s.nspname = ? AND r.relname = ?
                  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indpred IS NULL
                                  AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                                  AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
                ORDER BY c.conname""")) {
            ps.setString(1, spec.target().schema());
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> columns = List.of((String[]) rs.getArray(3).getArray());
                    ColumnDef def = columns.size() != 1 ? null : mapping.columns().stream()
                            .filter(c -> c.target().equals(columns.get(0))).findFirst().orElse(null);
                    String list = columns.stream().map(SqlIdentifiers::quote).collect(java.util.stream.Collectors.joining(", "));
                    out.add(new SchemaDrift(Severity.WARNING, def == null ? mapping.location() : def.location(), table,
                            columns.size() == 1 ? columns.get(0) : null, "foreign key " + rs.getString(1) + " (" + table + "."
                            + String.join(", ", columns) + " → " + rs.getString(2) + ") has no index, so every delete of a "
                            + rs.getString(2) + " row scans all of " + table + " — under CDC deletes crawl as it grows: CREATE INDEX ON "
                            + SqlIdentifiers.qualified(spec.target().schema(), table) + " (" + list + ")"));
                }
            }
        }
    }

    /** Whether a unique index (no predicate, no expression) covers exactly these columns, in any order. */
    private boolean hasUniqueIndex(Connection c, String table, List<String> columns) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT count(*) FROM pg_index i
                JOIN pg_class r ON r.oid = i.indrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                WHERE i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL AND n.nspname = ? AND r.relname = ?
                  AND i.indnkeyatts = cardinality(?::text[])
                  AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
                       WHERE a.attrelid = r.oid AND a.attnum = ANY (i.indkey[0:i.indnkeyatts - 1]))
                      = (SELECT array_agg(x ORDER BY x) FROM unnest(?::text[]) x)""")) {
            ps.setString(1, spec.target().schema());
            ps.setString(2, table);
            java.sql.Array names = c.createArrayOf("text", columns.toArray());
            ps.setArray(3, names);
            ps.setArray(4, names);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** NULLs per legacy column, all columns of a table in one scan. */
    private static Map<String, Long> countNulls(Connection c, String schema, String table, List<ColumnDef> columns) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("count(*) FILTER (WHERE ").append(SqlIdentifiers.quote(columns.get(i).from()))
                    .append(" IS NULL)");
        }
        sql.append(" FROM ").append(SqlIdentifiers.qualified(schema, table));
        Map<String, Long> nulls = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.toString())) {
            rs.next();
            for (int i = 0; i < columns.size(); i++) {
                nulls.put(columns.get(i).from(), rs.getLong(i + 1));
            }
        }
        return nulls;
    }
}
