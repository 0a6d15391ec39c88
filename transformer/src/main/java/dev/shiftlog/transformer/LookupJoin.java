package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import dev.shiftlog.schemas.rows.AggregateItems;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.AggregateDef;
import dev.shiftlog.schemas.spec.LookupDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The asking side of a table's lookups, in the row's own task (the left side of a KIP-213 foreign-key join): keeps
 * each row's latest legacy version and the rows its lookups found, subscribes at the {@link LookupGate} of every
 * looked-up row, and says when a row can be rendered — every lookup answered, chained ones ({@code city.country_id})
 * once the lookup they read has. A changed answer renders the row again; answers are matched by the looked-up key,
 * since a gate answers one key's subscribers in the order of that row's changes.
 */
final class LookupJoin {
    /** What a row renders with: the rows its lookups found, and the first lookup found missing under {@code on-missing: dlq}. */
    record Result(Map<String, GenericRecord> found, Map<String, List<Object>> aggregates, LookupDef missing) {}

    private final TableMappingDef table;
    private final List<LookupDef> lookups;
    private final List<AggregateDef> aggregates;
    /** Slots: one per lookup, then one per aggregate. */
    private final int slotCount;
    private final String requestChild;
    private final String aggregateRequestChild;
    private final Deserializer<GenericRecord> rowDeserializer;
    /** The source connection's default schema, which unqualified lookup tables are in. */
    private final String schema;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, String> states;
    private KeyValueStore<String, byte[]> found;
    private KeyValueStore<String, GenericRecord> sources;

    /**
     * @param requestChild          where lookup requests go (null without lookups)
     * @param aggregateRequestChild where aggregate subscriptions go (null without aggregates)
     */
    LookupJoin(TableMappingDef table, String defaultSchema, String requestChild, String aggregateRequestChild,
               Deserializer<GenericRecord> rowDeserializer) {
        this.table = table;
        this.schema = defaultSchema;
        this.lookups = table.lookups();
        this.aggregates = table.aggregates();
        this.slotCount = lookups.size() + aggregates.size();
        this.requestChild = requestChild;
        this.aggregateRequestChild = aggregateRequestChild;
        this.rowDeserializer = rowDeserializer;
    }

    void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.states = context.getStateStore(TransformerLayout.lookupStates(table));
        this.found = context.getStateStore(TransformerLayout.lookupFound(table));
        this.sources = context.getStateStore(TransformerLayout.lookupSources(table));
    }

    /** One lookup of one row: the key it looks for and where the answer stands. */
    private record Slot(char state, String key) {
        static final Slot NONE = new Slot('-', null);
        static final Slot PENDING = new Slot('p', null);

        boolean open() {
            return state == 'w' || state == 'p';
        }
    }

    private record State(long version, int partition, List<Slot> slots) {
        String encode() {
            StringBuilder out = new StringBuilder().append(version).append('\u0000').append(partition);
            slots.forEach(s -> out.append('\u0000').append(s.state()).append('\u0000').append(s.key() == null ? "" : s.key()));
            return out.toString();
        }

        static State decode(String text, int size) {
            if (text == null) {
                return null;
            }
            String[] parts = text.split("\u0000", -1);
            List<Slot> slots = new ArrayList<>();
            for (int i = 2; i + 1 < parts.length; i += 2) {
                slots.add(new Slot(parts[i].charAt(0), parts[i + 1].isEmpty() ? null : parts[i + 1]));
            }
            return slots.size() == size ? new State(Long.parseLong(parts[0]), Integer.parseInt(parts[1]), slots) : null;
        }
    }

    /** A new version of a row: what it renders with, or null while a lookup is still unanswered. */
    Result update(String child, GenericRecord sourceKey, GenericRecord source, RowMapper mapper, long version, int partition, long timestamp) {
        sources.put(child, source);
        sources.put(child + "\u0000k", sourceKey);
        State previous = State.decode(states.get(child), slotCount);
        return resolve(child, source, mapper, previous, version, partition, timestamp);
    }

    /** An answer of a gate: what the row renders with now, or null when the answer changes nothing or a lookup is unanswered. */
    Result answer(LookupAnswer answer, GenericRecord source, RowMapper mapper, long timestamp) {
        State state = State.decode(states.get(answer.childKey()), slotCount);
        int index = indexOf(answer.lookup());
        if (state == null || index < 0 || state.slots().get(index).key() == null || !state.slots().get(index).key().equals(answer.lookupKey())) {
            return null;
        }
        String foundKey = answer.childKey() + '\u0000' + answer.lookup();
        if (answer.found()) {
            found.put(foundKey, answer.row());
        } else {
            found.delete(foundKey);
        }
        List<Slot> slots = new ArrayList<>(state.slots());
        slots.set(index, new Slot(answer.found() ? 'f' : 'n', answer.lookupKey()));
        return resolve(answer.childKey(), source, mapper, new State(state.version(), state.partition(), slots), state.version(),
                state.partition(), timestamp);
    }

    /** The stored legacy version of a row and its key, for rendering it again: {key, value}, or null. */
    GenericRecord[] source(String child) {
        GenericRecord value = sources.get(child);
        return value == null ? null : new GenericRecord[] {sources.get(child + "\u0000k"), value};
    }

    /** The version and source partition of a row's latest legacy change, as {version, partition}. */
    long[] position(String child) {
        State state = State.decode(states.get(child), slotCount);
        return state == null ? null : new long[] {state.version(), state.partition()};
    }

    /** The row was deleted: withdraw its subscriptions and forget it. */
    void forget(String child, int partition, long version, long timestamp) {
        State previous = State.decode(states.get(child), slotCount);
        if (previous != null) {
            for (int i = 0; i < lookups.size(); i++) {
                Slot slot = previous.slots().get(i);
                if (slot.key() != null) {
                    request(lookups.get(i), slot.key(), LookupRequest.Kind.UNSUBSCRIBE, child, partition, version, timestamp);
                }
                found.delete(child + '\u0000' + lookups.get(i).name());
            }
            for (AggregateDef aggregate : aggregates) {
                subscribe(aggregate, LookupRequest.Kind.UNSUBSCRIBE, child, partition, version, timestamp);
                found.delete(child + '\u0000' + aggregate.name());
            }
        }
        states.delete(child);
        sources.delete(child);
        sources.delete(child + "\u0000k");
    }

    /**
     * Works out every lookup's key in spec order from the row and the rows found so far: an unchanged key keeps its
     * answer and subscription, a new one is subscribed (the old withdrawn), one that reads an unanswered lookup waits.
     */
    private Result resolve(String child, GenericRecord source, RowMapper mapper, State previous, long version, int partition, long timestamp) {
        Map<String, GenericRecord> rows = new HashMap<>();
        List<Slot> slots = new ArrayList<>();
        LookupDef missing = null;
        for (int i = 0; i < lookups.size(); i++) {
            LookupDef lookup = lookups.get(i);
            Slot was = previous == null ? null : previous.slots().get(i);
            boolean pending = false;
            for (String entry : lookup.on()) {
                String from = LookupDef.lookupOf(entry);
                if (from != null && slots.get(indexOf(from)).open()) {
                    pending = true;
                }
            }
            String key = pending ? null : mapper.lookupKey(lookup, source, rows);
            Slot slot;
            if (pending) {
                slot = Slot.PENDING;
            } else if (key == null) {
                slot = Slot.NONE;
            } else if (was != null && key.equals(was.key()) && (was.state() == 'f' || was.state() == 'n')) {
                slot = was;
            } else if (was != null && key.equals(was.key()) && was.state() == 'w') {
                slot = was; // asked already; the answer is on its way
            } else {
                slot = new Slot('w', key);
                request(lookup, key, LookupRequest.Kind.SUBSCRIBE, child, partition, version, timestamp);
            }
            if (was != null && was.key() != null && !was.key().equals(slot.key())) {
                request(lookup, was.key(), LookupRequest.Kind.UNSUBSCRIBE, child, partition, version, timestamp);
                found.delete(child + '\u0000' + lookup.name());
            }
            if (slot.state() == 'f') {
                byte[] bytes = found.get(child + '\u0000' + lookup.name());
                if (bytes != null) {
                    rows.put(lookup.name(), rowDeserializer.deserialize(TransformerLayout.lookupFound(table), bytes));
                }
            } else if (slot.state() == 'n' && lookup.dlqIfMissing() && missing == null) {
                missing = lookup;
            }
            slots.add(slot);
        }
        Map<String, List<Object>> lists = new HashMap<>();
        for (int j = 0; j < aggregates.size(); j++) {
            AggregateDef aggregate = aggregates.get(j);
            Slot was = previous == null ? null : previous.slots().get(lookups.size() + j);
            Slot slot = was != null && child.equals(was.key()) && (was.state() == 'f' || was.state() == 'w') ? was : new Slot('w', child);
            if (slot != was) {
                subscribe(aggregate, LookupRequest.Kind.SUBSCRIBE, child, partition, version, timestamp);
            }
            if (slot.state() == 'f') {
                byte[] bytes = found.get(child + '\u0000' + aggregate.name());
                lists.put(aggregate.name(), bytes == null ? List.of() : items(bytes));
            }
            slots.add(slot);
        }
        states.put(child, new State(version, partition, slots).encode());
        return slots.stream().anyMatch(Slot::open) ? null : new Result(rows, lists, missing);
    }

    /** An aggregate answer's items, sorted as the mapping sees them. */
    private static List<Object> items(byte[] json) {
        try {
            List<String> texts = new ArrayList<>();
            JSON.readTree(json).forEach(item -> texts.add(item.toString()));
            return AggregateItems.sorted(texts);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("an aggregate answer is not a JSON array: " + e.getMessage(), e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private void subscribe(AggregateDef aggregate, LookupRequest.Kind kind, String child, int partition, long version, long timestamp) {
        context.forward(new Record<>(LandedRow.key(table.target(), child), new LookupRequest(kind, aggregate.name(), child, partition,
                version).toAvro(), timestamp), aggregateRequestChild);
    }

    private int indexOf(String name) {
        for (int i = 0; i < lookups.size(); i++) {
            if (lookups.get(i).name().equals(name)) {
                return i;
            }
        }
        for (int j = 0; j < aggregates.size(); j++) {
            if (aggregates.get(j).name().equals(name)) {
                return lookups.size() + j;
            }
        }
        return -1;
    }

    private void request(LookupDef lookup, String key, LookupRequest.Kind kind, String child, int partition, long version, long timestamp) {
        context.forward(new Record<>(LandedRow.key(lookup.rowsName(schema), key), new LookupRequest(kind, lookup.name(), child, partition, version).toAvro(),
                timestamp), requestChild);
    }

}
