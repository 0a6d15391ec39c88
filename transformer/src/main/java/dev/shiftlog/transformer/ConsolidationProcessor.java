package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import dev.shiftlog.schemas.rows.ConsolidatedRow;
import dev.shiftlog.schemas.rows.MappingSchema;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Makes each row of a consolidated target ({@code match-on}) from every legacy row that contributes to it, in the one
 * task that owns its match value: the contributions are kept in {@code consolidated-<target>} and the whole row is
 * written after each change ({@link ConsolidatedRow}), or a delete once no contribution is left. Whole rows, rather
 * than each mapping's columns, keep the compacted output topic able to rebuild the target, and one owner per match
 * value gives an assigned id (cuid2, uuid7) once.
 */
final class ConsolidationProcessor implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private static final char SEPARATOR = '\u0000';

    private final String migration;
    private final TableMappingDef first;
    private final ConsolidatedRow rows;
    private final Serializer<GenericRecord> serializer;
    private final Deserializer<GenericRecord> deserializer;
    private final String storeTopic;
    private final String outputChild;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, byte[]> contributions;
    private StoreIdRegistry ids;
    private Schema keySchema;

    /** @param mappings the target's mappings in spec order; {@code storeTopic} names the serialized rows' subject */
    ConsolidationProcessor(String migration, List<TableMappingDef> mappings, Serializer<GenericRecord> serializer,
                           Deserializer<GenericRecord> deserializer, String storeTopic, String outputChild) {
        this.migration = migration;
        this.first = mappings.get(0);
        this.rows = new ConsolidatedRow(mappings);
        this.serializer = serializer;
        this.deserializer = deserializer;
        this.storeTopic = storeTopic;
        this.outputChild = outputChild;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.contributions = context.getStateStore(TransformerLayout.consolidated(first.target()));
        if (first.id().isAssigned()) {
            ids = new StoreIdRegistry(context.getStateStore(TransformerLayout.consolidatedIds(first.target())), first.id());
        }
        keySchema = MappingSchema.consolidatedKeySchema(migration, first);
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        String match = record.key().get("match").toString();
        String legacyKey = record.key().get("legacy_key").toString();
        int mapping = (Integer) record.key().get("mapping");
        String prefix = match + SEPARATOR;
        String entry = prefix + ConsolidatedRow.order(mapping, legacyKey);
        if (record.value() == null) {
            contributions.delete(entry);
        } else {
            contributions.put(entry, serializer.serialize(storeTopic, record.value()));
        }
        List<GenericRecord> all = new ArrayList<>(); // in precedence order: the store's keys sort so
        try (KeyValueIterator<String, byte[]> it = contributions.prefixScan(prefix, new StringSerializer())) {
            while (it.hasNext()) {
                all.add(deserializer.deserialize(storeTopic, it.next().value));
            }
        }
        Object id = !first.id().isAssigned() ? RowMapper.computedIdForMatch(migration, first, match)
                : all.isEmpty() ? ids.existing(match) : ids.assign(match);
        if (id == null) {
            return; // withdrawn before a row was ever made
        }
        GenericRecord key = new GenericData.Record(keySchema);
        key.put(0, id);
        context.forward(record.withKey(key).withValue(all.isEmpty() ? null : rows.merge(id, match, all)), outputChild);
    }
}
