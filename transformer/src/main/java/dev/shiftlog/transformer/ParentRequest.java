package dev.shiftlog.transformer;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * What a child's task asks the gate of the row it references, on {@code <m>.refs.<table>} keyed by that row: tell
 * me when it lands ({@link Kind#SUBSCRIBE}), I already landed with the reference NULL so only patch me
 * ({@link Kind#SUBSCRIBE_LANDED_NULL}), or forget me ({@link Kind#UNSUBSCRIBE}: the child was deleted or moved).
 *
 * @param column    the child's reference column that asks (a child may reference several rows, even one row twice)
 * @param childKey  the child's legacy key, as text
 * @param partition the child's source partition, where the answer must go so the child's own task receives it
 * @param version   the source offset of the child's version that asks; an answer for an older version is ignored
 */
record ParentRequest(Kind kind, String column, String childKey, int partition, long version) {

    enum Kind { SUBSCRIBE, SUBSCRIBE_LANDED_NULL, UNSUBSCRIBE }

    static final Schema SCHEMA = SchemaBuilder.record("parent_request").namespace("shiftlog").fields()
            .requiredString("kind").requiredString("column").requiredString("child_key").requiredInt("partition").requiredLong("version").endRecord();

    GenericRecord toAvro() {
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("kind", kind.name());
        r.put("column", column);
        r.put("child_key", childKey);
        r.put("partition", partition);
        r.put("version", version);
        return r;
    }

    static ParentRequest fromAvro(GenericRecord r) {
        return new ParentRequest(Kind.valueOf(r.get("kind").toString()), r.get("column").toString(), r.get("child_key").toString(),
                (Integer) r.get("partition"), (Long) r.get("version"));
    }
}
