package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.ParkedKeys;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Lands a parked row once the gate has answered for every parent it references, in the child's own task: it shares
 * the {@code refs-} and {@code parked-} stores with the table's {@link RowMappingProcessor}, so one task writes all
 * versions of a target row in order. An answer for a version that is no longer current (the child changed, moved
 * or was deleted meanwhile) is dropped. A "not landed" answer sends the row to the DLQ, or, for a reference with
 * {@code land-null-then-patch}, lets it land with that column NULL (once no other parent is still awaited) and keeps
 * it parked under a marked key, so the gate's later "landed" answer patches the column in.
 */
final class ParkedRowReleaser implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ParkedRowReleaser.class);

    private final String migration;
    private final TableMappingDef table;
    private final List<ColumnDef> references;
    private final String outputChild;
    /** Output key schema per row shape: building one per row cost more than the rest of landing it. */
    private final java.util.Map<Schema, Schema> keySchemas = new java.util.HashMap<>();
    private final String dlqChild;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, String> refs;
    private KeyValueStore<String, GenericRecord> parked;

    ParkedRowReleaser(String migration, TableMappingDef table, String outputChild, String dlqChild) {
        this.migration = migration;
        this.table = table;
        this.references = table.references();
        this.outputChild = outputChild;
        this.dlqChild = dlqChild;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.refs = context.getStateStore(TransformerLayout.references(table));
        this.parked = context.getStateStore(TransformerLayout.parked(table));
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        if (record.value() == null) {
            return;
        }
        ParentAnswer answer = ParentAnswer.fromAvro(record.value());
        String child = answer.childKey();
        int index = indexOf(answer.column());
        ChildReferences current = ChildReferences.decode(refs.get(child));
        if (index < 0 || current == null || current.version() != answer.version() || current.slots().size() != references.size()) {
            return;
        }
        ChildReferences.Slot slot = current.slot(index);
        if (!slot.references(answer.parentKey()) || slot.parentId() != null) {
            return;
        }
        String nullMarked = child + ParkedKeys.LANDED_WITH_NULL;
        if (answer.landed()) {
            ChildReferences next = current.with(index, new ChildReferences.Slot(slot.parentKey(), answer.parentId(), false));
            refs.put(child, next.encode());
            if (next.anyWaiting()) {
                return; // still waiting for another parent
            }
            GenericRecord row = parked.get(child);
            if (row == null) {
                row = parked.get(nullMarked);
            }
            if (row == null) {
                return;
            }
            land(child, row, next, record.timestamp());
            return;
        }
        if (slot.landedNull()) {
            return;
        }
        GenericRecord row = parked.get(child);
        if (row == null) {
            return;
        }
        ColumnDef reference = references.get(index);
        if (reference.reference().landNullThenPatch()) {
            // Members of a cycle land first without each other, then patch each other in as their landings arrive.
            LOG.warn("{}:{} lands with {} NULL: parent {}:{} has not landed (a cycle or an orphan); patched if it does",
                    table.target(), row.get(table.legacyKey()), reference.target(), reference.ref(), answer.parentKey());
            ChildReferences next = current.with(index, new ChildReferences.Slot(slot.parentKey(), null, true));
            refs.put(child, next.encode());
            if (!next.anyWaiting()) {
                land(child, row, next, record.timestamp());
            }
            return;
        }
        parked.delete(child);
        // later answers for this version find no parked row and are dropped
        long now = context.currentSystemTimeMs();
        RejectedRow rejected = new RejectedRow("transformer", table.target(), new TopicNames(migration).references(table.target()), -1, -1,
                String.valueOf(row.get(table.legacyKey())), "parent " + reference.ref(),
                "parent " + reference.ref() + ":" + answer.parentKey() + " never landed (column " + reference.target() + "; waited "
                        + answer.waitedMs() / 1000 + " s, the last " + reference.reference().parkTimeout().toSeconds() + " s without any "
                        + reference.ref() + " landing): it is missing (an orphan) or waits itself (a cycle)",
                GenericData.get().toString(row), now, answer.parentKey(), reference.target());
        context.forward(new Record<>(rejected.key(), rejected.value(), now), dlqChild);
    }

    /** Writes the row with every parent id known so far; it stays parked (marked) while a NULL-landed column awaits its patch. */
    private void land(String child, GenericRecord row, ChildReferences state, long timestamp) {
        String nullMarked = child + ParkedKeys.LANDED_WITH_NULL;
        parked.delete(child);
        if (state.anyLandedNull()) {
            parked.put(nullMarked, row);
        } else if (parked.get(nullMarked) != null) { // a delete is a changelog record even when nothing is there
            parked.delete(nullMarked);
        }
        GenericRecord withParents = withParents(row, references, state);
        Schema keySchema = keySchemas.computeIfAbsent(withParents.getSchema(), s -> RowMapper.keySchemaOf(table, s, migration));
        context.forward(new Record<>(RowMapper.keyOf(keySchema, withParents), withParents, timestamp), outputChild);
    }

    private int indexOf(String column) {
        for (int i = 0; i < references.size(); i++) {
            if (references.get(i).target().equals(column)) {
                return i;
            }
        }
        return -1;
    }

    /** A copy of the row with each reference column whose parent id is known set to it, typed as the column is. */
    static GenericRecord withParents(GenericRecord row, List<ColumnDef> references, ChildReferences state) {
        // a shallow copy: the field values are never changed in place, only replaced, so they can be shared
        GenericRecord copy = new GenericData.Record(row.getSchema());
        for (Schema.Field f : row.getSchema().getFields()) {
            copy.put(f.pos(), row.get(f.pos()));
        }
        for (int i = 0; i < references.size(); i++) {
            String parentId = state.slot(i).parentId();
            if (parentId == null) {
                continue;
            }
            String column = references.get(i).target();
            copy.put(column, typed(copy.getSchema().getField(column).schema(), parentId));
        }
        return copy;
    }

    /** A parent id as the column holding it is typed (ids travel as text on {@code <m>.landed}). */
    static Object typed(Schema column, String parentId) {
        Schema type = AvroValues.nonNull(column);
        return switch (type.getType()) {
            case INT -> Integer.parseInt(parentId);
            case LONG -> Long.parseLong(parentId);
            default -> parentId;
        };
    }
}
