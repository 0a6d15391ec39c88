package dev.shiftlog.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** How a run of changes collapses into one batch, and how held changes keep a partition's offset. */
class TableBatchTest {
    private static final Schema KEY = SchemaBuilder.record("k").fields().requiredString("id").endRecord();
    private static final Schema ROW = SchemaBuilder.record("r").fields().requiredString("id").optionalString("name").endRecord();
    private static final Schema OTHER_SHAPE = SchemaBuilder.record("r2").fields().requiredString("id").optionalString("tz").endRecord();
    private long offset;

    private static GenericRecord key(String id) {
        GenericRecord k = new GenericData.Record(KEY);
        k.put("id", id);
        return k;
    }

    private static GenericRecord row(Schema schema, String id, String value) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put(schema.getFields().get(1).name(), value);
        return r;
    }

    private void add(TableBatch batch, String id, GenericRecord value) {
        batch.add(key(id), value, "m.out.t", 0, offset++, 0L);
    }

    @Test
    void theLatestRowOfAKeyWinsAndADeleteWinsOverEveryEarlierRow() {
        TableBatch batch = new TableBatch("t");
        add(batch, "a", row(ROW, "a", "v1"));
        add(batch, "a", row(ROW, "a", "v2"));
        add(batch, "b", row(ROW, "b", "v1"));
        add(batch, "b", null);
        assertThat(batch.upserts()).extracting(r -> r.get("name").toString()).containsExactly("v2");
        assertThat(batch.deletesAfterRows()).extracting(c -> c.key().get("id")).containsExactly("b");
    }

    @Test
    void aRowAfterADeleteOfTheSameKeyDropsTheDelete() {
        TableBatch batch = new TableBatch("t");
        add(batch, "a", null);
        add(batch, "a", row(ROW, "a", "back"));
        assertThat(batch.deleteCount()).isZero();
        assertThat(batch.upsertCount()).isEqualTo(1);
        assertThat(batch.touches(List.of("a"))).isTrue();
    }

    @Test
    void theLatestRowOfAKeyWinsWhateverItsShape() {
        TableBatch batch = new TableBatch("t");
        add(batch, "a", row(ROW, "a", "name"));
        add(batch, "a", row(OTHER_SHAPE, "a", "UTC"));
        assertThat(batch.upsertCount()).isEqualTo(1);
        assertThat(batch.upserts().get(0).getSchema()).isEqualTo(OTHER_SHAPE);
    }

    @Test
    void heldChangesKeepTheirPartitionAtTheOldestAndALaterChangeOfTheKeyReplacesThem() {
        TableBatch first = new TableBatch("t");
        add(first, "a", null);
        add(first, "b", row(ROW, "b", "old version"));
        HeldChanges held = new HeldChanges();
        first.deletesAfterRows().forEach(c -> held.hold(c, 0));
        first.rowChanges().forEach(c -> held.hold(c, 0));
        TopicPartition tp = new TopicPartition("m.out.t", 0);
        assertThat(held.oldestOffset(tp)).hasValue(0);
        assertThat(held.size()).isEqualTo(2);

        TableBatch later = new TableBatch("t");
        add(later, "a", row(ROW, "a", "re-inserted"));
        held.supersede(Map.of("t", later));
        assertThat(held.due(Long.MAX_VALUE)).extracting(c -> c.key().get("id")).containsExactly("b");
        assertThat(held.oldestOffset(tp)).hasValue(1);

        held.forget(List.of(tp));
        assertThat(held.isEmpty()).isTrue();
    }

    @Test
    void aHeldChangeIsTriedAgainAfterAPauseThatDoublesUpToFiveSeconds() {
        TableBatch batch = new TableBatch("t");
        add(batch, "a", null);
        HeldChanges held = new HeldChanges();
        batch.deletesAfterRows().forEach(c -> held.hold(c, 1_000));
        assertThat(held.due(1_249)).as("refused at 1,000 ms: not before 1,250").isEmpty();
        long now = 1_250;
        List<Long> pauses = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            List<TableBatch.Change> due = held.due(now);
            assertThat(due).as("due at " + now).hasSize(1);
            held.refusedAgain(due, now);
            long next = now;
            while (held.due(next).isEmpty()) {
                next += 50;
            }
            pauses.add(next - now);
            now = next;
        }
        assertThat(pauses).containsExactly(500L, 1_000L, 2_000L, 4_000L, 5_000L, 5_000L, 5_000L);
        assertThat(held.size()).as("still held, only paused").isEqualTo(1);
    }
}
