package dev.shiftlog.cli;

import dev.shiftlog.schemas.registry.SchemaRegistries;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.testkit.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka cluster a run talks to: the spec's bootstrap servers, else {@code SHIFTLOG_BOOTSTRAP_SERVERS}, else a
 * broker embedded in this process (its data kept under the work directory so a restart resumes).
 */
final class KafkaEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaEndpoint.class);

    private final EmbeddedKafkaBroker broker;
    private final Map<String, Object> clientConfig;
    private final SchemaRegistry registry;

    private KafkaEndpoint(EmbeddedKafkaBroker broker, Map<String, Object> clientConfig, SchemaRegistry registry) {
        this.broker = broker;
        this.clientConfig = clientConfig;
        this.registry = registry;
    }

    static KafkaEndpoint open(MigrationDef spec, Map<String, String> env, Path workDir) throws IOException {
        String servers = spec.kafka().embedded() ? env.get("SHIFTLOG_BOOTSTRAP_SERVERS") : spec.kafka().bootstrapServers();
        EmbeddedKafkaBroker broker = null;
        if (servers == null || servers.isBlank()) {
            broker = EmbeddedKafkaBroker.start(workDir.resolve("kafka"));
            servers = broker.bootstrapServers();
            LOG.info("started an embedded Kafka broker at {}", servers);
        }
        Map<String, Object> config = new HashMap<>(spec.kafka().properties());
        config.put("bootstrap.servers", servers);
        Map<String, Object> registryConfig = new HashMap<>(config);
        SchemaRegistry registry = SchemaRegistries.forUrl(spec.kafka().schemaRegistry(), registryConfig);
        return new KafkaEndpoint(broker, Map.copyOf(config), registry);
    }

    Map<String, Object> clientConfig() {
        return clientConfig;
    }

    String bootstrapServers() {
        return (String) clientConfig.get("bootstrap.servers");
    }

    SchemaRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        registry.close();
        if (broker != null) {
            broker.close();
        }
    }
}
