package dev.shiftlog.operate.verify;

import static dev.shiftlog.schemas.catalog.SqlIdentifiers.quote;

import dev.shiftlog.operate.verify.VerifyReport.Finding;
import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.rows.ConsolidatedRow;
import dev.shiftlog.schemas.rows.PgCopyText;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.rows.Uuid5;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.IdStrategy;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Fills {@link TablePlan#expected} with the target rows the legacy rows give through every mapping of the table
 * (see {@link Verifier} for what that proves and what it cannot). Rows stream in COPY batches; rows the mapping
 * rejects or the DLQ holds are counted, not expected.
 */
final class ExpectedRows implements Verifier<ExpectedTally> {
    private static final int COPY_BATCH = 10_000;
    private static final String STAGING = "shiftlog_verify_staging";
    private static final String REF_KEY = "shiftlog_ref_key";
    /** For a consolidated mapping: each staged row's precedence ({@link ConsolidatedRow#order}). */
    private static final String ORDER = "shiftlog_order";

    private final DlqTally dlq;
    private final StoredObjectCheck objects;

    ExpectedRows(DlqTally dlq, StoredObjectCheck objects) {
        this.dlq = dlq;
        this.objects = objects;
    }

    @Override
    public ExpectedTally verify(TablePlan plan, List<Finding> findings) throws SQLException {
        ExpectedTally total = new ExpectedTally(0, 0, 0);
        for (TableMappingDef mapping : plan.mappings()) {
            total = total.plus(load(plan, mapping, findings));
        }
        return total;
    }

    /** Maps every legacy row of one mapping into the expected table. */
    private ExpectedTally load(TablePlan plan, TableMappingDef mapping, List<Finding> findings) throws SQLException {
        Connection source = plan.source();
        List<Ref> refs = new ArrayList<>();
        for (ColumnDef column : mapping.references()) {
            TableMappingDef parent = plan.spec().tables().stream().filter(t -> t.target().equals(column.ref())).findFirst().orElse(null);
            boolean computed = parent != null && !parent.merged() && (parent.id() == IdStrategy.UUID5 || parent.id() == IdStrategy.PRESERVE);
            refs.add(new Ref(column, parent, computed, REF_KEY + "_" + refs.size()));
        }
        List<Ref> throughSql = refs.stream().filter(r -> !r.computed() && r.parent() != null).toList();
        StagingWriter staging = new StagingWriter(plan, mapping, refs, throughSql,
                mapping.matchOn() == null ? -1 : plan.mappings().indexOf(mapping));
        ExpectedTally tally = MappedLegacyRows.visit(source, plan.spec(), mapping, dlq, findings,
                objects.around(mapping, findings, staging));
        staging.finish();
        mergeStaging(plan, mapping, staging.fields, throughSql);
        return tally;
    }

    /** COPYs the rows a mapping gives into the staging table, in batches; references it can compute as new ids. */
    private static final class StagingWriter implements MappedLegacyRows.Visitor {
        private final TablePlan plan;
        private final TableMappingDef mapping;
        private final List<Ref> refs;
        private final List<Ref> throughSql;
        private final StringBuilder batch = new StringBuilder();
        private CopyManager copy;
        private List<String> fields;
        private Schema valueSchema;
        private String copySql;
        private int inBatch;
        /** The mapping's index among the target's consolidated mappings; -1 when not consolidated. */
        private final int consolidatedIndex;

        StagingWriter(TablePlan plan, TableMappingDef mapping, List<Ref> refs, List<Ref> throughSql, int consolidatedIndex) {
            this.consolidatedIndex = consolidatedIndex;
            this.plan = plan;
            this.mapping = mapping;
            this.refs = refs;
            this.throughSql = throughSql;
        }

        @Override
        public void start(RowMapper mapper) throws SQLException {
            valueSchema = mapper.valueSchema();
            fields = valueSchema.getFields().stream().map(Schema.Field::name).filter(plan.compared()::contains).toList();
            try (Statement s = plan.target().createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + STAGING);
                s.execute("CREATE TEMP TABLE " + STAGING + " AS SELECT " + fields.stream().map(SqlIdentifiers::quote)
.collect(Collectors.joining(", ")) + throughSql.stream().map(r -> ", NULL::text AS " + r.stagingColumn()).collect(Collectors.joining())
                        + (consolidatedIndex < 0 ? "" : ", NULL::text AS " + ORDER) + " FROM " + plan.qualified(mapping.target()) + " WITH NO DATA");
            }
            copy = plan.target().unwrap(PGConnection.class).getCopyAPI();
            copySql = "COPY " + STAGING + " (" + fields.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "))
                    + throughSql.stream().map(r -> ", " + r.stagingColumn()).collect(Collectors.joining())
                    + (consolidatedIndex < 0 ? "" : ", " + ORDER) + ") FROM STDIN";
        }

        @Override
        public void row(String legacyKey, GenericRecord value, List<String> parentKeys) throws SQLException {
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    batch.append('\t');
                }
                String field = fields.get(i);
                Schema.Field f = valueSchema.getField(field);
                int r = refIndex(refs, field);
                if (r >= 0 && refs.get(r).computed() && parentKeys.get(r) != null) {
                    TableMappingDef parent = refs.get(r).parent();
                    batch.append(parent.id() == IdStrategy.UUID5
                            ? Uuid5.forRow(plan.spec().name(), RowMapper.uuid5Table(parent), parentKeys.get(r)).toString() : parentKeys.get(r));
                } else {
                    PgCopyText.append(batch, f.schema(), value.get(f.pos()));
                }
            }
            for (Ref ref : throughSql) {
                batch.append('\t');
                PgCopyText.append(batch, Schema.create(Schema.Type.STRING), parentKeys.get(refs.indexOf(ref)));
            }
            if (consolidatedIndex >= 0) {
                batch.append('\t');
                PgCopyText.append(batch, Schema.create(Schema.Type.STRING), ConsolidatedRow.order(consolidatedIndex, legacyKey));
            }
            batch.append('\n');
            if (++inBatch == COPY_BATCH) {
                copyIn(copy, copySql, batch);
                inBatch = 0;
            }
        }

        void finish() throws SQLException {
            copyIn(copy, copySql, batch);
        }
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
    /** One reference column of the mapping; {@code computed} when verify can compute the parent's id from its legacy key. */
    private record Ref(ColumnDef column, TableMappingDef parent, boolean computed, String stagingColumn) {}

    private static int refIndex(List<Ref> refs, String field) {
        for (int i = 0; i < refs.size(); i++) {
            if (refs.get(i).column().target().equals(field)) {
                return i;
            }
        }
        return -1;
    }

    private void mergeStaging(TablePlan plan, TableMappingDef mapping, List<String> fields, List<Ref> throughSql) throws SQLException {
        List<String> match = plan.match();
        String columns = fields.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
        boolean consolidated = mapping.matchOn() != null;
        String select = fields.stream().map(f -> {
            Ref ref = throughSql.stream().filter(r -> r.column().target().equals(f)).findFirst().orElse(null);
            String value = ref == null ? "s." + quote(f) : "(SELECT p." + quote(ref.parent().key()) + " FROM " + plan.qualified(ref.parent().target())
                    + " p WHERE p." + quote(ref.parent().legacyKey()) + "::text = s." + ref.stagingColumn() + ")";
            // consolidated: each column is the first non-NULL value of the rows with that match value, by precedence
            return !consolidated || match.contains(f) ? value : "first_value(" + value + ") OVER (PARTITION BY " + plan.matchList("s")
                    + " ORDER BY " + value + " IS NULL, s." + ORDER + ")";
        }).collect(Collectors.joining(", "));
        String distinct = consolidated ? "DISTINCT ON (" + plan.matchList("s") + ") " : "";
        // an earlier mapping of a consolidated target keeps its non-NULL values: it comes first in precedence
        String updates = fields.stream().filter(f -> !match.contains(f)).map(f -> quote(f) + " = "
                + (consolidated ? "COALESCE(e." + quote(f) + ", EXCLUDED." + quote(f) + ")" : "EXCLUDED." + quote(f)))
                .collect(Collectors.joining(", "));
        try (Statement s = plan.target().createStatement()) {
            s.executeUpdate("INSERT INTO " + plan.expected() + " AS e (" + columns + ") SELECT " + distinct + select + " FROM " + STAGING
                    + " s ON CONFLICT (" + plan.matchList(null) + ") DO " + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates));
            s.execute("DROP TABLE " + STAGING);
        }
    }
}
