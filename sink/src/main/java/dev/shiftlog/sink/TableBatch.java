package dev.shiftlog.sink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * The net effect of a run of changes to one target table: per key the deletes and the latest row of each shape
 * (column set), with the topic position each came from. Collapsing first makes one INSERT … ON CONFLICT per batch
 * and shape legal and idempotent; keeping one row per shape matters when several mappings fill different columns of
 * the same target row ({@code match-on}), since none of them may overwrite the others.
 */
final class TableBatch {
    /** The last change of one key (and shape); {@code value} null means delete. */
    record Change(GenericRecord key, GenericRecord value, String topic, int partition, long offset) {}

    private final String table;
    private final Map<List<Object>, Change> deletes = new LinkedHashMap<>();
    private final Map<List<Object>, Change> upserts = new LinkedHashMap<>();

    TableBatch(String table) {
        this.table = table;
    }

    void add(GenericRecord key, GenericRecord value, String topic, int partition, long offset) {
        List<Object> id = key.getSchema().getFields().stream().map(f -> normalize(key.get(f.pos()))).toList();
        Change change = new Change(key, value, topic, partition, offset);
        if (value == null) {
            // a delete wins over every earlier row of the key, whatever its shape
            upserts.keySet().removeIf(k -> k.get(0).equals(id));
            deletes.put(id, change);
        } else {
            // deletes run before upserts, so a delete followed by a re-insert still ends with the row
            List<Object> shaped = List.of(id, value.getSchema());
            upserts.remove(shaped);
            upserts.put(shaped, change);
        }
    }

    private static Object normalize(Object v) {
        return v instanceof CharSequence cs ? cs.toString() : v;
    }

    String table() {
        return table;
    }

    /** Deletes first, then rows, in the order they are applied. */
    Collection<Change> changes() {
        List<Change> all = new ArrayList<>(deletes.values());
        all.addAll(upserts.values());
        return all;
    }

    List<GenericRecord> upserts() {
        List<GenericRecord> rows = new ArrayList<>();
        upserts.values().forEach(c -> rows.add(c.value()));
        return rows;
    }

    List<GenericRecord> deletes() {
        List<GenericRecord> keys = new ArrayList<>();
        deletes.values().forEach(c -> keys.add(c.key()));
        return keys;
    }

    int upsertCount() {
        return upserts.size();
    }

    int deleteCount() {
        return deletes.size();
    }

    /** A batch of just one change, to find out which row the database refuses. */
    static TableBatch of(String table, Change change) {
        TableBatch single = new TableBatch(table);
        single.add(change.key(), change.value(), change.topic(), change.partition(), change.offset());
        return single;
    }
}
