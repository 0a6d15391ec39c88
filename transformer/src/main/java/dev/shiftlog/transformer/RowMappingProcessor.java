package dev.shiftlog.transformer;

import dev.shiftlog.schemas.rows.IdRegistry;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.OnError;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
    /** One compiled mapper per (key schema, value schema) pair seen, so a schema change recompiles once. */
    private final Map<Schema, Map<Schema, RowMapper>> mappers = new HashMap<>();
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private IdRegistry ids;

    private KeyValueStore<String, String> references;

    /** @param routeChild where rows of a table with a reference go to wait for their parent; null without one */
    RowMappingProcessor(String migration, TableMappingDef table, List<TableMappingDef> siblings, String outputChild, String dlqChild,
                        String routeChild) {
        this.siblings = siblings;
        this.migration = migration;
        this.table = table;
        this.outputChild = outputChild;
        this.dlqChild = dlqChild;
        this.routeChild = routeChild;
    }

    /** Child legacy key → legacy key of the row it referenced last ("" for none): deletes and re-parenting need it. */
    static String referencesStoreName(TableMappingDef table) {
        return "refs-" + table.target();
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        if (table.id().isAssigned()) {
            ids = new StoreIdRegistry(context.getStateStore(idStoreName(table)), table.id());
        }
        if (routeChild != null) {
            references = context.getStateStore(referencesStoreName(table));
        }
    }

    /** The store that remembers a table's assigned ids; part of the topology contract (renaming it loses ids). */
    static String idStoreName(TableMappingDef table) {
        return "ids-" + table.target() + TransformerStage.nameSuffix(table);
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        if (record.key() == null) {
            return;
        }
        Schema keySchema = record.key().getSchema();
        Schema valueSchema = record.value() == null ? null : record.value().getSchema();
        RowMapper mapper = mappers.computeIfAbsent(keySchema, k -> new HashMap<>())
                .computeIfAbsent(valueSchema, v -> new RowMapper(migration, table, keySchema, v, ids, siblings));
        GenericRecord newValue;
        try {
            // A row that does not meet 'where' has no target row: a tombstone retracts one an earlier version made.
            boolean kept = record.value() != null && mapper.accepts(record.key(), record.value());
            // the value first: for assigned strategies it is what hands out the id the key then finds
            newValue = kept ? mapper.value(record.key(), record.value()) : null;
        } catch (RowMapper.RowRejectedException e) {
            if (table.onError() == OnError.STOP) {
                throw new StreamsException("table '" + table.target() + "' has on-error: stop and " + e.getMessage()
                        + " (rule " + e.rule() + "); fix the data or the spec, or set on-error: dlq");
            }
            RecordMetadata meta = context.recordMetadata().orElseThrow();
            RejectedRow rejected = new RejectedRow("transformer", table.target(), meta.topic(), meta.partition(), meta.offset(),
                    mapper.legacyKeyText(record.key()), e.rule(), e.getMessage(), GenericData.get().toString(record.value()),
                    record.timestamp());
            context.forward(record.withKey(rejected.key()).withValue(rejected.value()), dlqChild);
            return;
        }
        GenericRecord newKey = mapper.key(record.key());
        if (newKey == null) {
            return;
        }
        if (routeChild == null) {
            context.forward(record.withKey(newKey).withValue(newValue), outputChild);
        } else {
            route(record, mapper, newKey, newValue);
        }
    }

    /**
     * Sends a row of a table with a reference towards the gate of the row it references (by that row's key), so
     * it lands only after its parent. Rows without a parent go straight out; a delete, or a move to another parent,
     * first takes the row out of the gate where it may still wait.
     */
    private void route(Record<GenericRecord, GenericRecord> record, RowMapper mapper, GenericRecord newKey, GenericRecord newValue) {
        String childLegacyKey = mapper.legacyKeyText(record.key());
        String parentTable = table.reference().ref();
        String previous = references.get(childLegacyKey);
        String parent = newValue == null ? null : mapper.referencedKey(record.value());
        if (previous != null && !previous.isEmpty() && !previous.equals(parent)) {
            String marker = newValue == null ? "delete" : "unpark";
            context.forward(new Record<>(LandedRow.key(parentTable, previous), newKey, record.timestamp(),
                    new RecordHeaders().add(ParkingGate.MARKER_HEADER, marker.getBytes(StandardCharsets.UTF_8))), routeChild);
            if (newValue == null) {
                references.delete(childLegacyKey);
                return;
            }
        }
        if (newValue == null) {
            references.delete(childLegacyKey);
            context.forward(record.withKey(newKey).withValue(null), outputChild);
        } else if (parent == null) {
            references.put(childLegacyKey, "");
            context.forward(record.withKey(newKey).withValue(newValue), outputChild);
        } else {
            references.put(childLegacyKey, parent);
            context.forward(new Record<>(LandedRow.key(parentTable, parent), newValue, record.timestamp(), new RecordHeaders()), routeChild);
        }
    }
}
