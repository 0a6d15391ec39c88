package dev.shiftlog.schemas.avro;

import dev.shiftlog.schemas.registry.SchemaRegistries;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records in the Confluent wire format, registering each schema under the TopicNameStrategy subject.
 *
 * <p>Built with a registry by our code, or by class name from Kafka config ({@code schema.registry.url}), the same
 * way Confluent's KafkaAvroSerializer is, so either can stand in for the other. Null records pass through as
 * tombstones.
 */
public final class AvroSerializer implements Serializer<GenericRecord> {
    private SchemaRegistry registry;
    private boolean ownsRegistry;
    private boolean isKey;
    /** topic → schema → id: a subject per topic (TopicNameStrategy), so every topic's subject lists the schemas it holds. */
    private final Map<String, Map<Schema, Integer>> ids = new ConcurrentHashMap<>();
    private final Map<Schema, GenericDatumWriter<GenericRecord>> writers = new ConcurrentHashMap<>();
    private final EncoderFactory encoders = EncoderFactory.get();

    /** For instantiation by class name; {@link #configure} supplies the registry. */
    public AvroSerializer() {}

    public AvroSerializer(SchemaRegistry registry, boolean isKey) {
        this.registry = registry;
        this.isKey = isKey;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        if (registry == null) {
            Object url = configs.get(SchemaRegistries.URL_CONFIG);
            registry = SchemaRegistries.forUrl(url == null ? null : url.toString(), configs);
            ownsRegistry = true;
        }
    }

    @Override
    public byte[] serialize(String topic, GenericRecord record) {
        if (record == null) {
            return null;
        }
        Schema schema = record.getSchema();
        int id = ids.computeIfAbsent(topic, t -> new ConcurrentHashMap<>())
                .computeIfAbsent(schema, s -> registry.register(topic + (isKey ? "-key" : "-value"), s));
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.write(ConfluentWireFormat.MAGIC);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = encoders.directBinaryEncoder(out, null);
        try {
            writers.computeIfAbsent(schema, GenericDatumWriter::new).write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot write an Avro " + schema.getFullName() + " to topic " + topic
                    + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        if (ownsRegistry) {
            registry.close();
        }
    }
}
