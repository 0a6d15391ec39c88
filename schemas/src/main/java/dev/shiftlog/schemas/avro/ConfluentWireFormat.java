package dev.shiftlog.schemas.avro;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/** The Confluent framing (magic byte 0, 4-byte big-endian schema id, Avro binary) so Confluent tools read our topics. */
public final class ConfluentWireFormat {
    public static final byte MAGIC = 0;
    public static final int HEADER_SIZE = 5;

    private ConfluentWireFormat() {}

    /** The schema id of a framed message; throws when the bytes are not Confluent-framed. */
    public static int schemaId(String topic, byte[] message) {
        if (message.length < HEADER_SIZE || message[0] != MAGIC) {
            throw new SerializationException("message in topic " + topic
                    + " is not in the Confluent Avro wire format (magic byte 0 + 4-byte schema id)");
        }
        return ByteBuffer.wrap(message, 1, 4).getInt();
    }
}
