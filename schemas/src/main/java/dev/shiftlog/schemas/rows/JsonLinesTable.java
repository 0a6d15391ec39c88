package dev.shiftlog.schemas.rows;

import dev.shiftlog.schemas.spec.ConnectionDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * One target table of a JSON Lines target as its lines: the latest row per key, kept as the JSON text of each
 * column, and the line each row becomes — so the sink that writes the file and {@code verify} that recomputes it
 * agree byte for byte. Lines list the row key, the legacy key, then the spec's columns in spec order (NULL and
 * columns no mapping filled yet as {@code null}), and are ordered by the row key's text. A consolidated row
 * ({@code match-on}) arrives whole, like any other.
 */
public final class JsonLinesTable {
    private final String table;
    private final TableMappingDef mapping;
    private final ConnectionDef target;
    private final List<String> columns;
    private final Map<String, String> quotedNames = new HashMap<>();
    private final TreeMap<String, Map<String, String>> rows = new TreeMap<>();

    public JsonLinesTable(String table, List<TableMappingDef> mappings, ConnectionDef target) {
        this.table = table;
        this.mapping = mappings.get(0);
        this.target = target;
        Set<String> order = new LinkedHashSet<>(mapping.rowKeyColumns());
        if (mapping.legacyKeyOutsideTable() == null) {
            order.add(mapping.legacyKey());
        }
        mappings.forEach(m -> m.columns().forEach(c -> order.add(c.target())));
        this.columns = List.copyOf(order);
    }

    public String table() {
        return table;
    }

    /** The first mapping into the table: its key, legacy key and id strategy are every mapping's. */
    public TableMappingDef mapping() {
        return mapping;
    }

    /**
     * Applies one change of the log ({@code value} null: a delete); returns whether a row was written or removed. A
     * row with a value that has no JSON form leaves its key as it was.
     */
    public boolean apply(GenericRecord key, GenericRecord value) throws JsonLineValues.NotJsonException {
        return apply(AvroValues.keyText(key), value);
    }

    /** {@link #apply(GenericRecord, GenericRecord)} by the key's text ({@link AvroValues#keyText}). */
    public boolean apply(String keyText, GenericRecord value) throws JsonLineValues.NotJsonException {
        if (value == null) {
            return rows.remove(keyText) != null;
        }
        Map<String, String> json = new HashMap<>();
        String outside = mapping.legacyKeyOutsideTable();
        for (Schema.Field f : value.getSchema().getFields()) {
            if (!f.name().equals(outside) && !StoredObjects.isObjectField(f.name())) {
                json.put(f.name(), JsonLineValues.json(f.schema(), value.get(f.pos()), target.isJsonColumn(table, f.name())));
            }
        }
        rows.put(keyText, json);
        return true;
    }

    public int size() {
        return rows.size();
    }

    /** The key texts in file order. */
    public Set<String> keys() {
        return rows.navigableKeySet();
    }

    /** The line (with its {@code \n}) of the row with this key, or null. */
    public String line(String keyText) {
        Map<String, String> row = rows.get(keyText);
        return row == null ? null : line(row);
    }

    private String line(Map<String, String> row) {
        StringBuilder sb = new StringBuilder(256).append('{');
        boolean first = true;
        for (String column : columns) {
            first = appendField(sb, column, row.getOrDefault(column, "null"), first);
        }
        if (!columns.containsAll(row.keySet())) { // a field the spec does not name (e.g. after a schema change): sorted
            for (String column : new java.util.TreeSet<>(row.keySet())) {
                if (!columns.contains(column)) {
                    first = appendField(sb, column, row.get(column), first);
                }
            }
        }
        return sb.append("}\n").toString();
    }

    private boolean appendField(StringBuilder sb, String column, String json, boolean first) {
        if (!first) {
            sb.append(',');
        }
        sb.append(quotedNames.computeIfAbsent(column, JsonLineValues::quoted)).append(':').append(json);
        return false;
    }
}
