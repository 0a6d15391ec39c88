package dev.shiftlog.sink;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;

/**
 * The net effect of a run of changes to one target table: per key its delete and the latest row of each shape
 * (column set), with the topic position each came from. Collapsing first makes one INSERT … ON CONFLICT per batch
 * and shape legal and idempotent; keeping one row per shape matters when several mappings fill different columns of
 * the same target row ({@code match-on}), since none of them may overwrite the others.
 *
 * <p>Deletes come in two kinds because of foreign keys: a delete whose key is written again later in the batch
 * (only kept for consolidated rows, where it resets the other mappings' columns) runs before the rows; every other
 * delete runs after all rows of all tables, so a child moved to another parent no longer references the parent
 * being deleted.
 */
final class TableBatch {
    /** The last change of one key (and shape); {@code value} null means delete. */
    record Change(String table, GenericRecord key, GenericRecord value, String topic, int partition, long offset) {
        boolean isDelete() {
            return value == null;
        }

        /** The row key as comparable values, the same for every shape of the row. */
        List<Object> id() {
            return TableBatch.id(key);
        }
    }

    private final String table;
    private final boolean consolidated;
    private final Map<List<Object>, Change> deletes = new LinkedHashMap<>();
    private final Map<List<Object>, Change> upserts = new LinkedHashMap<>();
    /** Keys that have a row in this batch; computed once when first asked, since held deletes ask per delete. */
    private Set<List<Object>> rewritten;

    /** @param consolidated rows of several mappings share one target row ({@code match-on}) */
    TableBatch(String table, boolean consolidated) {
        this.table = table;
        this.consolidated = consolidated;
    }

    void add(GenericRecord key, GenericRecord value, String topic, int partition, long offset) {
        add(new Change(table, key, value, topic, partition, offset));
    }

    void add(Change change) {
        rewritten = null;
        List<Object> id = change.id();
        if (change.isDelete()) {
            // a delete wins over every earlier row of the key, whatever its shape
            upserts.keySet().removeIf(k -> k.get(0).equals(id));
            deletes.put(id, change);
        } else {
            if (!consolidated) {
                deletes.remove(id); // the row is written whole again: the earlier delete changes nothing
            }
            List<Object> shaped = List.of(id, change.value().getSchema());
            upserts.remove(shaped);
            upserts.put(shaped, change);
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

    /** Deletes of keys written again in this batch: they run before the rows. */
    List<Change> deletesBeforeRows() {
        Set<List<Object>> rewritten = rewrittenIds();
        return deletes.entrySet().stream().filter(e -> rewritten.contains(e.getKey())).map(Map.Entry::getValue).toList();
    }

    /** Deletes of keys that stay deleted: they run after the rows of every table. */
    List<Change> deletesAfterRows() {
        Set<List<Object>> rewritten = rewrittenIds();
        return deletes.entrySet().stream().filter(e -> !rewritten.contains(e.getKey())).map(Map.Entry::getValue).toList();
    }

    private Set<List<Object>> rewrittenIds() {
        if (rewritten == null) {
            rewritten = new HashSet<>();
            upserts.keySet().forEach(k -> rewritten.add(castId(k.get(0))));
        }
        return rewritten;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castId(Object o) {
        return (List<Object>) o;
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
        return deletes.containsKey(id) || rewrittenIds().contains(id);
    }

    int upsertCount() {
        return upserts.size();
    }

    int deleteCount() {
        return deletes.size();
    }
}
