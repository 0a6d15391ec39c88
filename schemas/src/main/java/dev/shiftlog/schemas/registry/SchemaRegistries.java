package dev.shiftlog.schemas.registry;

import java.util.Map;

/** Picks the registry implementation from a {@code schema.registry.url} value. */
public final class SchemaRegistries {
    /** The client setting that names the registry, as in Confluent's serializers. */
    public static final String URL_CONFIG = "schema.registry.url";

    private SchemaRegistries() {}

    /**
     * @param url {@code kafka} or {@code kafka:<topic>} for the topic-backed registry, otherwise a Confluent REST URL
     * @param clientConfig Kafka client settings, used by the topic-backed registry to reach the broker
     */
    public static SchemaRegistry forUrl(String url, Map<String, ?> clientConfig) {
        if (url == null || url.isBlank() || url.equals("kafka")) {
            return new KafkaTopicSchemaRegistry(clientConfig, KafkaTopicSchemaRegistry.DEFAULT_TOPIC);
        }
        if (url.startsWith("kafka:")) {
            return new KafkaTopicSchemaRegistry(clientConfig, url.substring("kafka:".length()));
        }
        return new ConfluentRestSchemaRegistry(url);
    }
}
