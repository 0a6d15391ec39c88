package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.rows.ParkedKeys;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Holds back rows that reference a row which has not landed yet, so the target never sees a dangling foreign key.
 *
 * <p>Its input is partitioned by the referenced row ({@code table}, {@code legacy_key}), like {@code <m>.landed}, so a
 * waiting row and the landing it waits for meet in the same task. A row whose parent has landed gets the parent's
 * new id and goes on at once; otherwise it is parked in {@code parked-<table>} and released when the landing
 * arrives (trees therefore land top-down). A row goes to the DLQ only when it has waited {@code park-timeout} AND no
 * row of the referenced table has landed in this task for that long: while an initial load is still landing parents,
 * a slow parent is not mistaken for a missing one. What expires is missing (an orphan) or waits itself (a cycle).
 */
final class ParkingGate implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ParkingGate.class);
    /** Header that marks a routing message that carries a child's key instead of a row: {@code delete} or {@code unpark}. */
    static final String MARKER_HEADER = "shiftlog.marker";
    static final String LANDED_STORE = "landed-ids";

    private final String migration;
    private final TableMappingDef table;
    private final ColumnDef reference;
    private final String outputChild;
    private final String dlqChild;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, String> landed;
    private TimestampedKeyValueStore<String, GenericRecord> parked;
    /** Wall-clock time of the last landing of a referenced row seen here; kept in memory, a restart only delays expiry. */
    private long lastLanding;

    ParkingGate(String migration, TableMappingDef table, String outputChild, String dlqChild) {
        this.migration = migration;
        this.table = table;
        this.reference = table.reference();
        this.outputChild = outputChild;
        this.dlqChild = dlqChild;
    }

    static String parkedStoreName(TableMappingDef table) {
        return "parked-" + table.target();
    }

    /** Key of the landed-ids store. */
    static String landedKey(String table, String legacyKey) {
        return table + '\u0000' + legacyKey;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.landed = context.getStateStore(LANDED_STORE);
        this.parked = context.getStateStore(parkedStoreName(table));
        this.lastLanding = context.currentSystemTimeMs();
        long every = Math.max(200, Math.min(10_000, table.parkTimeout().toMillis() / 5));
        context.schedule(Duration.ofMillis(every), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        GenericRecord value = record.value();
        if (value == null) {
            return;
        }
        String parentKey = record.key().get("legacy_key").toString();
        if (value.getSchema().getFullName().equals(LandedRow.VALUE_SCHEMA.getFullName())) {
            if (reference.ref().equals(record.key().get("table").toString())) {
                lastLanding = context.currentSystemTimeMs();
                release(parentKey, value.get("id").toString(), record);
            }
            return;
        }
        Header marker = record.headers().lastHeader(MARKER_HEADER);
        if (marker != null) {
            String childKey = value.get(0).toString();
            parked.delete(parkedKey(parentKey, childKey));
            parked.delete(parkedKey(parentKey, childKey) + ParkedKeys.LANDED_WITH_NULL);
            if ("delete".equals(new String(marker.value(), StandardCharsets.UTF_8))) {
                context.forward(new Record<>(value, (GenericRecord) null, record.timestamp()), outputChild);
            }
            return;
        }
        String id = landed.get(landedKey(reference.ref(), parentKey));
        if (id != null) {
            forwardWithParent(value, id, record.timestamp());
        } else {
            parked.put(parkedKey(parentKey, value.get(table.rowKeyColumn()).toString()),
                    ValueAndTimestamp.make(value, context.currentSystemTimeMs()));
        }
    }

    private void release(String parentKey, String id, Record<GenericRecord, GenericRecord> landing) {
        List<KeyValue<String, ValueAndTimestamp<GenericRecord>>> waiting = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<GenericRecord>> it = parked.prefixScan(parentKey + '\u0000', new StringSerializer())) {
            it.forEachRemaining(waiting::add);
        }
        for (KeyValue<String, ValueAndTimestamp<GenericRecord>> entry : waiting) {
            parked.delete(entry.key);
            forwardWithParent(entry.value.value(), id, landing.timestamp());
        }
    }

    private void forwardWithParent(GenericRecord row, String parentId, long timestamp) {
        GenericRecord copy = new GenericData.Record((GenericData.Record) row, true);
        org.apache.avro.Schema fkType = AvroValues.nonNull(copy.getSchema().getField(reference.target()).schema());
        copy.put(reference.target(), switch (fkType.getType()) {
            case INT -> Integer.parseInt(parentId);
            case LONG -> Long.parseLong(parentId);
            default -> parentId;
        });
        context.forward(new Record<>(RowMapper.keyOf(table, copy, migration), copy, timestamp), outputChild);
    }

    /** Sends rows that waited longer than the table's park-timeout, while no parent landed, to the DLQ. */
    private void expire(long now) {
        long deadline = now - table.parkTimeout().toMillis();
        if (lastLanding > deadline) {
            return;
        }
        List<KeyValue<String, ValueAndTimestamp<GenericRecord>>> expired = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<GenericRecord>> it = parked.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value.timestamp() <= deadline && !ParkedKeys.landedWithNull(kv.key)) {
                    expired.add(kv);
                }
            });
        }
        String topic = new TopicNames(migration).references(table.target());
        for (KeyValue<String, ValueAndTimestamp<GenericRecord>> kv : expired) {
            GenericRecord row = kv.value.value();
            String parentKey = kv.key.substring(0, kv.key.indexOf('\u0000'));
            if (table.landNullThenPatch()) {
                // Land it now without its parent and keep it parked (never to expire again): if the parent lands
                // later, the release patches the reference in. Members of a cycle land first, then patch each other.
                LOG.warn("{}:{} lands with {} NULL: parent {}:{} has not landed (a cycle or an orphan); patched if it does",
                        table.target(), row.get(table.legacyKey()), reference.target(), reference.ref(), parentKey);
                // a changelog timestamp must be a real time (Kafka refuses one far in the future): the key says it instead
                parked.delete(kv.key);
                parked.put(kv.key + ParkedKeys.LANDED_WITH_NULL, ValueAndTimestamp.make(row, now));
                context.forward(new Record<>(RowMapper.keyOf(table, row, migration), row, now), outputChild);
                continue;
            }
            parked.delete(kv.key);
            RejectedRow rejected = new RejectedRow("transformer", table.target(), topic, -1, -1,
                    String.valueOf(row.get(table.legacyKey())), "parent " + reference.ref(),
                    "parent " + reference.ref() + ":" + parentKey + " never landed (waited " + (now - kv.value.timestamp()) / 1000
                            + " s, the last " + table.parkTimeout().toSeconds() + " s without any " + reference.ref()
                            + " landing): it is missing (an orphan) or waits itself (a cycle)", GenericData.get().toString(row), now);
            context.forward(new Record<>(rejected.key(), rejected.value(), now), dlqChild);
        }
    }

    private static String parkedKey(String parentKey, String childKey) {
        return parentKey + '\u0000' + childKey;
    }
}
