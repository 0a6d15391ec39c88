package dev.shiftlog.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A registry inside one process, with the same ids as {@link KafkaTopicSchemaRegistry}; for topology tests and
 * tools that never share messages with another process.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Integer> latestIdBySubject = new ConcurrentHashMap<>();

    @Override
    public int register(String subject, Schema schema) {
        int id = KafkaTopicSchemaRegistry.idOf(schema);
        schemasById.put(id, schema);
        latestIdBySubject.put(subject, id);
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("schema id " + id + " was never registered in this process");
        }
        return schema;
    }

    /** Subjects registered so far, each with the id of its latest schema. */
    public Map<String, Integer> subjects() {
        return Map.copyOf(latestIdBySubject);
    }
}
