package dev.shiftlog.transformer;

import dev.shiftlog.schemas.rows.IdRegistry;
import dev.shiftlog.schemas.rows.RandomIds;
import dev.shiftlog.schemas.spec.IdStrategy;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Remembers assigned ids in the task's {@code ids-<target>} store. Under exactly-once the store's changelog and the
 * output commit together, so an id handed out by an aborted attempt is never seen and never reused.
 */
final class StoreIdRegistry implements IdRegistry {
    private final KeyValueStore<String, String> store;
    private final IdStrategy strategy;

    StoreIdRegistry(KeyValueStore<String, String> store, IdStrategy strategy) {
        this.store = store;
        this.strategy = strategy;
    }

    @Override
    public String existing(String legacyKey) {
        return store.get(legacyKey);
    }

    @Override
    public String assign(String legacyKey) {
        String id = store.get(legacyKey);
        if (id == null) {
            id = RandomIds.next(strategy);
            store.put(legacyKey, id);
        }
        return id;
    }
}
