package dev.shiftlog.sink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * The net effect of a run of changes to one target table: the last state of each key, either a row to upsert or
 * a key to delete, with the topic position it came from. Collapsing first makes one INSERT … ON CONFLICT per batch
 * legal and idempotent.
 */
final class TableBatch {
    /** The last change of one key; {@code value} null means delete. */
    record Change(GenericRecord key, GenericRecord value, String topic, int partition, long offset) {}

    private final String table;
    private final Map<List<Object>, Change> changes = new LinkedHashMap<>();

    TableBatch(String table) {
        this.table = table;
    }

    void add(GenericRecord key, GenericRecord value, String topic, int partition, long offset) {
        List<Object> id = key.getSchema().getFields().stream().map(f -> normalize(key.get(f.pos()))).toList();
        changes.remove(id);
        changes.put(id, new Change(key, value, topic, partition, offset));
    }

    private static Object normalize(Object v) {
        return v instanceof CharSequence cs ? cs.toString() : v;
    }

    String table() {
        return table;
    }

    Collection<Change> changes() {
        return changes.values();
    }

    List<GenericRecord> upserts() {
        List<GenericRecord> rows = new ArrayList<>();
        changes.values().stream().filter(c -> c.value() != null).forEach(c -> rows.add(c.value()));
        return rows;
    }

    List<GenericRecord> deletes() {
        List<GenericRecord> keys = new ArrayList<>();
        changes.values().stream().filter(c -> c.value() == null).forEach(c -> keys.add(c.key()));
        return keys;
    }

    int upsertCount() {
        return (int) changes.values().stream().filter(c -> c.value() != null).count();
    }

    int deleteCount() {
        return changes.size() - upsertCount();
    }

    /** A batch of just one change, to find out which row the database refuses. */
    static TableBatch of(String table, Change change) {
        TableBatch single = new TableBatch(table);
        single.add(change.key(), change.value(), change.topic(), change.partition(), change.offset());
        return single;
    }
}
