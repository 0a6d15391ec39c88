package dev.shiftlog.sink;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * The net effect of a run of changes to one target table: the last state of each key, either a row to upsert or
 * a key to delete. Collapsing first makes one INSERT … ON CONFLICT per batch legal and idempotent.
 */
final class TableBatch {
    private final String table;
    private final Map<List<Object>, GenericRecord> upserts = new LinkedHashMap<>();
    private final Map<List<Object>, GenericRecord> deletes = new LinkedHashMap<>();

    TableBatch(String table) {
        this.table = table;
    }

    void add(GenericRecord key, GenericRecord value) {
        List<Object> id = key.getSchema().getFields().stream().map(f -> normalize(key.get(f.pos()))).toList();
        if (value == null) {
            upserts.remove(id);
            deletes.put(id, key);
        } else {
            deletes.remove(id);
            upserts.put(id, value);
        }
    }

    private static Object normalize(Object v) {
        return v instanceof CharSequence cs ? cs.toString() : v;
    }

    String table() {
        return table;
    }

    Iterable<GenericRecord> upserts() {
        return upserts.values();
    }

    Iterable<GenericRecord> deletes() {
        return deletes.values();
    }

    int upsertCount() {
        return upserts.size();
    }

    int deleteCount() {
        return deletes.size();
    }

    /** Schema of the rows to upsert (the newest seen), or null when there are none. */
    Schema rowSchema() {
        GenericRecord last = null;
        for (GenericRecord r : upserts.values()) {
            last = r;
        }
        return last == null ? null : last.getSchema();
    }
}
