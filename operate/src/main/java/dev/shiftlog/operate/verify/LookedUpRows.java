package dev.shiftlog.operate.verify;

import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.TableInfo;
import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.LookupDef;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * The live legacy rows a mapping's lookups and aggregates read, each table read once into memory (lookup tables by
 * primary-key text (or by the text of the columns they are matched {@code by}) — the small ones: genres, countries —, aggregate items by parent), so {@code verify} renders a row
 * with the same joins the transformer made — straight from the legacy database, not from the log.
 */
final class LookedUpRows {
    /** What a legacy row's lookups find: lookup name → row, and the first one missing under {@code on-missing: dlq}. */
    record Found(Map<String, GenericRecord> rows, Map<String, java.util.List<Object>> aggregates, LookupDef missing) {}

    private final Connection source;
    private final MigrationDef spec;
    private final Map<String, Map<String, GenericRecord>> tables = new HashMap<>();
    /** target \0 aggregate name → parent key → the items' JSON texts. */
    private final Map<String, Map<String, java.util.List<String>>> items = new HashMap<>();

    LookedUpRows(Connection source, MigrationDef spec) {
        this.source = source;
        this.spec = spec;
    }

    /** Reads every table the mapping's lookups read that is not read yet. */
    void load(TableMappingDef mapping) throws SQLException {
        for (LookupDef lookup : mapping.lookups()) {
            String schema = lookup.sourceSchema(spec.source().schema());
            String qualified = lookup.rowsName(spec.source().schema());
            if (tables.containsKey(qualified)) {
                continue;
            }
            Map<String, GenericRecord> rows = new HashMap<>();
            try (LegacyRowReader reader = LegacyRowReader.forTable(source, spec, schema, lookup.sourceTable(), "lookup '" + lookup.name() + "'")) {
                Map<String, String> members = new HashMap<>();
                for (LegacyRowReader.LegacyRow row = reader.next(); row != null; row = reader.next()) {
                    if (row.refusal() != null) {
                        continue; // not captured either: the DLQ holds it
                    }
                    String legacyKey = AvroValues.keyText(row.key());
                    if (!lookup.byColumns()) {
                        rows.put(legacyKey, row.value());
                        continue;
                    }
                    // matched by columns: of the rows sharing a value, the one whose legacy key sorts first, as the gate reads it
                    String matched = AvroValues.columnsText(row.value(), lookup.by());
                    if (matched != null && (members.get(matched) == null || legacyKey.compareTo(members.get(matched)) < 0)) {
                        members.put(matched, legacyKey);
                        rows.put(matched, row.value());
                    }
                }
            }
            tables.put(qualified, rows);
        }
        for (dev.shiftlog.schemas.spec.AggregateDef aggregate : mapping.aggregates()) {
            String schema = aggregate.sourceSchema(spec.source().schema());
            dev.shiftlog.schemas.rows.AggregateItems compute = new dev.shiftlog.schemas.rows.AggregateItems(aggregate);
            Map<String, java.util.List<String>> byParent = new HashMap<>();
            try (LegacyRowReader reader = LegacyRowReader.forTable(source, spec, schema, aggregate.sourceTable(), "aggregate '" + aggregate.name() + "'")) {
                for (LegacyRowReader.LegacyRow row = reader.next(); row != null; row = reader.next()) {
                    if (row.refusal() != null) {
                        continue;
                    }
                    String parent = compute.parentKey(row.value());
                    if (parent != null) {
                        byParent.computeIfAbsent(parent, p -> new java.util.ArrayList<>()).add(compute.item(row.value()));
                    }
                }
            }
            items.put(mapping.target() + '\u0000' + aggregate.name(), byParent);
        }
    }

    /** The rows a legacy row's lookups find, chained in spec order as the transformer resolves them. */
    Found find(TableMappingDef mapping, RowMapper mapper, GenericRecord rowKey, GenericRecord row) {
        Map<String, GenericRecord> found = new HashMap<>();
        LookupDef missing = null;
        for (LookupDef lookup : mapping.lookups()) {
            String key = mapper.lookupKey(lookup, row, found);
            if (key == null) {
                continue;
            }
            GenericRecord hit = tables.get(lookup.rowsName(spec.source().schema())).get(key);
            if (hit != null) {
                found.put(lookup.name(), hit);
            } else if (lookup.dlqIfMissing() && missing == null) {
                missing = lookup;
            }
        }
        Map<String, java.util.List<Object>> aggregates = new HashMap<>();
        for (dev.shiftlog.schemas.spec.AggregateDef aggregate : mapping.aggregates()) {
            java.util.List<String> texts = items.get(mapping.target() + '\u0000' + aggregate.name()).getOrDefault(mapper.legacyKeyText(rowKey),
                    java.util.List.of());
            aggregates.put(aggregate.name(), dev.shiftlog.schemas.rows.AggregateItems.sorted(texts));
        }
        return new Found(found, aggregates, missing);
    }
}
