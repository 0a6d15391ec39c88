package dev.shiftlog.sink;

import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.rows.LandedRow;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Announces a committed row of a referenced table twice: on {@code <m>.landed}, partitioned by the row, where the
 * parking gates answer the children waiting for it; and on {@code <m>.landed-ids}, which every transformer instance
 * reads whole, so a child read after its parent landed goes straight out without asking the gate.
 */
final class LandingAnnouncer {
    private final KafkaProducer<GenericRecord, GenericRecord> producer;
    private final String landed;
    private final String landedIds;

    LandingAnnouncer(KafkaProducer<GenericRecord, GenericRecord> producer, TopicNames names) {
        this.producer = producer;
        this.landed = names.landed();
        this.landedIds = names.landedIds();
    }

    /**
     * @param timestamp the row's own time (its output record's), or null for now: Streams takes a task's records
     *                  oldest first, so a landing stamped now would wait behind every child of the initial load read
     *                  before it, and they would all park
     */
    List<Future<?>> announce(LandedRow landing, Long timestamp) {
        return List.of(producer.send(new ProducerRecord<>(landed, null, timestamp, landing.key(), landing.value())),
                producer.send(new ProducerRecord<>(landedIds, null, timestamp, landing.key(), landing.value())));
    }

    /** The topics it writes, for messages. */
    String topics() {
        return landed + " and " + landedIds;
    }
}
