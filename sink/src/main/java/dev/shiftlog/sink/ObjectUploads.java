package dev.shiftlog.sink;

import dev.shiftlog.schemas.rows.StoredObjects;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the objects of {@code upload} columns into the spec's storage before their rows are written, and hands the
 * sink the rows without them: an object whose key (its content hash) is already in the bucket is not put again, so
 * a re-run, a replay or a redelivered batch uploads nothing new. A put that keeps failing stops the sink before
 * anything of the batch is committed, so no row ever points at an object that is not there.
 */
final class ObjectUploads implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectUploads.class);
    private static final int ATTEMPTS = 5;

    private final S3ObjectStore store;
    /** target table → upload column → bucket. */
    private final Map<String, Map<String, String>> buckets = new HashMap<>();
    /** bucket/key of objects known to be stored. */
    private final Set<String> stored = ConcurrentHashMap.newKeySet();
    private final Map<Schema, Schema> stripped = new ConcurrentHashMap<>();
    private final LongAdder puts = new LongAdder();
    private final LongAdder present = new LongAdder();

    private ObjectUploads(MigrationDef spec) {
        for (TableMappingDef t : spec.tables()) {
            for (ColumnDef c : t.columns()) {
                if (c.isUpload()) {
                    buckets.computeIfAbsent(t.target(), k -> new HashMap<>()).put(c.target(), c.upload().bucket());
                }
            }
        }
        this.store = new S3ObjectStore(spec.storage());
    }

    /** The uploads of a spec, or null when no column uploads. */
    static ObjectUploads of(MigrationDef spec) {
        return spec.uploads().isEmpty() ? null : new ObjectUploads(spec);
    }

    /** Reaches the store and creates the buckets that are missing: a wrong endpoint or key fails at start. */
    void start() {
        for (String bucket : buckets.values().stream().flatMap(m -> m.values().stream()).distinct().toList()) {
            try {
                store.ensureBucket(bucket);
            } catch (RuntimeException e) {
                throw new SinkException("cannot reach bucket '" + bucket + "' at " + store.where() + ": " + e.getMessage()
                        + "; check storage.endpoint, the keys and the bucket's permissions", e);
            }
        }
        LOG.info("upload columns put objects into {} at {}", buckets.values().stream().flatMap(m -> m.values().stream()).distinct().toList(),
                store.where());
    }

    /** Puts the row's objects that are not stored yet and returns the row without them (what the target gets). */
    GenericRecord put(String table, GenericRecord row) {
        if (row == null || !buckets.containsKey(table)) {
            return row;
        }
        for (Map.Entry<String, GenericRecord> e : StoredObjects.objectsOf(row)) {
            String bucket = buckets.get(table).get(e.getKey());
            if (bucket != null) {
                ensureStored(bucket, e.getValue());
            }
        }
        Schema schema = stripped.computeIfAbsent(row.getSchema(), ObjectUploads::withoutObjects);
        GenericRecord out = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            out.put(f.pos(), row.get(f.name()));
        }
        return out;
    }

    private void ensureStored(String bucket, GenericRecord object) {
        String key = object.get("key").toString();
        if (stored.contains(bucket + "/" + key)) {
            return;
        }
        long pause = 500;
        for (int attempt = 1; ; attempt++) {
            try {
                if (store.exists(bucket, key)) {
                    present.increment();
                } else {
                    store.put(bucket, key, object.get("content_type").toString(), StoredObjects.dataOf(object));
                    puts.increment();
                }
                stored.add(bucket + "/" + key);
                return;
            } catch (RuntimeException e) {
                if (attempt == ATTEMPTS) {
                    throw new SinkException("cannot put object " + bucket + "/" + key + " into " + store.where() + " after " + ATTEMPTS
                            + " attempts: " + e.getMessage() + "; nothing of the batch was committed, so it is written again after"
                            + " a restart", e);
                }
                LOG.warn("putting object {}/{} into {} failed ({}); attempt {} of {} in {} ms", bucket, key, store.where(), e.getMessage(),
                        attempt + 1, ATTEMPTS, pause);
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new SinkException("interrupted while putting object " + bucket + "/" + key, ie);
                }
                pause *= 2;
            }
        }
    }

    private static Schema withoutObjects(Schema schema) {
        List<Schema.Field> fields = schema.getFields().stream().filter(f -> !StoredObjects.isObjectField(f.name()))
                .map(f -> new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal())).toList();
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    /** Objects put since start, and objects found already stored. */
    long puts() {
        return puts.sum();
    }

    long alreadyStored() {
        return present.sum();
    }

    @Override
    public void close() {
        LOG.info("objects: {} put, {} already stored", puts.sum(), present.sum());
        store.close();
    }
}
