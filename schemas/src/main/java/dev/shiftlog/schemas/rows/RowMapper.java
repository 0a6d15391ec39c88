package dev.shiftlog.schemas.rows;

import dev.cel.common.types.CelType;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.LookupDef;
import dev.shiftlog.schemas.spec.IdStrategy;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The pure function from one legacy row to one target row, compiled for one source schema: the evaluation side of a
 * mapping, over the {@link MappingSchema} that says what it writes. The transformer applies it to the log;
 * {@code verify} applies the same code to the live legacy rows.
 */
public final class RowMapper {
    private final String migration;
    private final TableMappingDef table;
    private final Schema sourceValueSchema;
    private final List<String> legacyKeyFields;
    private final Schema sourceKeySchema;
    private final Schema keySchema;
    private final Schema valueSchema;
    private final Map<String, ColumnExpression> expressions;
    private final IdRegistry ids;
    private final ColumnExpression where;
    private final ColumnExpression matchOn;
    private final MappingSchema schema;
    /** Per reference (in {@link TableMappingDef#references()} order): whether a part of its key comes from a lookup. */
    private final boolean[] throughLookup;
    /** Other mappings of the same legacy table whose ids can be computed: {@code ids.<target>} in expressions. */
    private final List<TableMappingDef> siblings;

    /**
     * @param sourceKeySchema Avro schema of the legacy primary key record
     * @param sourceValueSchema Avro schema of the legacy row record; null when only keys are mapped (a delete
     *     seen before any row of the table)
     * @param ids where uuid7 and cuid2 ids are remembered; unused (may be null) for uuid5 and preserve
     * @throws RowMappingException naming the table and column when a mapped column is missing or an expression
     *     does not type-check
     */
    public RowMapper(String migration, TableMappingDef table, Schema sourceKeySchema, Schema sourceValueSchema, IdRegistry ids) {
        this(migration, table, sourceKeySchema, sourceValueSchema, ids, List.of());
    }

    /**
     * @param siblings the spec's other mappings of the same legacy table: expressions can read the new id each gives
     *     this row as {@code ids.<target>} (for uuid5 and preserve, which need no lookup), e.g. for derived rows
     */
    public RowMapper(String migration, TableMappingDef table, Schema sourceKeySchema, Schema sourceValueSchema, IdRegistry ids,
                     List<TableMappingDef> siblings) {
        this.siblings = siblings.stream().filter(t -> !t.id().isAssigned() && t != table).toList();
        // a consolidated row's id is drawn where its contributions meet (the consolidation), not per mapping
        if (table.id().isAssigned() && ids == null && table.matchOn() == null) {
            throw new IllegalArgumentException("id strategy " + table.id().specName() + " needs an IdRegistry");
        }
        this.ids = ids;
        MappingSchema compiled = new MappingSchema(migration, table, sourceKeySchema, sourceValueSchema);
        this.schema = compiled;
        List<ColumnDef> references = table.references();
        this.throughLookup = new boolean[references.size()];
        for (int i = 0; i < references.size(); i++) {
            throughLookup[i] = references.get(i).reference().throughLookup();
        }
        this.migration = migration;
        this.table = table;
        this.sourceValueSchema = sourceValueSchema;
        this.sourceKeySchema = sourceKeySchema;
        this.legacyKeyFields = compiled.legacyKeyFields();
        this.keySchema = compiled.keySchema();
        this.valueSchema = compiled.valueSchema();
        this.expressions = compiled.expressions();
        this.where = compiled.where();
        this.matchOn = compiled.matchOn();
    }

    /**
     * The legacy keys of the rows this row references, as text, one per {@link TableMappingDef#references()} in that
     * order; null where the reference is NULL (for a composite key: where any of its columns is, as a foreign key
     * with MATCH SIMPLE does not check such a row). The reference columns themselves stay NULL in {@link #value}
     * until the referenced rows have landed and the transformer fills in their new ids.
     */
    public List<String> referencedKeys(GenericRecord sourceKey, GenericRecord source, Map<String, GenericRecord> found) {
        List<ColumnDef> references = table.references();
        List<String> keys = new ArrayList<>(references.size());
        for (int i = 0; i < references.size(); i++) {
            ColumnDef ref = references.get(i);
            dev.shiftlog.schemas.spec.ReferenceDef r = ref.reference();
            String key = r.byMatch() ? referencedMatch(ref, sourceKey, source, found)
                    : throughLookup[i] ? referencedKeyThroughLookup(ref, source, found) : AvroValues.columnsText(source, r.from());
            // a target several legacy tables feed keeps its legacy keys as <source>:<key>, as its rows land
            keys.add(key != null && r.source() != null ? r.source() + ":" + key : key);
        }
        return keys;
    }

    /** The match value naming a consolidated parent ({@code match}), as {@link #matchText} gives it; null means no parent. */
    private String referencedMatch(ColumnDef ref, GenericRecord sourceKey, GenericRecord source, Map<String, GenericRecord> found) {
        Object value;
        try {
            value = schema.referenceMatches().get(ref.target()).evaluate(celValues(sourceKey, source, found));
        } catch (ColumnExpression.ExpressionException e) {
            throw new RowRejectedException("reference " + ref.target(), "row " + table.source() + ":" + legacyKeyText(sourceKey)
                    + " → 'match' of reference " + table.target() + "." + ref.target() + ": " + e.getMessage());
        }
        return CelTypes.fromCel(Schema.create(Schema.Type.STRING), value) == null ? null : value.toString();
    }

    /** {@code from: lookup.column} parts read the row the lookup found: none found reads as NULL, as for a lookup's columns. */
    private String referencedKeyThroughLookup(ColumnDef ref, GenericRecord source, Map<String, GenericRecord> found) {
        List<String> from = ref.reference().from();
        List<String> parts = new ArrayList<>(from.size());
        for (String entry : from) {
            String through = LookupDef.lookupOf(entry);
            GenericRecord row = through == null ? source : found.get(through);
            Schema.Field f = row == null ? null : row.getSchema().getField(LookupDef.columnOf(entry));
            if (row != null && f == null) {
                throw new RowRejectedException("reference " + ref.target(), "reference '" + ref.target() + "' of " + table.target()
                        + " reads '" + entry + "', but the " + through + " row has no column '" + LookupDef.columnOf(entry) + "'");
            }
            String part = f == null ? null : AvroValues.text(f.schema(), row.get(f.pos()));
            if (part == null) {
                return null;
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    /**
     * The key record of a target row, e.g. to route a row that was parked without its key; null for a link-table row
     * whose key columns are not all filled yet.
     */
    public static GenericRecord keyOf(TableMappingDef table, GenericRecord row, String migration) {
        return keyOf(keySchemaOf(table, row.getSchema(), migration), row);
    }

    /** The key schema of a mapping's output rows of one shape: built once per shape by callers on a hot path. */
    public static Schema keySchemaOf(TableMappingDef table, Schema rowSchema, String migration) {
        String namespace = "shiftlog." + migration.replaceAll("[^A-Za-z0-9_]", "_") + ".out";
        List<Schema.Field> fields = new ArrayList<>();
        for (String column : table.rowKeyColumns()) {
            fields.add(new Schema.Field(column, AvroValues.nonNull(rowSchema.getField(column).schema())));
        }
        return Schema.createRecord(table.target() + "_key", null, namespace, false, fields);
    }

    /** The row's key under {@link #keySchemaOf}; null while a key column is NULL (a link row's unlanded parent). */
    public static GenericRecord keyOf(Schema keySchema, GenericRecord row) {
        GenericRecord key = new GenericData.Record(keySchema);
        for (Schema.Field field : keySchema.getFields()) {
            Object value = row.get(field.name());
            if (value == null) {
                return null;
            }
            key.put(field.pos(), value);
        }
        return key;
    }


    /** Compiles a table's {@code where}; it must be a boolean condition. Shared with the catalog check of {@code plan}. */
    public static ColumnExpression compileCondition(TableMappingDef table, Map<String, CelType> columns) {
        ColumnDef condition = table.where();
        ColumnExpression compiled;
        try {
            compiled = ColumnExpression.compile(condition.expr(), columns);
        } catch (ColumnExpression.ExpressionException e) {
            throw new RowMappingException(condition.location(), "'where' of '" + table.target() + "' does not compile: " + e.getMessage());
        }
        CelType type = compiled.resultType() instanceof dev.cel.common.types.NullableType n ? n.targetType() : compiled.resultType();
        if (!type.equals(dev.cel.common.types.SimpleType.BOOL)) {
            throw new RowMappingException(condition.location(), "'where' of '" + table.target() + "' must be a condition (bool), not "
                    + compiled.resultType().name());
        }
        return compiled;
    }

    /** Whether a legacy row has a target row under this mapping's {@code where}; a null condition counts as false. */
    public boolean accepts(GenericRecord sourceKey, GenericRecord source) {
        if (where == null) {
            return true;
        }
        try {
            return Boolean.TRUE.equals(where.evaluate(celValues(sourceKey, source)));
        } catch (ColumnExpression.ExpressionException e) {
            throw new RowRejectedException("where " + table.target(), "row " + table.source() + ":" + legacyKeyText(sourceKey)
                    + " → 'where' of " + table.target() + ": " + e.getMessage());
        }
    }

    private Map<String, Object> celValues(GenericRecord sourceKey, GenericRecord source) {
        return celValues(sourceKey, source, Map.of());
    }

    private Map<String, Object> celValues(GenericRecord sourceKey, GenericRecord source, Map<String, GenericRecord> lookupRows) {
        return celValues(sourceKey, source, lookupRows, Map.of());
    }

    private Map<String, Object> celValues(GenericRecord sourceKey, GenericRecord source, Map<String, GenericRecord> lookupRows,
                                          Map<String, List<Object>> aggregates) {
        Map<String, Object> values = new HashMap<>();
        for (Schema.Field f : sourceValueSchema.getFields()) {
            values.put(f.name(), CelTypes.toCel(f.schema(), source.get(f.pos())));
        }
        for (dev.shiftlog.schemas.spec.LookupDef lookup : table.lookups()) {
            GenericRecord row = lookupRows.get(lookup.name());
            values.put(lookup.name(), row == null ? AbsentRow.INSTANCE : celRow(row));
        }
        for (dev.shiftlog.schemas.spec.AggregateDef aggregate : table.aggregates()) {
            values.put(aggregate.name(), aggregates.getOrDefault(aggregate.name(), List.of()));
        }
        if (!values.containsKey(IDS_VARIABLE)) {
            values.put(IDS_VARIABLE, new SiblingIds(sourceKey));
        }
        return values;
    }

    /**
     * {@code ids.<target>}: computed only when an expression reads it, since most rows never do and a uuid5 per
     * sibling per row would be SHA-1 work on the hot path for nothing.
     */
    private final class SiblingIds extends java.util.AbstractMap<String, String> {
        private final GenericRecord sourceKey;

        SiblingIds(GenericRecord sourceKey) {
            this.sourceKey = sourceKey;
        }

        @Override
        public String get(Object target) {
            for (TableMappingDef t : siblings) {
                if (t.target().equals(target)) {
                    return t.id() == IdStrategy.UUID5
                            ? Uuid5.forRow(migration, uuid5Table(t), legacyKeyText(sourceKey)).toString() : legacyKeyText(sourceKey);
                }
            }
            return null;
        }

        @Override
        public boolean containsKey(Object target) {
            return siblings.stream().anyMatch(t -> t.target().equals(target));
        }

        @Override
        public java.util.Set<Map.Entry<String, String>> entrySet() {
            java.util.Set<Map.Entry<String, String>> entries = new java.util.LinkedHashSet<>();
            siblings.forEach(t -> entries.add(Map.entry(t.target(), get(t.target()))));
            return entries;
        }
    }

    private static Map<String, Object> celRow(GenericRecord row) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (Schema.Field f : row.getSchema().getFields()) {
            out.put(f.name(), CelTypes.toCel(f.schema(), row.get(f.pos())));
        }
        return out;
    }

    /** A lookup that found no row: every column reads as NULL, so {@code genre.name} is NULL rather than an error. */
    private static final class AbsentRow extends java.util.AbstractMap<String, Object> {
        static final AbsentRow INSTANCE = new AbsentRow();

        @Override
        public boolean containsKey(Object key) {
            return true;
        }

        @Override
        public Object get(Object key) {
            return dev.cel.common.values.NullValue.NULL_VALUE;
        }

        @Override
        public java.util.Set<Map.Entry<String, Object>> entrySet() {
            return java.util.Set.of();
        }
    }

    /**
     * The primary-key text of the row a lookup reads (values joined by '/', as legacy keys are), from the mapped row
     * and the rows earlier lookups found; null when a value is NULL or an earlier lookup found nothing.
     */
    public String lookupKey(dev.shiftlog.schemas.spec.LookupDef lookup, GenericRecord source, Map<String, GenericRecord> found) {
        List<String> parts = new ArrayList<>(lookup.on().size());
        for (String entry : lookup.on()) {
            String from = dev.shiftlog.schemas.spec.LookupDef.lookupOf(entry);
            GenericRecord row = from == null ? source : found.get(from);
            String column = dev.shiftlog.schemas.spec.LookupDef.columnOf(entry);
            Schema.Field f = row == null ? null : row.getSchema().getField(column);
            if (row != null && f == null) {
                throw new RowRejectedException("lookup " + lookup.name(), "lookup '" + lookup.name() + "' of " + table.target() + " reads '"
                        + entry + "', but " + (from == null ? table.source() : "the " + from + " row") + " has no column '" + column + "'");
            }
            String part = f == null ? null : AvroValues.text(f.schema(), row.get(f.pos()));
            if (part == null) {
                return null;
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    /** The CEL variable with the new ids other mappings give the same legacy row (unless a column has that name). */
    public static final String IDS_VARIABLE = "ids";

    /** The legacy key schema this mapper was compiled for. */
    public Schema keySchemaOfSource() {
        return sourceKeySchema;
    }

    public TableMappingDef table() {
        return table;
    }

    /** What this mapping writes, compiled for its legacy schemas. */
    public MappingSchema schema() {
        return schema;
    }

    public Schema keySchema() {
        return keySchema;
    }

    public Schema valueSchema() {
        return valueSchema;
    }

    /**
     * The new primary key of a legacy row; needs only the legacy key, so deletes map too. Null when the strategy
     * remembers ids and this legacy key never got one (a delete of a row this migration never saw), and for a link
     * table, whose key is the new ids of the rows it links.
     */
    public GenericRecord key(GenericRecord sourceKey) {
        if (table.isLinkTable()) {
            return null; // the linked rows' ids: known once they landed (see keyOf)
        }
        Object id = table.id() == IdStrategy.TARGET ? legacyKey(sourceKey)
                : table.id().isAssigned() ? ids.existing(legacyKeyText(sourceKey)) : newId(sourceKey);
        if (id == null) {
            return null;
        }
        GenericRecord key = new GenericData.Record(keySchema);
        key.put(0, id);
        return key;
    }

    /** The target row of a legacy row. */
    public GenericRecord value(GenericRecord sourceKey, GenericRecord source) {
        return value(sourceKey, source, Map.of());
    }

    /**
     * The target row of a legacy row and the rows its lookups found (lookup name → row; a lookup absent from the map
     * found nothing, and reads as NULL in every column).
     */
    public GenericRecord value(GenericRecord sourceKey, GenericRecord source, Map<String, GenericRecord> lookupRows) {
        return value(sourceKey, source, lookupRows, Map.of());
    }

    /** The same with the items of the row's aggregates (aggregate name → sorted items; absent means none). */
    public GenericRecord value(GenericRecord sourceKey, GenericRecord source, Map<String, GenericRecord> lookupRows,
                               Map<String, List<Object>> aggregates) {
        GenericRecord out = new GenericData.Record(valueSchema);
        if (matchOn != null) {
            String match = matchText(sourceKey, source);
            out.put(table.key(), idForMatch(match));
            out.put(table.legacyKey(), match);
        } else {
            if (table.id() != IdStrategy.TARGET && !table.isLinkTable()) {
                out.put(table.key(), newId(sourceKey));
            }
            out.put(table.legacyKey(), legacyKey(sourceKey));
        }
        Map<String, Object> celValues = null;
        for (ColumnDef column : table.columns()) {
            if (column.isExpression()) {
                if (celValues == null) {
                    celValues = celValues(sourceKey, source, lookupRows, aggregates);
                }
                try {
                    Object result = expressions.get(column.target()).evaluate(celValues);
                    out.put(column.target(), CelTypes.fromCel(valueSchema.getField(column.target()).schema(), result));
                } catch (ColumnExpression.ExpressionException | CelTypes.ValueConversionException e) {
                    throw new RowRejectedException("expr " + table.target() + "." + column.target(), "row " + table.source()
                            + ":" + legacyKeyText(sourceKey) + " → " + table.target() + "." + column.target() + ": " + e.getMessage());
                }
            } else if (column.isUpload()) {
                if (celValues == null) {
                    celValues = celValues(sourceKey, source, lookupRows, aggregates);
                }
                GenericRecord object = storedObject(column, sourceKey, celValues);
                out.put(StoredObjects.fieldOf(column.target()), object);
                out.put(column.target(), StoredObjects.urlOf(column.upload(), object));
            } else if (!column.isReference()) {
                out.put(column.target(), source.get(column.from()));
            }
        }
        return out;
    }

    /** The object an upload column puts into storage for this row: its bytes and content type; null for NULL. */
    private GenericRecord storedObject(ColumnDef column, GenericRecord sourceKey, Map<String, Object> celValues) {
        try {
            Object data = schema.uploads().get(column.target()).evaluate(celValues);
            Object bytes = CelTypes.fromCel(Schema.create(Schema.Type.BYTES), data);
            if (bytes == null) {
                return null;
            }
            ColumnExpression type = schema.uploadTypes().get(column.target());
            Object contentType = type == null ? null : CelTypes.fromCel(Schema.create(Schema.Type.STRING), type.evaluate(celValues));
            java.nio.ByteBuffer b = ((java.nio.ByteBuffer) bytes).duplicate();
            byte[] array = new byte[b.remaining()];
            b.get(array);
            return StoredObjects.objectOf(array, contentType == null ? null : contentType.toString());
        } catch (ColumnExpression.ExpressionException | CelTypes.ValueConversionException e) {
            throw new RowRejectedException("upload " + table.target() + "." + column.target(), "row " + table.source() + ":"
                    + legacyKeyText(sourceKey) + " → " + table.target() + "." + column.target() + ": " + e.getMessage());
        }
    }

    /**
     * The value that identifies the consolidated target row of a legacy row ({@code match-on}), as text; a row
     * whose value is null is rejected, since it cannot be matched with anything.
     */
    public String matchText(GenericRecord sourceKey, GenericRecord source) {
        Object value;
        try {
            value = matchOn.evaluate(celValues(sourceKey, source));
        } catch (ColumnExpression.ExpressionException e) {
            throw new RowRejectedException("match-on " + table.target(), "row " + table.source() + ":" + legacyKeyText(sourceKey)
                    + " → 'match-on' of " + table.target() + ": " + e.getMessage());
        }
        if (CelTypes.fromCel(Schema.create(Schema.Type.STRING), value) == null) {
            throw new RowRejectedException("match-on " + table.target(), "row " + table.source() + ":" + legacyKeyText(sourceKey)
                    + " has no value to match on ('" + table.matchOn().expr() + "' is null)");
        }
        return value.toString();
    }

    private Object idForMatch(String match) {
        // a contribution to the row: the consolidation, which alone sees every contribution, assigns its id
        return table.id().isAssigned() ? (ids == null ? match : ids.assign(match)) : computedIdForMatch(migration, table, match);
    }

    /** The id of a consolidated row computed from its match value alone ({@code preserve}, {@code uuid5}). */
    public static Object computedIdForMatch(String migration, TableMappingDef table, String match) {
        return switch (table.id()) {
            case PRESERVE -> match;
            case UUID5 -> Uuid5.forRow(migration, table.target(), match).toString();
            case UUID7, CUID2, TARGET -> throw new IllegalStateException(table.id() + " ids of '" + table.target()
                    + "' are not computed from the match value");
        };
    }

    /** What a uuid5 id is named after besides the migration and key: the target, plus the source when merged. */
    public static String uuid5Table(TableMappingDef table) {
        return table.merged() ? table.target() + "/" + table.sourceTable() : table.target();
    }

    /** The legacy key as text: the value itself, or the values joined by '/' for composite keys. */
    public String legacyKeyText(GenericRecord sourceKey) {
        return AvroValues.keyText(sourceKey);
    }

    /**
     * The legacy key a rejection of this row carries in {@code <m>.dlq}: for a target fed by several legacy tables
     * {@code <source table>:<key>}, as the sink and the parking gate name it, since the bare key may exist in each.
     */
    public String rejectionKey(GenericRecord sourceKey) {
        return table.merged() ? table.sourceTable() + ":" + legacyKeyText(sourceKey) : legacyKeyText(sourceKey);
    }

    /** The legacy key column's value: the key itself, or for merged targets {@code <source table>:<key>}. */
    private Object legacyKey(GenericRecord sourceKey) {
        if (table.merged()) {
            return table.sourceTable() + ":" + legacyKeyText(sourceKey);
        }
        return legacyKeyFields.size() == 1 ? sourceKey.get(0) : legacyKeyText(sourceKey);
    }

    private Object newId(GenericRecord sourceKey) {
        return switch (table.id()) {
            case PRESERVE -> legacyKey(sourceKey);
            case UUID5 -> Uuid5.forRow(migration, uuid5Table(table), legacyKeyText(sourceKey)).toString();
            case UUID7, CUID2 -> ids.assign(legacyKeyText(sourceKey));
            case TARGET -> throw new IllegalStateException("target ids come from the database");
        };
    }

    /** The mapping itself is wrong for this source schema (a missing column, an expression that does not compile). */
    public static final class RowMappingException extends RuntimeException {
        private final transient dev.shiftlog.schemas.spec.Location location;
        private final String reason;

        public RowMappingException(dev.shiftlog.schemas.spec.Location location, String reason) {
            super(location + ": " + reason);
            this.location = location;
            this.reason = reason;
        }

        /** Where in the spec the mapping is written. */
        public dev.shiftlog.schemas.spec.Location location() {
            return location;
        }

        /** What is wrong, without the location. */
        public String reason() {
            return reason;
        }
    }

    /** One legacy row cannot be mapped; {@code rule} names what refused it, the message names table, key and column. */
    public static final class RowRejectedException extends RuntimeException {
        private final String rule;

        public RowRejectedException(String rule, String message) {
            super(message);
            this.rule = rule;
        }

        public String rule() {
            return rule;
        }
    }
}
