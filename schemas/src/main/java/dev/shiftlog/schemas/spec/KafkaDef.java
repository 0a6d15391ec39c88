package dev.shiftlog.schemas.spec;

import java.util.Map;

/**
 * Where the change log lives.
 *
 * @param bootstrapServers Optional: empty means "start an embedded broker" for {@code up} and {@code demo}
 * @param partitions partitions of every topic the migration creates; Optional: defaults to 4
 * @param schemaRegistry {@code kafka} (schemas kept in a compacted topic, no extra server) or an
 *     {@code http(s)://} Confluent Schema Registry URL; Optional: defaults to {@code kafka}
 * @param properties client settings passed through unchanged to every Kafka client
 */
public record KafkaDef(String bootstrapServers, int partitions, String schemaRegistry, Map<String, String> properties) {
    public static final int DEFAULT_PARTITIONS = 4;
    public static final String DEFAULT_SCHEMA_REGISTRY = "kafka";

    public boolean embedded() {
        return bootstrapServers == null || bootstrapServers.isBlank();
    }

    public KafkaDef withBootstrapServers(String servers) {
        return new KafkaDef(servers, partitions, schemaRegistry, properties);
    }
}
