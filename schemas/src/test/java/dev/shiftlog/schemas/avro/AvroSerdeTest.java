package dev.shiftlog.schemas.avro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shiftlog.schemas.registry.KafkaTopicSchemaRegistry;
import dev.shiftlog.schemas.registry.InMemorySchemaRegistry;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
    @Test
    void shouldFrameMessagesInTheConfluentWireFormatAndReadThemBack() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Schema schema = SchemaBuilder.record("row").fields().requiredLong("id").optionalString("name").endRecord();
        GenericRecord row = new GenericData.Record(schema);
        row.put("id", 42L);
        row.put("name", "Zoë");

        byte[] bytes = new AvroSerializer(registry, false).serialize("m.src.public.t", row);

        assertThat(bytes[0]).isZero();
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(KafkaTopicSchemaRegistry.idOf(schema));
        assertThat(registry.subjects()).containsOnlyKeys("m.src.public.t-value");
        GenericRecord back = new AvroDeserializer(registry).deserialize("m.src.public.t", bytes);
        assertThat(back.get("id")).isEqualTo(42L);
        assertThat(back.get("name").toString()).isEqualTo("Zoë");
    }

    @Test
    void shouldPassTombstonesThrough() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

        assertThat(new AvroSerializer(registry, true).serialize("t", null)).isNull();
        assertThat(new AvroDeserializer(registry).deserialize("t", null)).isNull();
    }
}
