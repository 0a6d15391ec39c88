package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.ParkedKeys;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Lands a parked row when its parent's {@link ParkingGate} answers, in the child's own task: it shares the
 * {@code refs-} and {@code parked-} stores with the table's {@link RowMappingProcessor}, so one task writes all
 * versions of a target row in order. An answer for a version that is no longer current (the child changed, moved
 * or was deleted meanwhile) is dropped. A "not landed" answer sends the row to the DLQ, or with
 * {@code land-null-then-patch} lands it with the reference NULL and keeps it parked under a marked key, so the
 * gate's later "landed" answer patches the reference in.
 */
final class ParkedRowReleaser implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ParkedRowReleaser.class);

    private final String migration;
    private final TableMappingDef table;
    private final String outputChild;
    private final String dlqChild;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, String> references;
    private KeyValueStore<String, GenericRecord> parked;

    ParkedRowReleaser(String migration, TableMappingDef table, String outputChild, String dlqChild) {
        this.migration = migration;
        this.table = table;
        this.outputChild = outputChild;
        this.dlqChild = dlqChild;
    }

    /** Child legacy key (+ {@link ParkedKeys#LANDED_WITH_NULL} once landed without its parent) → the row waiting. */
    static String parkedStoreName(TableMappingDef table) {
        return "parked-" + table.target();
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.references = context.getStateStore(RowMappingProcessor.referencesStoreName(table));
        this.parked = context.getStateStore(parkedStoreName(table));
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        if (record.value() == null) {
            return;
        }
        ParentAnswer answer = ParentAnswer.fromAvro(record.value());
        String child = answer.childKey();
        ChildReference current = ChildReference.decode(references.get(child));
        if (current == null || !current.references(answer.parentKey()) || current.version() != answer.version()) {
            return;
        }
        String nullMarked = child + ParkedKeys.LANDED_WITH_NULL;
        if (answer.landed()) {
            GenericRecord row = parked.get(child);
            if (row == null) {
                row = parked.get(nullMarked);
            }
            if (row == null) {
                return;
            }
            parked.delete(child);
            parked.delete(nullMarked);
            references.put(child, current.landed(answer.parentId()).encode());
            GenericRecord withParent = withParent(row, table.reference(), answer.parentId());
            context.forward(new Record<>(RowMapper.keyOf(table, withParent, migration), withParent, record.timestamp()), outputChild);
            return;
        }
        GenericRecord row = parked.get(child);
        if (row == null) {
            return;
        }
        parked.delete(child);
        ColumnDef reference = table.reference();
        if (table.landNullThenPatch()) {
            // Members of a cycle land first without each other, then patch each other in as their landings arrive.
            LOG.warn("{}:{} lands with {} NULL: parent {}:{} has not landed (a cycle or an orphan); patched if it does",
                    table.target(), row.get(table.legacyKey()), reference.target(), reference.ref(), answer.parentKey());
            parked.put(nullMarked, row);
            context.forward(new Record<>(RowMapper.keyOf(table, row, migration), row, record.timestamp()), outputChild);
            return;
        }
        long now = context.currentSystemTimeMs();
        RejectedRow rejected = new RejectedRow("transformer", table.target(), new TopicNames(migration).references(table.target()), -1, -1,
                String.valueOf(row.get(table.legacyKey())), "parent " + reference.ref(),
                "parent " + reference.ref() + ":" + answer.parentKey() + " never landed (waited " + answer.waitedMs() / 1000
                        + " s, the last " + table.parkTimeout().toSeconds() + " s without any " + reference.ref()
                        + " landing): it is missing (an orphan) or waits itself (a cycle)", GenericData.get().toString(row), now,
                answer.parentKey());
        context.forward(new Record<>(rejected.key(), rejected.value(), now), dlqChild);
    }

    /** A copy of the row with the reference column set to the parent's new id, typed as the column is. */
    static GenericRecord withParent(GenericRecord row, ColumnDef reference, String parentId) {
        GenericRecord copy = new GenericData.Record((GenericData.Record) row, true);
        Schema fkType = AvroValues.nonNull(copy.getSchema().getField(reference.target()).schema());
        copy.put(reference.target(), switch (fkType.getType()) {
            case INT -> Integer.parseInt(parentId);
            case LONG -> Long.parseLong(parentId);
            default -> parentId;
        });
        return copy;
    }
}
