package dev.shiftlog.schemas.avro;

import dev.shiftlog.schemas.registry.SchemaRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.avro.generic.GenericRecord;

/** Key or value serde of every shiftlog topic: Avro generic records in the Confluent wire format. */
public final class AvroSerde extends Serdes.WrapperSerde<GenericRecord> {
    public AvroSerde(SchemaRegistry registry, boolean isKey) {
        super(new AvroSerializer(registry, isKey), new AvroDeserializer(registry));
    }
}
