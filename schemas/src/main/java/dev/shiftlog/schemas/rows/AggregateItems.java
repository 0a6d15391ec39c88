package dev.shiftlog.schemas.rows;

import dev.cel.common.types.CelType;
import dev.shiftlog.schemas.spec.AggregateDef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * The items of one aggregate, computed the same way by the transformer (from the log) and by {@code verify} (from
 * the live legacy rows): which parent a child row belongs to, its item as JSON text, and the sorted list a mapping's
 * expressions see.
 */
public final class AggregateItems {
    private final AggregateDef aggregate;
    /** One compiled item expression per child row schema, so a schema change recompiles once. */
    private final Map<Schema, ColumnExpression> compiled = new HashMap<>();

    public AggregateItems(AggregateDef aggregate) {
        this.aggregate = aggregate;
    }

    /** The legacy key text of the parent a child row belongs to ('/'-joined), or null when an {@code on} value is NULL. */
    public String parentKey(GenericRecord child) {
        try {
            return AvroValues.columnsText(child, aggregate.on());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("aggregate '" + aggregate.name() + "' of legacy table '" + aggregate.table() + "': "
                    + e.getMessage(), e);
        }
    }

    /** The child row's item, as JSON text. */
    public String item(GenericRecord child) {
        ColumnExpression expression = compiled.computeIfAbsent(child.getSchema(), schema -> {
            Map<String, CelType> columns = new LinkedHashMap<>();
            schema.getFields().forEach(f -> columns.put(f.name(), CelTypes.ofAvro(f.schema())));
            return ColumnExpression.compile(aggregate.value(), columns);
        });
        Map<String, Object> values = new HashMap<>();
        for (Schema.Field f : child.getSchema().getFields()) {
            values.put(f.name(), CelTypes.toCel(f.schema(), child.get(f.pos())));
        }
        return CelJson.write(expression.evaluate(values));
    }

    /**
     * The items as the CEL list a mapping reads, in an order that never depends on arrival: numbers by value when every
     * item is a number, otherwise by JSON text (strings alphabetically).
     */
    public static List<Object> sorted(Collection<String> items) {
        List<String> texts = new ArrayList<>(items);
        texts.sort(null);
        List<Object> out = new ArrayList<>(texts.size());
        texts.forEach(t -> out.add(CelJson.read(t)));
        if (!out.isEmpty() && out.stream().allMatch(v -> v instanceof Number)) {
            out.sort(java.util.Comparator.comparingDouble(v -> ((Number) v).doubleValue()));
        }
        return out;
    }
}
