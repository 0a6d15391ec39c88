package dev.shiftlog.cli;

import dev.shiftlog.schemas.registry.SchemaRegistries;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.testkit.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
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
    /** Where an embedded broker left its address for the operating commands; null for an external cluster. */
    private Path bootstrapFile;

    private KafkaEndpoint(EmbeddedKafkaBroker broker, Map<String, Object> clientConfig, SchemaRegistry registry) {
        this.broker = broker;
        this.clientConfig = clientConfig;
        this.registry = registry;
    }

    static KafkaEndpoint open(MigrationDef spec, Map<String, String> env, Path workDir) throws IOException {
        String servers = configuredServers(spec, env);
        EmbeddedKafkaBroker broker = null;
        if (servers == null || servers.isBlank()) {
            broker = EmbeddedKafkaBroker.start(workDir.resolve("kafka"));
            servers = broker.bootstrapServers();
            // status, verify and cutover run in other processes and find this broker through the work directory
            Files.writeString(workDir.resolve(BOOTSTRAP_FILE), servers);
            LOG.info("started an embedded Kafka broker at {}", servers);
            KafkaEndpoint endpoint = connect(spec, servers, broker);
            endpoint.bootstrapFile = workDir.resolve(BOOTSTRAP_FILE);
            return endpoint;
        }
        return connect(spec, servers, broker);
    }

    /** The spec's bootstrap servers, else {@code SHIFTLOG_BOOTSTRAP_SERVERS}; null when neither is set (embedded). */
    static String configuredServers(MigrationDef spec, Map<String, String> env) {
        return spec.kafka().embedded() ? dev.shiftlog.schemas.ShiftlogVariable.SHIFTLOG_BOOTSTRAP_SERVERS.in(env) : spec.kafka().bootstrapServers();
    }

    private static KafkaEndpoint connect(MigrationDef spec, String servers, EmbeddedKafkaBroker broker) {
        Map<String, Object> config = new HashMap<>(spec.kafka().properties());
        config.put("bootstrap.servers", servers);
        SchemaRegistry registry = SchemaRegistries.forUrl(spec.kafka().schemaRegistry(), new HashMap<>(config));
        return new KafkaEndpoint(broker, Map.copyOf(config), registry);
    }

    /** Where a process with an embedded broker leaves its address for the operating commands. */
    static final String BOOTSTRAP_FILE = "kafka/bootstrap.servers";

    /**
     * The cluster of a migration that is already running, for status, verify and cutover: never starts a broker.
     * With an embedded broker, its address comes from the work directory of the {@code up} or {@code demo} process.
     */
    static KafkaEndpoint attach(MigrationDef spec, Map<String, String> env, Path workDir) throws IOException {
        String servers = configuredServers(spec, env);
        if (servers == null || servers.isBlank()) {
            Path file = workDir.resolve(BOOTSTRAP_FILE);
            if (!Files.exists(file)) {
                throw new IOException("no Kafka cluster for migration '" + spec.name() + "': the spec names none, "
                        + dev.shiftlog.schemas.ShiftlogVariable.SHIFTLOG_BOOTSTRAP_SERVERS + " is unset and " + file + " does not exist (is 'shiftlog up -f "
                        + spec.file() + "' running with this --work-dir?)");
            }
            servers = Files.readString(file).strip();
        }
        return connect(spec, servers, null);
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
        if (bootstrapFile != null) {
            // the broker is gone: backup, restore and the other commands must not wait on its old address
            try {
                Files.deleteIfExists(bootstrapFile);
            } catch (IOException e) {
                LOG.warn("cannot remove {}: {}", bootstrapFile, e.getMessage());
            }
        }
    }
}
