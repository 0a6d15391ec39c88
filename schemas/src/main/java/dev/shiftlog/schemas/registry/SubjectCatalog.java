package dev.shiftlog.schemas.registry;

import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The subjects of a registry and their versions, for serving the Confluent Schema Registry REST read API from the
 * embedded registry: Confluent's deserializers, kcat and Kafka UIs then decode every topic with no extra server.
 */
public interface SubjectCatalog {
    /** subject (TopicNameStrategy: {@code <topic>-key|value}) → its schema ids; version n is the n-th (1-based). */
    Map<String, List<Integer>> subjects();

    /** The schema of an id; throws {@link SchemaRegistryException} for an unknown one. */
    Schema schemaById(int id);
}
