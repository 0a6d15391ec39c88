package dev.shiftlog.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node KRaft broker in this JVM, for the demo and the tests: no Docker, ephemeral ports, small heap use.
 * Reopening the same data directory keeps the topics, so a demo can be resumed.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private KafkaRaftServer server;
    private final String bootstrapServers;
    private final Properties props;

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers, Properties props) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.props = props;
    }

    /** Stops the broker, keeps it down for {@code down}, starts it again on the same ports and data: for fault tests. */
    public void restart(java.time.Duration down) throws InterruptedException {
        server.shutdown();
        server.awaitShutdown();
        Thread.sleep(down.toMillis());
        server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
        server.startup();
    }

    /** Formats {@code dataDir} if it is new and starts the broker on free loopback ports. */
    public static EmbeddedKafkaBroker start(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        int[] ports = freePorts();
        int brokerPort = ports[0];
        int controllerPort = ports[1];
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("log.dirs", dataDir.resolve("logs").toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        props.put("num.partitions", "1");
        props.put("auto.create.topics.enable", "false");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        Path config = dataDir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            props.store(w, "written by shiftlog EmbeddedKafkaBroker");
        }
        if (!Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8));
            if (rc != 0) {
                throw new IOException("cannot format Kafka storage in " + dataDir + ": " + out.toString(StandardCharsets.UTF_8));
            }
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
        server.startup();
        return new EmbeddedKafkaBroker(server, "127.0.0.1:" + brokerPort, props);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    /** Two free ports, both held open while asked for: one after the other, the system may hand out the same one twice. */
    private static int[] freePorts() throws IOException {
        try (ServerSocket broker = new ServerSocket(0); ServerSocket controller = new ServerSocket(0)) {
            broker.setReuseAddress(true);
            controller.setReuseAddress(true);
            return new int[] {broker.getLocalPort(), controller.getLocalPort()};
        }
    }
}
