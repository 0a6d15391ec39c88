package dev.shiftlog.schemas.registry;

import org.apache.avro.Schema;

/**
 * Where Avro schemas get their Confluent ids, so every message carries a 4-byte id instead of its schema.
 *
 * <p>Implementations are thread-safe. Neither method returns null: unknown ids and unreachable registries throw
 * {@link SchemaRegistryException} with the subject or id and the registry's address.
 */
public interface SchemaRegistry extends AutoCloseable {

    /** Registers {@code schema} under {@code subject} (TopicNameStrategy: {@code <topic>-key|value}) and returns its id. */
    int register(String subject, Schema schema);

    /** The schema a message with this id was written with. */
    Schema schemaById(int id);

    @Override
    default void close() {}
}
