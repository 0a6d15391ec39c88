package dev.shiftlog.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.TopicNames;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * The producer's promise to Debezium: a change is marked processed (its offset may be flushed to the slot) only
 * after Kafka acknowledged it, in order; a change Kafka refuses is never marked, so a restart resumes there.
 */
class ChangeEventPublisherTest {
    private static final Schema KEY = SchemaBuilder.struct().name("k").field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().name("r").optional().field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct().name("source").optional()
            .field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA)
            .field("snapshot", Schema.OPTIONAL_STRING_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name("envelope").field("op", Schema.STRING_SCHEMA)
            .field("after", ROW).field("source", SOURCE).build();
    private static final Serializer<GenericRecord> IGNORED = (topic, data) -> new byte[0];

    private static RecordChangeEvent<SourceRecord> change(int id, String name) {
        Struct key = new Struct(KEY).put("id", id);
        Struct source = new Struct(SOURCE).put("schema", "public").put("table", "items").put("snapshot", "false")
                .put("lsn", 100L + id).put("ts_ms", 1L);
        Struct envelope = new Struct(ENVELOPE).put("op", "u").put("after", new Struct(ROW).put("id", id).put("name", name))
                .put("source", source);
        SourceRecord record = new SourceRecord(null, null, "dbz.public.items", null, KEY, key, ENVELOPE, envelope);
        return () -> record;
    }

    /** Records what the publisher marked processed. */
    private static final class Committer implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
        final List<RecordChangeEvent<SourceRecord>> processed = new CopyOnWriteArrayList<>();
        volatile boolean batchFinished;

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            processed.add(record);
        }

        @Override
        public void markBatchFinished() {
            batchFinished = true;
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets offsets) {
            processed.add(record);
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            return null;
        }
    }

    /** handleBatch blocks until Kafka answers, so it runs beside the test, which answers for the MockProducer. */
    private static CompletableFuture<Void> handleInBackground(MockProducer<GenericRecord, GenericRecord> producer,
                                                              List<RecordChangeEvent<SourceRecord>> batch, Committer committer) {
        ChangeEventPublisher publisher = new ChangeEventPublisher("dbz", new TopicNames("m"), producer, List.of("public.items"),
                SnapshotListener.NONE, null);
        return CompletableFuture.runAsync(() -> {
            try {
                publisher.handleBatch(batch, committer);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aChangeIsMarkedProcessedOnlyAfterKafkaAcknowledgedItInOrder() throws Exception {
        MockProducer<GenericRecord, GenericRecord> producer = new MockProducer<>(false, null, IGNORED, IGNORED);
        Committer committer = new Committer();
        List<RecordChangeEvent<SourceRecord>> batch = List.of(change(1, "a"), change(2, "b"), change(3, "c"));
        CompletableFuture<Void> handled = handleInBackground(producer, batch, committer);
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == 3);
        assertThat(producer.history()).extracting(r -> r.topic()).containsOnly("m.src.public.items");
        assertThat(committer.processed).as("nothing acknowledged yet").isEmpty();

        producer.completeNext();
        await().atMost(Duration.ofSeconds(10)).until(() -> committer.processed.size() == 1);
        assertThat(committer.processed).containsExactly(batch.get(0));

        producer.completeNext();
        producer.completeNext();
        handled.get();
        assertThat(committer.processed).containsExactlyElementsOf(batch);
        assertThat(committer.batchFinished).isTrue();
    }

    @Test
    void aChangeKafkaRefusesIsNeverMarkedAndStopsTheBatch() throws Exception {
        MockProducer<GenericRecord, GenericRecord> producer = new MockProducer<>(false, null, IGNORED, IGNORED);
        Committer committer = new Committer();
        List<RecordChangeEvent<SourceRecord>> batch = List.of(change(1, "a"), change(2, "b"), change(3, "c"));
        CompletableFuture<Void> handled = handleInBackground(producer, batch, committer);
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == 3);
        producer.completeNext();
        producer.errorNext(new org.apache.kafka.common.errors.RecordTooLargeException("too large"));
        producer.completeNext();

        assertThat(handled).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingRootCause().withMessageContaining("too large");
        assertThat(committer.processed).containsExactly(batch.get(0));
        assertThat(committer.batchFinished).isFalse();
    }
}
