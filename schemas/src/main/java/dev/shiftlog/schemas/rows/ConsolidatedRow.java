package dev.shiftlog.schemas.rows;

import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The one target row that several legacy rows fill ({@code match-on}): each column takes the first non-NULL value
 * among the contributing rows, ordered by the spec's order of the mappings and, within one mapping, by legacy key
 * (shorter first, then alphabetically: numeric order for integer keys). So two accounts of one person in one legacy
 * table, or in three, give the same row whatever order their changes arrive in, and losing a contributor gives back
 * the values of the next.
 */
public final class ConsolidatedRow {
    /** The key of a contribution on {@code <m>.contributions.<target>}; the topic is partitioned by its match alone. */
    public static final Schema CONTRIBUTION_KEY = org.apache.avro.SchemaBuilder.record("contribution_key").namespace("shiftlog")
            .fields().requiredString("match").requiredInt("mapping").requiredString("legacy_key").endRecord();

    /** The key of one legacy row's contribution to the target row its match value names. */
    public static GenericRecord contributionKey(String match, int mapping, String legacyKey) {
        GenericRecord key = new GenericData.Record(CONTRIBUTION_KEY);
        key.put("match", match);
        key.put("mapping", mapping);
        key.put("legacy_key", legacyKey);
        return key;
    }

    private static final Schema ABSENT = AvroValues.optional(Schema.create(Schema.Type.STRING));

    private final String key;
    private final String legacyKey;
    private final List<String> columns;
    /** Rows of equal field types share one schema, so the registry sees few. */
    private final Map<List<Schema>, Schema> schemas = new HashMap<>();

    /** @param mappings the target's mappings in spec order */
    public ConsolidatedRow(List<TableMappingDef> mappings) {
        this.key = mappings.get(0).key();
        this.legacyKey = mappings.get(0).legacyKey();
        Set<String> fields = new LinkedHashSet<>();
        for (TableMappingDef m : mappings) {
            m.columns().forEach(c -> {
                if (c.isUpload()) {
                    fields.add(StoredObjects.fieldOf(c.target()));
                }
                fields.add(c.target());
            });
        }
        this.columns = List.copyOf(fields);
    }

    /**
     * The row for {@code id} and {@code match} from its contributing rows (each as its mapping writes it), which must
     * come in precedence order (sorted by {@link #order}) and be at least one.
     */
    public GenericRecord merge(Object id, String match, List<GenericRecord> ordered) {
        Schema first = ordered.get(0).getSchema();
        List<Schema> types = new ArrayList<>(columns.size() + 2);
        List<Object> values = new ArrayList<>(columns.size() + 2);
        types.add(first.getField(key).schema());
        values.add(id);
        types.add(first.getField(legacyKey).schema());
        values.add(match);
        for (String column : columns) {
            Schema type = null;
            Object value = null;
            for (GenericRecord row : ordered) {
                Schema.Field field = row.getSchema().getField(column);
                if (field == null) {
                    continue;
                }
                Object v = row.get(field.pos());
                if (type == null || v != null) {
                    type = field.schema();
                }
                if (v != null) {
                    value = v;
                    break;
                }
            }
            types.add(type == null ? ABSENT : type);
            values.add(value);
        }
        Schema schema = schemas.computeIfAbsent(types, t -> schemaOf(first, t));
        GenericRecord out = new GenericData.Record(schema);
        for (int i = 0; i < values.size(); i++) {
            out.put(i, values.get(i));
        }
        return out;
    }

    private Schema schemaOf(Schema like, List<Schema> types) {
        List<Schema.Field> fields = new ArrayList<>(types.size());
        fields.add(new Schema.Field(key, types.get(0)));
        fields.add(new Schema.Field(legacyKey, types.get(1)));
        for (int i = 0; i < columns.size(); i++) {
            fields.add(new Schema.Field(columns.get(i), types.get(i + 2), null, Schema.Field.NULL_DEFAULT_VALUE));
        }
        return Schema.createRecord(like.getName(), null, like.getNamespace(), false, fields);
    }

    /**
     * A text that sorts contributing rows in precedence order: the mapping's index, then the legacy key, shorter first.
     * Never empty; stable across versions, since stores keep it.
     */
    public static String order(int mapping, String legacyKey) {
        return String.format("%03d|%06d|%s", mapping, legacyKey.length(), legacyKey);
    }
}
