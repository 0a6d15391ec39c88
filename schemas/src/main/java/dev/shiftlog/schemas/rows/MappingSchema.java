package dev.shiftlog.schemas.rows;

import dev.cel.common.types.CelType;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.IdStrategy;
import dev.shiftlog.schemas.spec.LookupDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The output side of a mapping for one pair of legacy key and row schemas: the target row's key and value schemas,
 * and the compiled expressions whose result types give those columns their types (so both are made together). What a
 * mapping writes — for drift checks, the sink, the JSON Schema of the topics — without evaluating a row.
 */
public final class MappingSchema {
    private final List<String> legacyKeyFields;
    private final Schema keySchema;
    private final Schema valueSchema;
    private final Map<String, ColumnExpression> expressions = new HashMap<>();
    private final Map<String, ColumnExpression> referenceMatches = new HashMap<>();
    /** Upload column → its compiled value (bytes) and, where given, content type. */
    private final Map<String, ColumnExpression> uploads = new HashMap<>();
    private final Map<String, ColumnExpression> uploadTypes = new HashMap<>();
    private ColumnExpression where;
    private ColumnExpression matchOn;

    /**
     * @param sourceValueSchema null when only keys are mapped (a delete seen before any row of the table): then the
     *     value schema is null too
     * @throws RowMapper.RowMappingException naming the table and column when a mapped column is missing or an
     *     expression does not type-check
     */
    public MappingSchema(String migration, TableMappingDef table, Schema sourceKeySchema, Schema sourceValueSchema) {
        this.legacyKeyFields = sourceKeySchema.getFields().stream().map(Schema.Field::name).toList();
        Schema legacyKeyType = legacyKeyFields.size() == 1 && !table.merged() && table.matchOn() == null
                ? AvroValues.nonNull(sourceKeySchema.getFields().get(0).schema()) : Schema.create(Schema.Type.STRING);
        Schema idType = idType(table.id(), legacyKeyType);

        String namespace = namespace(migration);
        if (table.isLinkTable()) {
            // the new ids of the linked rows, typed as the parents' ids: text for composite legacy keys and assigned ids
            List<Schema.Field> keyFields = new ArrayList<>();
            for (String k : table.linkKey()) {
                ColumnDef ref = table.columns().stream().filter(c -> c.target().equals(k)).findFirst().orElseThrow();
                Schema.Field from = sourceValueSchema == null ? null : sourceValueSchema.getField(ref.from());
                Schema legacy = from == null || ref.reference().composite() ? Schema.create(Schema.Type.STRING) : AvroValues.nonNull(from.schema());
                keyFields.add(new Schema.Field(k, idType(ref.refId(), legacy)));
            }
            keySchema = Schema.createRecord(table.target() + "_key", null, namespace, false, keyFields);
        } else {
            keySchema = Schema.createRecord(table.target() + "_key", null, namespace, false,
                    List.of(table.id() == IdStrategy.TARGET ? new Schema.Field(table.legacyKey(), legacyKeyType)
                            : new Schema.Field(table.key(), idType)));
        }

        if (sourceValueSchema == null) {
            valueSchema = null;
            return;
        }
        Map<String, CelType> celColumns = new LinkedHashMap<>();
        for (Schema.Field f : sourceValueSchema.getFields()) {
            celColumns.put(f.name(), CelTypes.ofAvro(f.schema()));
        }
        for (dev.shiftlog.schemas.spec.LookupDef lookup : table.lookups()) {
            if (celColumns.containsKey(lookup.name())) {
                throw new RowMapper.RowMappingException(lookup.location(), "lookup '" + lookup.name() + "' of '" + table.target()
                        + "' has the name of a column of '" + table.source() + "'; rename the lookup");
            }
            // the looked-up row's columns are dyn: its schema is the lookup table's, known once a row of it is read
            celColumns.put(lookup.name(), dev.cel.common.types.MapType.create(dev.cel.common.types.SimpleType.STRING,
                    dev.cel.common.types.SimpleType.DYN));
        }
        for (dev.shiftlog.schemas.spec.AggregateDef aggregate : table.aggregates()) {
            if (celColumns.containsKey(aggregate.name())) {
                throw new RowMapper.RowMappingException(aggregate.location(), "aggregate '" + aggregate.name() + "' of '" + table.target()
                        + "' has the name of a column of '" + table.source() + "'; rename the aggregate");
            }
            celColumns.put(aggregate.name(), dev.cel.common.types.ListType.create(dev.cel.common.types.SimpleType.DYN));
        }
        celColumns.putIfAbsent(RowMapper.IDS_VARIABLE, dev.cel.common.types.MapType.create(dev.cel.common.types.SimpleType.STRING,
                dev.cel.common.types.SimpleType.STRING));
        List<Schema.Field> fields = new ArrayList<>();
        if (table.id() != IdStrategy.TARGET && !table.isLinkTable()) { // the database fills it
            fields.add(new Schema.Field(table.key(), idType));
        }
        fields.add(new Schema.Field(table.legacyKey(), legacyKeyType));
        for (ColumnDef column : table.columns()) {
            if (!table.isLinkTable() && (column.target().equals(table.key()) || column.target().equals(table.legacyKey()))) {
                throw new RowMapper.RowMappingException(column.location(), "column '" + column.target() + "' of '" + table.target()
                        + "' is filled by the id strategy; remove it from 'columns'");
            }
            Schema type;
            if (column.isUpload()) {
                compileUpload(table, column, celColumns);
                fields.add(new Schema.Field(StoredObjects.fieldOf(column.target()), AvroValues.optional(StoredObjects.OBJECT_SCHEMA), null,
                        Schema.Field.NULL_DEFAULT_VALUE));
                type = Schema.create(Schema.Type.STRING); // the object's public URL
            } else if (column.isExpression()) {
                try {
                    ColumnExpression expression = ColumnExpression.compile(column.expr(), celColumns);
                    expressions.put(column.target(), expression);
                    type = CelTypes.avroOf(expression.resultType());
                } catch (ColumnExpression.ExpressionException e) {
                    throw new RowMapper.RowMappingException(column.location(), "expression for '" + table.target() + "."
                            + column.target() + "' does not compile: " + e.getMessage());
                }
            } else if (column.isReference() && column.reference().byMatch()) {
                try {
                    referenceMatches.put(column.target(), ColumnExpression.compile(column.reference().match(), celColumns));
                } catch (ColumnExpression.ExpressionException e) {
                    throw new RowMapper.RowMappingException(column.location(), "'match' of reference '" + table.target() + "."
                            + column.target() + "' does not compile: " + e.getMessage());
                }
                type = idType(column.refId(), Schema.create(Schema.Type.STRING)); // a preserved match value is text
            } else if (column.isReference() && column.reference().throughLookup()) {
                // the parent's key is in a looked-up row (its schema known once one is read): the new id is text or a uuid
                for (String part : column.reference().from()) {
                    if (LookupDef.lookupOf(part) == null && sourceValueSchema.getField(part) == null) {
                        throw new RowMapper.RowMappingException(column.location(), "source table '" + table.source()
                                + "' has no column '" + part + "'; columns are " + celColumns.keySet());
                    }
                }
                type = idType(column.refId(), Schema.create(Schema.Type.STRING));
            } else {
                Schema.Field from = sourceValueSchema.getField(column.from());
                if (from == null) {
                    throw new RowMapper.RowMappingException(column.location(), "source table '" + table.source()
                            + "' has no column '" + column.from() + "'; columns are " + celColumns.keySet());
                }
                if (column.isReference()) {
                    for (String part : column.reference().from()) {
                        if (sourceValueSchema.getField(part) == null) {
                            throw new RowMapper.RowMappingException(column.location(), "source table '" + table.source()
                                    + "' has no column '" + part + "'; columns are " + celColumns.keySet());
                        }
                    }
                    // a composite parent key is text, as the parent's own legacy key is
                    type = idType(column.refId(), column.reference().composite() ? Schema.create(Schema.Type.STRING)
                            : AvroValues.nonNull(from.schema()));
                } else {
                    type = AvroValues.nonNull(from.schema());
                }
            }
            fields.add(new Schema.Field(column.target(), AvroValues.optional(type), null, Schema.Field.NULL_DEFAULT_VALUE));
        }
        valueSchema = Schema.createRecord(table.target(), null, namespace, false, fields);
        if (table.where() != null) {
            where = RowMapper.compileCondition(table, celColumns);
        }
        if (table.matchOn() != null) {
            try {
                matchOn = ColumnExpression.compile(table.matchOn().expr(), celColumns);
            } catch (ColumnExpression.ExpressionException e) {
                throw new RowMapper.RowMappingException(table.matchOn().location(), "'match-on' of '" + table.target()
                        + "' does not compile: " + e.getMessage());
            }
        }
    }

    /** An upload column's value (it must be bytes) and content type (text), compiled. */
    private void compileUpload(TableMappingDef table, ColumnDef column, Map<String, CelType> celColumns) {
        String where = "'" + table.target() + "." + column.target() + "'";
        try {
            ColumnExpression data = ColumnExpression.compile(column.upload().expr(), celColumns);
            Schema type = CelTypes.avroOf(data.resultType());
            if (type.getType() != Schema.Type.BYTES && data.resultType() != dev.cel.common.types.SimpleType.DYN) {
                throw new RowMapper.RowMappingException(column.location(), "'upload' of " + where + " yields " + type.getType().getName()
                        + "; it must yield bytes (a bytea column, or one of a looked-up row)");
            }
            uploads.put(column.target(), data);
            if (column.upload().contentType() != null) {
                uploadTypes.put(column.target(), ColumnExpression.compile(column.upload().contentType(), celColumns));
            }
        } catch (ColumnExpression.ExpressionException e) {
            throw new RowMapper.RowMappingException(column.location(), "'upload' or 'content-type' of " + where + " does not compile: "
                    + e.getMessage());
        }
    }

    /** The Avro type of a new id under a strategy; {@code legacyKeyType} is what {@code preserve} keeps. */
    private static String namespace(String migration) {
        return "shiftlog." + migration.replaceAll("[^A-Za-z0-9_]", "_") + ".out";
    }

    /** The key of a consolidated target's rows ({@code match-on}): the id its match value is given, as its mappings' rows carry it. */
    public static Schema consolidatedKeySchema(String migration, TableMappingDef table) {
        return Schema.createRecord(table.target() + "_key", null, namespace(migration), false,
                List.of(new Schema.Field(table.key(), idType(table.id(), Schema.create(Schema.Type.STRING)))));
    }

    static Schema idType(IdStrategy strategy, Schema legacyKeyType) {
        return switch (strategy) {
            case PRESERVE -> legacyKeyType;
            case UUID5, UUID7 -> LogicalTypes.uuid().addToSchema(Schema.create(Schema.Type.STRING));
            case CUID2, TARGET -> Schema.create(Schema.Type.STRING);
        };
    }

    public List<String> legacyKeyFields() {
        return legacyKeyFields;
    }

    public Schema keySchema() {
        return keySchema;
    }

    /** The target row's columns; null when the mapping was compiled without a row schema. */
    public Schema valueSchema() {
        return valueSchema;
    }

    /** Target column → its compiled expression. */
    Map<String, ColumnExpression> expressions() {
        return expressions;
    }

    /** Upload column → its compiled bytes expression. */
    Map<String, ColumnExpression> uploads() {
        return uploads;
    }

    /** Upload column → its compiled content-type expression, where the spec gives one. */
    Map<String, ColumnExpression> uploadTypes() {
        return uploadTypes;
    }

    /** The compiled {@code where}, or null. */
    ColumnExpression where() {
        return where;
    }

    /** Reference column → its compiled {@code match} (the consolidated parent's match value), for references by match. */
    Map<String, ColumnExpression> referenceMatches() {
        return referenceMatches;
    }

    /** The compiled {@code match-on}, or null. */
    ColumnExpression matchOn() {
        return matchOn;
    }
}
