package dev.shiftlog.sink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Changes the target refused for an order the partitions cannot promise: a delete of a row still referenced — a
 * child whose move to another parent sits in another partition or table and has not been applied yet — and an
 * older version of a row whose parent has been deleted since (its newer version, under another parent, follows in
 * the same partition). They are retried until the foreign key lets them through, dropped when a later change of
 * the same key replaces them, or sent to the DLQ after the table's park-timeout. While one is held, its partition's
 * committed offset stays at it, so a crash or a rebalance redelivers it: holding never loses a change.
 */
final class HeldChanges {
    /** A held change, when it was first refused, and when it is tried again. */
    record Held(TableBatch.Change change, long sinceMillis, long nextTryMillis, int tries) {
        /** Refused once more: the pause before the next try doubles, from 250 ms up to {@link #MAX_PAUSE_MILLIS}. */
        Held refusedAgain(long nowMillis) {
            long pause = Math.min(MAX_PAUSE_MILLIS, FIRST_PAUSE_MILLIS << Math.min(tries, 16));
            return new Held(change, sinceMillis, nowMillis + pause, tries + 1);
        }
    }

    /**
     * Pauses between tries of one held change. A delete waits for a child's move that is usually one batch away, so
     * the first tries come soon; one waiting for long is most often waiting for a worker that is down, and trying
     * it every second only scans the referencing tables under locks other sinks need.
     */
    static final long FIRST_PAUSE_MILLIS = 250;
    static final long MAX_PAUSE_MILLIS = 5_000;

    private final Map<TopicPartition, TreeMap<Long, Held>> byPartition = new HashMap<>();

    void hold(TableBatch.Change change, long nowMillis) {
        byPartition.computeIfAbsent(new TopicPartition(change.topic(), change.partition()), tp -> new TreeMap<>())
                .put(change.offset(), new Held(change, nowMillis, nowMillis + FIRST_PAUSE_MILLIS, 1));
    }

    /** Drops held changes that a later change of the same key replaces (same key, same partition, later offset). */
    void supersede(Map<String, TableBatch> batchesByTable) {
        for (TreeMap<Long, Held> held : byPartition.values()) {
            held.values().removeIf(h -> {
                TableBatch batch = batchesByTable.get(h.change().table());
                return batch != null && batch.touches(h.change().id());
            });
        }
        byPartition.values().removeIf(TreeMap::isEmpty);
    }

    /** The held changes whose pause has passed. */
    List<TableBatch.Change> due(long nowMillis) {
        List<TableBatch.Change> out = new ArrayList<>();
        byPartition.values().forEach(m -> m.values().forEach(h -> {
            if (h.nextTryMillis() <= nowMillis) {
                out.add(h.change());
            }
        }));
        return out;
    }

    /** The tried changes that stay held wait longer before their next try. */
    void refusedAgain(Collection<TableBatch.Change> tried, long nowMillis) {
        for (TableBatch.Change c : tried) {
            TreeMap<Long, Held> held = byPartition.get(new TopicPartition(c.topic(), c.partition()));
            if (held != null) {
                held.computeIfPresent(c.offset(), (offset, h) -> h.refusedAgain(nowMillis));
            }
        }
    }

    List<Held> held() {
        List<Held> out = new ArrayList<>();
        byPartition.values().forEach(m -> out.addAll(m.values()));
        return out;
    }

    void release(Collection<TableBatch.Change> done) {
        for (TableBatch.Change c : done) {
            TreeMap<Long, Held> held = byPartition.get(new TopicPartition(c.topic(), c.partition()));
            if (held != null) {
                held.remove(c.offset());
                if (held.isEmpty()) {
                    byPartition.remove(new TopicPartition(c.topic(), c.partition()));
                }
            }
        }
    }

    /** The offset the partition may be committed to at most: its oldest held change. */
    OptionalLong oldestOffset(TopicPartition tp) {
        TreeMap<Long, Held> held = byPartition.get(tp);
        return held == null || held.isEmpty() ? OptionalLong.empty() : OptionalLong.of(held.firstKey());
    }

    /** Partitions this worker no longer owns: their new owner redelivers from the committed offset. */
    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(byPartition::remove);
    }

    boolean isEmpty() {
        return byPartition.isEmpty();
    }

    int size() {
        return byPartition.values().stream().mapToInt(Map::size).sum();
    }
}
