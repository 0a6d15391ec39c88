package dev.shiftlog.schemas.catalog;

import dev.cel.common.types.CelType;
import dev.shiftlog.schemas.rows.CelTypes;
import dev.shiftlog.schemas.rows.ColumnExpression;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecError;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a parsed spec against the live source and target catalogs: tables, keys and columns exist and every
 * expression type-checks. Reads only; returns all errors at once.
 */
public final class SpecCatalogCheck {

    public List<SpecError> check(MigrationDef spec) {
        List<SpecError> errors = new ArrayList<>();
        // each connection opened on its own, so a refused one is reported at its own block of the spec
        Connection source = open(spec.source(), errors);
        boolean files = spec.target().isJsonLines(); // a folder of files has no catalog to check
        Connection target = files ? null : open(spec.target(), errors);
        try {
            if (source != null && (target != null || files)) {
                for (TableMappingDef t : spec.tables()) {
                    checkTable(spec, t, source, target, errors);
                }
            }
        } catch (SQLException e) {
            errors.add(new SpecError(spec.source().location(), e.getMessage()));
        } finally {
            close(source);
            close(target);
        }
        return errors;
    }

    private static Connection open(dev.shiftlog.schemas.spec.ConnectionDef def, List<SpecError> errors) {
        try {
            return LegacyCatalog.open(def); // PostgreSQL, or the legacy SQLite file
        } catch (SQLException e) {
            errors.add(new SpecError(def.location(), e.getMessage()));
            return null;
        }
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // read-only use; nothing to keep
            }
        }
    }

    private void checkTable(MigrationDef spec, TableMappingDef t, Connection source, Connection target, List<SpecError> errors)
            throws SQLException {
        String schema = t.sourceSchema(spec.source().schema());
        Optional<TableInfo> src = LegacyCatalog.table(source, spec.source(), schema, t.sourceTable());
        if (src.isEmpty()) {
            errors.add(new SpecError(t.location(), "source table '" + schema + "." + t.sourceTable() + "' does not exist in "
                    + spec.source().url()));
        } else if (src.get().primaryKey().isEmpty()) {
            errors.add(new SpecError(t.location(), "source table '" + src.get().qualifiedName()
                    + "' has no primary key; CDC needs one to key its events (add a PRIMARY KEY)"));
        }
        Optional<TableInfo> dst = target == null ? Optional.empty() : PostgresCatalog.table(target, spec.target().schema(), t.target());
        if (target == null) {
            // JSON Lines: every column the mapping writes becomes a field; nothing to compare against
        } else if (dst.isEmpty()) {
            errors.add(new SpecError(t.location(), "target table '" + spec.target().schema() + "." + t.target()
                    + "' does not exist in " + spec.target().url() + "; create it before the migration"));
        } else {
            for (String col : t.isLinkTable() ? List.<String>of() : t.keepsLegacyKeyInIdMap() ? List.of(t.key()) : List.of(t.key(), t.legacyKey())) {
                if (!dst.get().columns().containsKey(col)) {
                    errors.add(new SpecError(t.location(), "target table '" + t.target() + "' has no column '" + col
                            + "' (key / legacy-key); columns are " + dst.get().columns().keySet()));
                }
            }
        }
        Map<String, CelType> celColumns = new LinkedHashMap<>();
        src.ifPresent(info -> info.columns().forEach((name, type) -> celColumns.put(name, CelTypes.ofPostgres(type))));
        celColumns.putIfAbsent(dev.shiftlog.schemas.rows.RowMapper.IDS_VARIABLE, dev.cel.common.types.MapType.create(
                dev.cel.common.types.SimpleType.STRING, dev.cel.common.types.SimpleType.STRING));
        Map<String, TableInfo> lookedUp = new LinkedHashMap<>();
        for (dev.shiftlog.schemas.spec.LookupDef lookup : t.lookups()) {
            String lookupSchema = lookup.sourceSchema(spec.source().schema());
            Optional<TableInfo> info = LegacyCatalog.table(source, spec.source(), lookupSchema, lookup.sourceTable());
            if (info.isEmpty()) {
                errors.add(new SpecError(lookup.location(), "lookup '" + lookup.name() + "' reads legacy table '" + lookupSchema + "."
                        + lookup.sourceTable() + "', which does not exist in " + spec.source().url()));
            } else if (lookup.byColumns()) {
                List<String> unknown = lookup.by().stream().filter(c -> !info.get().columns().containsKey(c)).toList();
                if (unknown.isEmpty()) {
                    lookedUp.put(lookup.name(), info.get());
                } else {
                    errors.add(new SpecError(lookup.location(), "lookup '" + lookup.name() + "' matches by " + unknown + ", but '"
                            + info.get().qualifiedName() + "' has no such column; columns are " + info.get().columns().keySet()));
                }
            } else if (info.get().primaryKey().size() != lookup.on().size()) {
                errors.add(new SpecError(lookup.location(), "lookup '" + lookup.name() + "' matches " + lookup.on().size()
                        + " value(s) against the primary key of '" + info.get().qualifiedName() + "', which has "
                        + info.get().primaryKey() + "; 'on' must give one value per key column, in that order"));
            } else {
                lookedUp.put(lookup.name(), info.get());
            }
            for (String entry : lookup.on()) {
                String from = dev.shiftlog.schemas.spec.LookupDef.lookupOf(entry);
                String column = dev.shiftlog.schemas.spec.LookupDef.columnOf(entry);
                TableInfo read = from == null ? src.orElse(null) : lookedUp.get(from);
                if (read != null && !read.columns().containsKey(column)) {
                    errors.add(new SpecError(lookup.location(), "lookup '" + lookup.name() + "' reads '" + entry + "', but '"
                            + read.qualifiedName() + "' has no column '" + column + "'; columns are " + read.columns().keySet()));
                }
            }
            celColumns.put(lookup.name(), dev.cel.common.types.MapType.create(dev.cel.common.types.SimpleType.STRING,
                    dev.cel.common.types.SimpleType.DYN));
        }
        for (dev.shiftlog.schemas.spec.AggregateDef aggregate : t.aggregates()) {
            String childSchema = aggregate.sourceSchema(spec.source().schema());
            Optional<TableInfo> child = LegacyCatalog.table(source, spec.source(), childSchema, aggregate.sourceTable());
            if (child.isEmpty()) {
                errors.add(new SpecError(aggregate.location(), "aggregate '" + aggregate.name() + "' reads legacy table '" + childSchema + "."
                        + aggregate.sourceTable() + "', which does not exist in " + spec.source().url()));
            } else {
                for (String column : aggregate.on()) {
                    if (!child.get().columns().containsKey(column)) {
                        errors.add(new SpecError(aggregate.location(), "aggregate '" + aggregate.name() + "' matches on '" + column + "', but '"
                                + child.get().qualifiedName() + "' has no such column; columns are " + child.get().columns().keySet()));
                    }
                }
                Map<String, CelType> childColumns = new LinkedHashMap<>();
                child.get().columns().forEach((name, type) -> childColumns.put(name, CelTypes.ofPostgres(type)));
                try {
                    ColumnExpression.compile(aggregate.value(), childColumns);
                } catch (ColumnExpression.ExpressionException e) {
                    errors.add(new SpecError(aggregate.location(), "'value' of aggregate '" + aggregate.name() + "' does not compile over '"
                            + child.get().qualifiedName() + "': " + e.getMessage()));
                }
            }
            celColumns.put(aggregate.name(), dev.cel.common.types.ListType.create(dev.cel.common.types.SimpleType.DYN));
        }
        if (t.matchOn() != null && src.isPresent()) {
            try {
                ColumnExpression.compile(t.matchOn().expr(), celColumns);
            } catch (ColumnExpression.ExpressionException e) {
                errors.add(new SpecError(t.matchOn().location(), "'match-on' of '" + t.target() + "' does not compile: " + e.getMessage()));
            }
        }
        if (t.where() != null && src.isPresent()) {
            try {
                dev.shiftlog.schemas.rows.RowMapper.compileCondition(t, celColumns);
            } catch (dev.shiftlog.schemas.rows.RowMapper.RowMappingException e) {
                errors.add(new SpecError(e.location(), e.reason()));
            }
        }
        for (ColumnDef c : t.columns()) {
            if (dst.isPresent() && !dst.get().columns().containsKey(c.target())) {
                errors.add(new SpecError(c.location(), "target table '" + t.target() + "' has no column '" + c.target()
                        + "'; columns are " + dst.get().columns().keySet()));
            }
            if (src.isEmpty()) {
                continue;
            }
            if (c.isUpload()) {
                for (String expr : java.util.Arrays.asList(c.upload().expr(), c.upload().contentType())) {
                    try {
                        if (expr != null) {
                            ColumnExpression.compile(expr, celColumns);
                        }
                    } catch (ColumnExpression.ExpressionException e) {
                        errors.add(new SpecError(c.location(), "'upload' or 'content-type' of '" + t.target() + "." + c.target()
                                + "' does not compile: " + e.getMessage()));
                    }
                }
            } else if (c.isExpression()) {
                try {
                    ColumnExpression.compile(c.expr(), celColumns);
                } catch (ColumnExpression.ExpressionException e) {
                    errors.add(new SpecError(c.location(), "expression for '" + t.target() + "." + c.target()
                            + "' does not compile: " + e.getMessage()));
                }
            } else if (c.isReference() && c.reference().byMatch()) {
                try {
                    ColumnExpression.compile(c.reference().match(), celColumns);
                } catch (ColumnExpression.ExpressionException e) {
                    errors.add(new SpecError(c.location(), "'match' of reference '" + t.target() + "." + c.target()
                            + "' does not compile: " + e.getMessage()));
                }
            } else if (c.isReference() && c.reference().throughLookup()) {
                for (String entry : c.reference().from()) {
                    String through = dev.shiftlog.schemas.spec.LookupDef.lookupOf(entry);
                    String column = dev.shiftlog.schemas.spec.LookupDef.columnOf(entry);
                    TableInfo read = through == null ? src.get() : lookedUp.get(through);
                    if (read != null && !read.columns().containsKey(column)) {
                        errors.add(new SpecError(c.location(), "reference '" + t.target() + "." + c.target() + "' reads '" + entry
                                + "', but '" + read.qualifiedName() + "' has no column '" + column + "'; columns are " + read.columns().keySet()));
                    }
                }
            } else if (!src.get().columns().containsKey(c.from())) {
                errors.add(new SpecError(c.location(), "unknown column '" + c.from() + "' in source table '"
                        + src.get().qualifiedName() + "'; columns are " + src.get().columns().keySet()));
            }
        }
    }
}
