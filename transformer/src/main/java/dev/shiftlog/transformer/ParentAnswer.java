package dev.shiftlog.transformer;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The gate's answer to a {@link ParentRequest}, sent on {@code <m>.parents.<table>} to the child's own partition so
 * that only the child's task ever writes the child's target row (as Kafka Streams' foreign-key joins answer to the
 * left side): the parent landed with this id, or ({@code parentId} null) it did not land within {@code park-timeout}.
 *
 * @param column   the child's reference column the answer is for
 * @param version  the child version that asked; the child lands the row only if this is still its current version
 * @param waitedMs how long the request waited, for the DLQ's reason
 */
record ParentAnswer(String column, String childKey, int partition, String parentKey, long version, String parentId, long waitedMs) {

    static final Schema SCHEMA = SchemaBuilder.record("parent_answer").namespace("shiftlog").fields()
            .requiredString("column").requiredString("child_key").requiredInt("partition").requiredString("parent_key").requiredLong("version")
            .optionalString("parent_id").requiredLong("waited_ms").endRecord();

    boolean landed() {
        return parentId != null;
    }

    GenericRecord toAvro() {
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("column", column);
        r.put("child_key", childKey);
        r.put("partition", partition);
        r.put("parent_key", parentKey);
        r.put("version", version);
        r.put("parent_id", parentId);
        r.put("waited_ms", waitedMs);
        return r;
    }

    static ParentAnswer fromAvro(GenericRecord r) {
        Object id = r.get("parent_id");
        return new ParentAnswer(r.get("column").toString(), r.get("child_key").toString(), (Integer) r.get("partition"), r.get("parent_key").toString(),
                (Long) r.get("version"), id == null ? null : id.toString(), (Long) r.get("waited_ms"));
    }
}
