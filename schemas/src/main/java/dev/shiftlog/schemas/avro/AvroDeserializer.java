package dev.shiftlog.schemas.avro;

import dev.shiftlog.schemas.registry.SchemaRegistries;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads Confluent-framed Avro records with the writer's schema; null bytes (tombstones) stay null. */
public final class AvroDeserializer implements Deserializer<GenericRecord> {
    private SchemaRegistry registry;
    private boolean ownsRegistry;
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();
    private final DecoderFactory decoders = DecoderFactory.get();

    /** For instantiation by class name; {@link #configure} supplies the registry. */
    public AvroDeserializer() {}

    public AvroDeserializer(SchemaRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (registry == null) {
            Object url = configs.get(SchemaRegistries.URL_CONFIG);
            registry = SchemaRegistries.forUrl(url == null ? null : url.toString(), configs);
            ownsRegistry = true;
        }
    }

    @Override
    public GenericRecord deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        int id = ConfluentWireFormat.schemaId(topic, data);
        GenericDatumReader<GenericRecord> reader = readers.computeIfAbsent(id, i -> new GenericDatumReader<>(registry.schemaById(i)));
        try {
            return reader.read(null, decoders.binaryDecoder(data, ConfluentWireFormat.HEADER_SIZE,
                    data.length - ConfluentWireFormat.HEADER_SIZE, null));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot read Avro message with schema id " + id + " from topic " + topic
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (ownsRegistry) {
            registry.close();
        }
    }
}
