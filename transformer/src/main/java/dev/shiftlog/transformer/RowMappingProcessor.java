package dev.shiftlog.transformer;

import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Applies one table mapping to each legacy change: a row becomes its target row under the new key, a tombstone
 * becomes a tombstone of the new key. Stateless, because both id strategies here derive the new id from the
 * legacy key alone.
 */
final class RowMappingProcessor implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private final String migration;
    private final TableMappingDef table;
    /** One compiled mapper per (key schema, value schema) pair seen, so a schema change recompiles once. */
    private final Map<Schema, Map<Schema, RowMapper>> mappers = new HashMap<>();
    private ProcessorContext<GenericRecord, GenericRecord> context;

    RowMappingProcessor(String migration, TableMappingDef table) {
        this.migration = migration;
        this.table = table;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        if (record.key() == null) {
            return;
        }
        Schema keySchema = record.key().getSchema();
        Schema valueSchema = record.value() == null ? null : record.value().getSchema();
        RowMapper mapper = mappers.computeIfAbsent(keySchema, k -> new HashMap<>())
                .computeIfAbsent(valueSchema, v -> new RowMapper(migration, table, keySchema, v));
        GenericRecord newKey = mapper.key(record.key());
        GenericRecord newValue = record.value() == null ? null : mapper.value(record.key(), record.value());
        context.forward(record.withKey(newKey).withValue(newValue));
    }
}
