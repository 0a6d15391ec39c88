package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import dev.shiftlog.schemas.rows.ConsolidatedRow;
import dev.shiftlog.schemas.rows.IdRegistry;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.rows.ParkedKeys;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.OnError;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Applies one table mapping to each legacy change: a row becomes its target row under the new key, a tombstone
 * becomes a tombstone of the new key, and a row a rule rejects goes to the DLQ child (or stops the stage, as the
 * table's {@code on-error} says). Tables with assigned ids (uuid7, cuid2) keep them in the {@code ids-<target>}
 * store; the others are stateless.
 */
final class RowMappingProcessor implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private final String migration;
    private final TableMappingDef table;
    private final String outputChild;
    private final String dlqChild;
    private final String routeChild;
    private final List<TableMappingDef> siblings;
    private final List<ColumnDef> referenceColumns;
    /** One compiled mapper per (key schema, value schema) pair seen, so a schema change recompiles once. */
    private final Map<Schema, Map<Schema, RowMapper>> mappers = new HashMap<>();
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private IdRegistry ids;

    private KeyValueStore<String, String> references;
    private KeyValueStore<String, GenericRecord> parked;
    /** Every landing, by {@link ParkingGate#landedKey} (a global store, read-only here). */
    private KeyValueStore<String, String> landedEverywhere;
    private KeyValueStore<String, String> matches;
    /** For {@code match-on}: this mapping's index among its target's mappings, its precedence in the consolidated row. */
    private final int mappingIndex;
    private RowMapper lastRowMapper;
    /** The source offset and partition of the legacy version being mapped (a re-render's: the stored version's). */
    private long currentVersion;
    private int currentPartition;
    private final LookupJoin lookupJoin;

    /** @param routeChild where rows of a table with a reference go to wait for their parent; null without one */
    /** @param mappingIndex for {@code match-on} mappings: the index among the target's mappings in spec order */
    /** @param lookupJoin the asking side of the table's lookups; null without lookups */
    RowMappingProcessor(String migration, TableMappingDef table, List<TableMappingDef> siblings, String outputChild, String dlqChild,
                        String routeChild, int mappingIndex, LookupJoin lookupJoin) {
        this.lookupJoin = lookupJoin;
        this.mappingIndex = mappingIndex;
        this.siblings = siblings;
        this.migration = migration;
        this.table = table;
        this.outputChild = outputChild;
        this.dlqChild = dlqChild;
        this.routeChild = routeChild;
        this.referenceColumns = table.references();
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        if (table.id().isAssigned() && table.matchOn() == null) {
            ids = new StoreIdRegistry(context.getStateStore(TransformerLayout.ids(table)), table.id());
        }
        if (routeChild != null) {
            references = context.getStateStore(TransformerLayout.references(table));
            parked = context.getStateStore(TransformerLayout.parked(table));
            landedEverywhere = context.getStateStore(TransformerLayout.LANDED_EVERYWHERE);
        }
        if (table.matchOn() != null) {
            matches = context.getStateStore(TransformerLayout.matches(table));
        }
        if (lookupJoin != null) {
            lookupJoin.init(context);
        }
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        if (record.key() == null) {
            return;
        }
        if (lookupJoin != null && LookupAnswer.is(record.value())) {
            onLookupAnswer(record);
            return;
        }
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        currentVersion = meta.offset();
        currentPartition = meta.partition();
        RowMapper mapper = mapperFor(record.key().getSchema(), record.value() == null ? null : record.value().getSchema());
        if (table.matchOn() != null) {
            try {
                consolidate(record, mapper);
            } catch (RowMapper.RowRejectedException e) {
                reject(record, mapper, e);
            }
            return;
        }
        LookupJoin.Result found = NOTHING_JOINED;
        if (lookupJoin != null) {
            String child = mapper.legacyKeyText(record.key());
            if (record.value() == null) {
                lookupJoin.forget(child, currentPartition, currentVersion, record.timestamp());
            } else {
                LookupJoin.Result result;
                try {
                    result = lookupJoin.update(child, record.key(), record.value(), mapper, currentVersion, currentPartition, record.timestamp());
                } catch (RowMapper.RowRejectedException e) {
                    reject(record, mapper, e);
                    return;
                }
                if (result == null) {
                    return; // a lookup is unanswered: the gate's answer renders the row
                }
                if (result.missing() != null) {
                    missingLookup(record, mapper, result.missing());
                    return;
                }
                found = result;
            }
        }
        emit(record, mapper, found);
    }

    /** A delete has no row schema: it reuses the mapper of the latest row, which knows the target row's shape. */
    private RowMapper mapperFor(Schema keySchema, Schema valueSchema) {
        RowMapper mapper = valueSchema == null && lastRowMapper != null && lastRowMapper.keySchemaOfSource().equals(keySchema)
                ? lastRowMapper
                : mappers.computeIfAbsent(keySchema, k -> new HashMap<>())
                        .computeIfAbsent(valueSchema, v -> new RowMapper(migration, table, keySchema, v, ids, siblings));
        if (valueSchema != null) {
            lastRowMapper = mapper;
        }
        return mapper;
    }

    /** A looked-up row changed (or first arrived): the row that uses it is rendered again from its stored version. */
    private void onLookupAnswer(Record<GenericRecord, GenericRecord> record) {
        LookupAnswer answer = LookupAnswer.fromAvro(record.value());
        GenericRecord[] source = lookupJoin.source(answer.childKey());
        long[] position = lookupJoin.position(answer.childKey());
        if (source == null || position == null) {
            return; // deleted meanwhile
        }
        currentVersion = position[0];
        currentPartition = (int) position[1];
        RowMapper mapper = mapperFor(source[0].getSchema(), source[1].getSchema());
        Record<GenericRecord, GenericRecord> row = new Record<>(source[0], source[1], record.timestamp());
        LookupJoin.Result result;
        try {
            result = lookupJoin.answer(answer, source[1], mapper, record.timestamp());
        } catch (RowMapper.RowRejectedException e) {
            reject(row, mapper, e);
            return;
        }
        if (result == null) {
            return;
        }
        if (result.missing() != null) {
            missingLookup(row, mapper, result.missing());
            return;
        }
        emit(row, mapper, result);
    }

    /** {@code on-missing: dlq}: the row leaves the target (if it was there) and goes to the DLQ with the lookup named. */
    private void missingLookup(Record<GenericRecord, GenericRecord> record, RowMapper mapper, dev.shiftlog.schemas.spec.LookupDef lookup) {
        emit(record.withValue(null), mapper, NOTHING_JOINED);
        reject(record, mapper, new RowMapper.RowRejectedException("lookup " + lookup.name(), "row " + table.source() + ":"
                + mapper.legacyKeyText(record.key()) + " looks up " + lookup.table() + " by " + String.join(", ", lookup.on())
                + " and finds no row (on-missing: dlq)"));
    }

    /** Maps one legacy version (with the rows its lookups found) and sends it on: to the output, or to wait for its parents. */
    private static final LookupJoin.Result NOTHING_JOINED = new LookupJoin.Result(Map.of(), Map.of(), null);

    private void emit(Record<GenericRecord, GenericRecord> record, RowMapper mapper, LookupJoin.Result joined) {
        GenericRecord newValue;
        try {
            // A row that does not meet 'where' has no target row: a tombstone retracts one an earlier version made.
            boolean kept = record.value() != null && mapper.accepts(record.key(), record.value());
            // the value first: for assigned strategies it is what hands out the id the key then finds
            newValue = kept ? mapper.value(record.key(), record.value(), joined.found(), joined.aggregates()) : null;
        } catch (RowMapper.RowRejectedException e) {
            reject(record, mapper, e);
            return;
        }
        GenericRecord newKey = mapper.key(record.key());
        if (newKey == null && !table.isLinkTable()) {
            return;
        }
        if (routeChild == null) {
            context.forward(record.withKey(newKey).withValue(newValue), outputChild);
        } else {
            route(record, mapper, newKey, newValue, joined.found());
        }
    }

    private void reject(Record<GenericRecord, GenericRecord> record, RowMapper mapper, RowMapper.RowRejectedException e) {
        if (table.onError() == OnError.STOP) {
            throw new StreamsException("table '" + table.target() + "' has on-error: stop and " + e.getMessage()
                    + " (rule " + e.rule() + "); fix the data or the spec, or set on-error: dlq");
        }
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        RejectedRow rejected = new RejectedRow("transformer", table.target(), meta.topic(), meta.partition(), meta.offset(),
                mapper.rejectionKey(record.key()), e.rule(), e.getMessage(),
                record.value() == null ? null : GenericData.get().toString(record.value()), record.timestamp());
        context.forward(record.withKey(rejected.key()).withValue(rejected.value()), dlqChild);
    }

    /**
     * A mapping with {@code match-on}: the legacy row contributes to the target row its match value names; the
     * consolidation ({@link ConsolidationProcessor}) makes that row from every contribution. When the row leaves it
     * (deleted, no longer meets 'where', or its match value changed), its contribution is withdrawn.
     */
    private void consolidate(Record<GenericRecord, GenericRecord> record, RowMapper mapper) {
        String legacyKey = mapper.legacyKeyText(record.key());
        String previous = matches.get(legacyKey);
        boolean kept = record.value() != null && mapper.accepts(record.key(), record.value());
        String match = kept ? mapper.matchText(record.key(), record.value()) : null;
        GenericRecord row = kept ? mapper.value(record.key(), record.value()) : null;
        if (previous != null && !previous.equals(match)) {
            context.forward(record.withKey(ConsolidatedRow.contributionKey(previous, mappingIndex, legacyKey)).withValue(null), outputChild);
        }
        if (match == null) {
            matches.delete(legacyKey);
            return;
        }
        matches.put(legacyKey, match);
        context.forward(record.withKey(ConsolidatedRow.contributionKey(match, mappingIndex, legacyKey)).withValue(row), outputChild);
    }

    /**
     * A row of a table with references lands only after every row it references: this version is parked in
     * {@code parked-<table>} and a {@link ParentRequest} per unresolved reference goes to the child table's gate (keyed
     * by the parent row), whose answers come back to this task ({@link ParkedRowReleaser}). Rows whose references are
     * all NULL, deletes, and versions under parents known to have landed (an earlier version's answer, or
     * {@code landed-everywhere}) go out at once; a delete or a move
     * withdraws the request at the previous parent. Only this task writes the child's target row, so its versions
     * reach the output topic in order.
     */
    private void route(Record<GenericRecord, GenericRecord> record, RowMapper mapper, GenericRecord newKey, GenericRecord newValue,
                       Map<String, GenericRecord> found) {
        String child = mapper.legacyKeyText(record.key());
        long version = currentVersion;
        ChildReferences previous = ChildReferences.decode(references.get(child));
        if (previous != null && previous.slots().size() != referenceColumns.size()) {
            previous = null; // written under a spec with other references: ask again
        }
        List<String> parents = newValue == null ? null : mapper.referencedKeys(record.key(), record.value(), found);
        String nullMarked = child + ParkedKeys.LANDED_WITH_NULL;
        // only a version with a parent id still unknown can have a parked row: the common update under landed
        // parents costs no store read and writes no tombstones to the changelog
        if (previous != null && previous.anyUnresolved()) {
            parked.delete(child);
            parked.delete(nullMarked);
        }
        if (previous != null) {
            for (int i = 0; i < referenceColumns.size(); i++) {
                ChildReferences.Slot was = previous.slot(i);
                if (was.parentKey() != null && (parents == null || !was.references(parents.get(i)))) {
                    request(i, was.parentKey(), ParentRequest.Kind.UNSUBSCRIBE, child, currentPartition, version, record);
                }
            }
        }
        // a link-table row is keyed by the ids of the rows it links: its landed version's key, from the slots
        GenericRecord landedKey = table.isLinkTable() && previous != null ? linkKey(mapper, previous) : newKey;
        if (newValue == null) {
            references.delete(child);
            if (landedKey != null) {
                context.forward(record.withKey(landedKey).withValue(null), outputChild);
            }
            return;
        }
        if (table.isLinkTable()) {
            for (int i = 0; i < referenceColumns.size(); i++) {
                if (parents.get(i) == null && table.linkKey().contains(referenceColumns.get(i).target())) {
                    references.delete(child);
                    if (landedKey != null) {
                        context.forward(record.withKey(landedKey).withValue(null), outputChild);
                    }
                    reject(record, mapper, new RowMapper.RowRejectedException("link key " + table.target(), "row " + table.source() + ":"
                            + child + " → " + table.target() + "." + referenceColumns.get(i).target() + " is part of the link table's key"
                            + " but " + (referenceColumns.get(i).reference().byMatch() ? "its 'match' is NULL"
                            : "legacy column " + referenceColumns.get(i).from() + " is NULL")));
                    return;
                }
            }
        }
        List<ChildReferences.Slot> slots = new ArrayList<>(referenceColumns.size());
        for (int i = 0; i < referenceColumns.size(); i++) {
            String parent = parents.get(i);
            ChildReferences.Slot was = previous == null ? null : previous.slot(i);
            if (parent == null) {
                slots.add(ChildReferences.Slot.NONE);
            } else if (was != null && was.references(parent) && (was.parentId() != null || was.landedNull())) {
                slots.add(was);
            } else {
                // a parent known to have landed needs no request: its gate would answer "landed" with this very id
                // (a landing is never forgotten there either, and a legacy key's id never changes)
                String known = landedEverywhere.get(ParkingGate.landedKey(referenceColumns.get(i).ref(), parent));
                slots.add(new ChildReferences.Slot(parent, known, false));
            }
        }
        ChildReferences next = new ChildReferences(version, slots);
        if (table.isLinkTable() || next.anyUnresolved()) {
            references.put(child, next.encode());
        } else if (previous != null) {
            // every parent is known to have landed: nothing is asked, so nothing to withdraw or to match an answer
            // against, and the next version finds its parents as this one did; most rows of a load take this path
            references.delete(child);
        }
        if (table.isLinkTable()) {
            newKey = linkKey(mapper, next);
            if (landedKey != null && !landedKey.equals(newKey)) {
                // it links other rows now: the target row under the old pair goes, the new one lands when it can
                context.forward(record.withKey(landedKey).withValue(null), outputChild);
            }
        }
        for (int i = 0; i < slots.size(); i++) {
            ChildReferences.Slot slot = slots.get(i);
            if (slot.unresolved()) {
                request(i, slot.parentKey(), slot.landedNull() ? ParentRequest.Kind.SUBSCRIBE_LANDED_NULL : ParentRequest.Kind.SUBSCRIBE,
                        child, currentPartition, version, record);
            }
        }
        if (next.anyWaiting()) {
            parked.put(child, newValue);
            return;
        }
        if (next.anyLandedNull()) {
            // an earlier version already landed without a parent: so does this one, and it waits to be patched
            parked.put(nullMarked, newValue);
        }
        context.forward(record.withKey(newKey).withValue(ParkedRowReleaser.withParents(newValue, referenceColumns, next)), outputChild);
    }

    /** A link-table row's key from the parent ids its slots hold; null while one is unknown. */
    private GenericRecord linkKey(RowMapper mapper, ChildReferences state) {
        GenericRecord key = new GenericData.Record(mapper.keySchema());
        for (Schema.Field f : mapper.keySchema().getFields()) {
            int index = -1;
            for (int i = 0; i < referenceColumns.size(); i++) {
                if (referenceColumns.get(i).target().equals(f.name())) {
                    index = i;
                }
            }
            String id = index < 0 || index >= state.slots().size() ? null : state.slot(index).parentId();
            if (id == null) {
                return null;
            }
            key.put(f.pos(), ParkedRowReleaser.typed(f.schema(), id));
        }
        return key;
    }

    private void request(int reference, String parentKey, ParentRequest.Kind kind, String child, int partition, long version,
                         Record<GenericRecord, GenericRecord> cause) {
        ColumnDef column = referenceColumns.get(reference);
        ParentRequest request = new ParentRequest(kind, column.target(), child, partition, version);
        context.forward(new Record<>(LandedRow.key(column.ref(), parentKey), request.toAvro(), cause.timestamp()), routeChild);
    }
}
