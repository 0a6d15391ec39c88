package dev.shiftlog.schemas.rows;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * A row that reached the target, as the sink announces it on {@code <m>.landed} after the database commit: rows
 * that reference it may now land too. The key ({@code table}, {@code legacy_key}) is also how the transformer
 * partitions rows waiting for it, so both sides meet in the same task.
 */
public record LandedRow(String table, String legacyKey, String id) {

    public static final Schema KEY_SCHEMA = SchemaBuilder.record("row_ref").namespace("shiftlog")
            .fields().requiredString("table").requiredString("legacy_key").endRecord();

    public static final Schema VALUE_SCHEMA = SchemaBuilder.record("landed_row").namespace("shiftlog")
            .fields().requiredString("table").requiredString("legacy_key").requiredString("id").endRecord();

    /** The key of a row of {@code table} with this legacy key, as used on {@code <m>.landed} and to park rows. */
    public static GenericRecord key(String table, String legacyKey) {
        GenericRecord key = new GenericData.Record(KEY_SCHEMA);
        key.put("table", table);
        key.put("legacy_key", legacyKey);
        return key;
    }

    public GenericRecord key() {
        return key(table, legacyKey);
    }

    public GenericRecord value() {
        GenericRecord v = new GenericData.Record(VALUE_SCHEMA);
        v.put("table", table);
        v.put("legacy_key", legacyKey);
        v.put("id", id);
        return v;
    }

    public static LandedRow fromAvro(GenericRecord v) {
        return new LandedRow(v.get("table").toString(), v.get("legacy_key").toString(), v.get("id").toString());
    }
}
