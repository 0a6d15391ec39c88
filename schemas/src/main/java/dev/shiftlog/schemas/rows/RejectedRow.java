package dev.shiftlog.schemas.rows;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * A row that a rule rejected, as it is written to {@code <m>.dlq}: where it came from, which rule refused it and
 * why, so nothing is lost silently and {@code verify} can account for it.
 *
 * @param stage {@code transformer} or {@code sink}
 * @param rule a stable name of the rule, e.g. {@code expr coaches.year_of_birth} or {@code target constraint}
 * @param row the rejected row as Avro JSON; null when only the key is known
 * @param missingParent for a row whose parent never landed, that parent's legacy key (cycles are found from it);
 *                      else null
 * @param missingColumn for such a row, the reference column that waited (a table may have several); else null
 */
public record RejectedRow(String stage, String targetTable, String sourceTopic, int sourcePartition, long sourceOffset,
                          String legacyKey, String rule, String message, String row, long rejectedAtMillis, String missingParent,
                          String missingColumn) {

    /** A rejection for any reason but a missing parent. */
    public RejectedRow(String stage, String targetTable, String sourceTopic, int sourcePartition, long sourceOffset,
                       String legacyKey, String rule, String message, String row, long rejectedAtMillis) {
        this(stage, targetTable, sourceTopic, sourcePartition, sourceOffset, legacyKey, rule, message, row, rejectedAtMillis, null, null);
    }

    public static final Schema KEY_SCHEMA = SchemaBuilder.record("dlq_key").namespace("shiftlog")
            .fields().requiredString("target_table").requiredString("legacy_key").endRecord();

    public static final Schema VALUE_SCHEMA = SchemaBuilder.record("dlq_entry").namespace("shiftlog").fields()
            .requiredString("stage").requiredString("target_table").requiredString("source_topic")
            .requiredInt("source_partition").requiredLong("source_offset").requiredString("legacy_key")
            .requiredString("rule").requiredString("message").optionalString("row")
            .name("rejected_at").type(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
            .optionalString("missing_parent")
            .optionalString("missing_column")
            .endRecord();

    public GenericRecord key() {
        GenericRecord key = new GenericData.Record(KEY_SCHEMA);
        key.put("target_table", targetTable);
        key.put("legacy_key", legacyKey);
        return key;
    }

    public GenericRecord value() {
        GenericRecord v = new GenericData.Record(VALUE_SCHEMA);
        v.put("stage", stage);
        v.put("target_table", targetTable);
        v.put("source_topic", sourceTopic);
        v.put("source_partition", sourcePartition);
        v.put("source_offset", sourceOffset);
        v.put("legacy_key", legacyKey);
        v.put("rule", rule);
        v.put("message", message);
        v.put("row", row);
        v.put("rejected_at", rejectedAtMillis);
        v.put("missing_parent", missingParent);
        v.put("missing_column", missingColumn);
        return v;
    }

    public static RejectedRow fromAvro(GenericRecord v) {
        return new RejectedRow(v.get("stage").toString(), v.get("target_table").toString(), v.get("source_topic").toString(),
                (Integer) v.get("source_partition"), (Long) v.get("source_offset"), v.get("legacy_key").toString(),
                v.get("rule").toString(), v.get("message").toString(), v.get("row") == null ? null : v.get("row").toString(),
                (Long) v.get("rejected_at"), optional(v, "missing_parent"), optional(v, "missing_column"));
    }

    /** A field older DLQ entries may lack. */
    private static String optional(GenericRecord v, String field) {
        return v.getSchema().getField(field) == null || v.get(field) == null ? null : v.get(field).toString();
    }
}
