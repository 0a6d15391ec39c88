package dev.shiftlog.transformer;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * What a row asks the {@link LookupGate} of a legacy row it looks up, on {@code <m>.lookups.<table>} keyed by that
 * row: send it to me now and whenever it changes ({@link Kind#SUBSCRIBE}), or forget me ({@link Kind#UNSUBSCRIBE}:
 * the row was deleted or now looks up another one).
 *
 * @param lookup    the lookup's name in the spec
 * @param childKey  the asking row's legacy key
 * @param partition the asking row's source partition, where answers must go
 * @param version   the source offset of the asking version; answers carry it back
 */
record LookupRequest(Kind kind, String lookup, String childKey, int partition, long version) {

    enum Kind { SUBSCRIBE, UNSUBSCRIBE }

    static final Schema SCHEMA = SchemaBuilder.record("lookup_request").namespace("shiftlog").fields()
            .requiredString("kind").requiredString("lookup").requiredString("child_key").requiredInt("partition")
            .requiredLong("version").endRecord();

    GenericRecord toAvro() {
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("kind", kind.name());
        r.put("lookup", lookup);
        r.put("child_key", childKey);
        r.put("partition", partition);
        r.put("version", version);
        return r;
    }

    static LookupRequest fromAvro(GenericRecord r) {
        return new LookupRequest(Kind.valueOf(r.get("kind").toString()), r.get("lookup").toString(), r.get("child_key").toString(),
                (Integer) r.get("partition"), (Long) r.get("version"));
    }
}
