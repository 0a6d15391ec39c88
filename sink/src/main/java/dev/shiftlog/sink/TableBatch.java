package dev.shiftlog.sink;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * The net effect of a run of changes to one target table: per key its latest row or its delete, with the topic
 * position it came from. Collapsing first makes one INSERT … ON CONFLICT per batch and row shape legal and idempotent.
 * Deletes run after the rows of every table, so a child moved to another parent no longer references the parent
 * being deleted.
 */
final class TableBatch {
    /**
     * The last change of one key; {@code value} null means delete.
     *
     * @param timestamp the record's timestamp on the output topic: the legacy change's time, carried on to its landing
     */
    record Change(String table, GenericRecord key, GenericRecord value, String topic, int partition, long offset, long timestamp) {
        boolean isDelete() {
            return value == null;
        }

        /** The row key as comparable values. */
        List<Object> id() {
            return TableBatch.id(key);
        }
    }

    private final String table;
    private final Map<List<Object>, Change> deletes = new LinkedHashMap<>();
    private final Map<List<Object>, Change> upserts = new LinkedHashMap<>();

    TableBatch(String table) {
        this.table = table;
    }

    void add(GenericRecord key, GenericRecord value, String topic, int partition, long offset, long timestamp) {
        add(new Change(table, key, value, topic, partition, offset, timestamp));
    }

    void add(Change change) {
        List<Object> id = change.id();
        if (change.isDelete()) {
            upserts.remove(id);
            deletes.put(id, change);
        } else {
            deletes.remove(id); // the row is written whole again: the earlier delete changes nothing
            upserts.remove(id);
            upserts.put(id, change);
        }
    }

    static List<Object> id(GenericRecord key) {
        return key.getSchema().getFields().stream().map(f -> normalize(key.get(f.pos()))).toList();
    }

    private static Object normalize(Object v) {
        return v instanceof CharSequence cs ? cs.toString() : v;
    }

    String table() {
        return table;
    }

    /** The deletes: they run after the rows of every table. */
    List<Change> deletesAfterRows() {
        return new ArrayList<>(deletes.values());
    }

    /** The rows, in the order they arrived. */
    List<Change> rowChanges() {
        return new ArrayList<>(upserts.values());
    }

    List<GenericRecord> upserts() {
        List<GenericRecord> rows = new ArrayList<>();
        upserts.values().forEach(c -> rows.add(c.value()));
        return rows;
    }

    /** Whether a later change of this batch replaces the given (held) delete of the same key. */
    boolean touches(List<Object> id) {
        return deletes.containsKey(id) || upserts.containsKey(id);
    }

    int upsertCount() {
        return upserts.size();
    }

    int deleteCount() {
        return deletes.size();
    }
}
