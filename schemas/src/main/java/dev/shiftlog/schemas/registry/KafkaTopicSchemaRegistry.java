package dev.shiftlog.schemas.registry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A schema registry kept in a compacted Kafka topic, for embedded and test runs: no extra server, and every
 * process that reaches the broker sees the same ids.
 *
 * <p>Ids are derived from the schema itself (31 bits of its Avro parsing-form fingerprint), so two processes
 * registering the same schema at the same time agree without coordination. A schema is written to the topic and
 * acknowledged before its id is handed out, so any reader that later sees the id can find the schema by reading
 * the topic to its end. A different schema hashing to a taken id is refused loudly rather than aliased.
 *
 * <p>Next to each schema ({@code <id>} → schema) the topic records which subject uses it ({@code subject/<subject>/<id>}),
 * so the Confluent REST read API can be served from it ({@link SubjectCatalog}): a subject's versions are its ids in
 * the order they were first written to the topic.
 */
public final class KafkaTopicSchemaRegistry implements SchemaRegistry, SubjectCatalog {
    public static final String DEFAULT_TOPIC = "_shiftlog_schemas";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final Map<String, Object> clientConfig;
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    /** subject → ids in topic order, as far as this process has read or written them */
    private final Map<String, List<Integer>> idsBySubject = new java.util.LinkedHashMap<>();
    private static final String SUBJECT_PREFIX = "subject/";
    /** The schema topic's offset up to which this process has read it. */
    private long readUpTo;
    private KafkaProducer<byte[], byte[]> producer;
    private KafkaConsumer<byte[], byte[]> reader;
    /** subject \0 id pairs this process has sent, so each is sent once even before it is read back. */
    private final Set<String> subjectsWritten = new java.util.HashSet<>();
    private boolean topicChecked;

    /** @param clientConfig Kafka client settings (bootstrap.servers, security) used for the registry's own clients */
    public KafkaTopicSchemaRegistry(Map<String, ?> clientConfig, String topic) {
        this.topic = topic;
        Map<String, Object> config = new HashMap<>();
        for (String key : List.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "security.protocol", "sasl.mechanism",
                "sasl.jaas.config", "ssl.truststore.location", "ssl.truststore.password")) {
            if (clientConfig.get(key) != null) {
                Object value = clientConfig.get(key);
                config.put(key, value instanceof List<?> list ? String.join(",", list.stream().map(Object::toString).toList()) : value);
            }
        }
        if (!config.containsKey(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new SchemaRegistryException("the 'kafka' schema registry needs bootstrap.servers in the client configuration");
        }
        this.clientConfig = Map.copyOf(config);
    }

    /** The id any process computes for this schema. */
    public static int idOf(Schema schema) {
        return (int) (SchemaNormalization.parsingFingerprint64(schema) & 0x7fffffff);
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        int id = idOf(schema);
        if (!schemasById.containsKey(id)) {
            readToEnd(); // another process may have written it, or a different schema under the same id
        }
        Schema known = schemasById.get(id);
        if (known != null && !SchemaNormalization.toParsingForm(known).equals(SchemaNormalization.toParsingForm(schema))) {
            throw new SchemaRegistryException("schema id " + id + " for subject " + subject
                    + " collides with another schema in topic " + topic + "; rename a field or use a Confluent registry");
        }
        if (known == null) {
            try { // acknowledged before the id is handed out
                write(Integer.toString(id), schema.toString(), subject).join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof SchemaRegistryException r ? r : new SchemaRegistryException("cannot write schema for subject "
                        + subject + " to topic " + topic + ": " + e.getCause(), e.getCause());
            }
            schemasById.put(id, schema);
        }
        if (!usedBy(subject, id) && subjectsWritten.add(subject + '\u0000' + id)) {
            // only the REST catalog reads subject records, and it reads the topic to its end first: no need to wait
            write(SUBJECT_PREFIX + subject + "/" + id, Integer.toString(id), subject);
        }
        return id;
    }

    private boolean usedBy(String subject, int id) {
        return idsBySubject.getOrDefault(subject, List.of()).contains(id);
    }

    /** Sends one record; the future completes once the broker acknowledged it (a failure names the subject and broker). */
    private java.util.concurrent.CompletableFuture<Void> write(String key, String value, String subject) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        producer().send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)),
                (metadata, e) -> {
                    if (e == null) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(new SchemaRegistryException("cannot write schema for subject " + subject + " to topic "
                                + topic + " at " + clientConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + e.getMessage(), e));
                    }
                });
        return done.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Every subject with its ids in version order, up to date with the topic (other processes register too). */
    @Override
    public synchronized Map<String, List<Integer>> subjects() {
        if (producer != null) {
            producer.flush(); // this process's own subject records first
        }
        readToEnd();
        Map<String, List<Integer>> copy = new java.util.TreeMap<>();
        idsBySubject.forEach((subject, ids) -> copy.put(subject, List.copyOf(ids)));
        return copy;
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            readToEnd();
            schema = schemasById.get(id);
        }
        if (schema == null) {
            throw new SchemaRegistryException("schema id " + id + " is not in topic " + topic
                    + "; was the topic deleted, or was the message written with another registry?");
        }
        return schema;
    }

    private void ensureTopic() {
        if (topicChecked) {
            return;
        }
        try (Admin admin = Admin.create(clientConfig)) {
            int brokers = admin.describeCluster().nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
            NewTopic newTopic = new NewTopic(topic, Optional.of(1), Optional.of((short) Math.min(3, brokers)))
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(newTopic)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new SchemaRegistryException("cannot create schema topic " + topic + ": " + e.getCause().getMessage(), e);
            }
        } catch (TimeoutException e) {
            throw new SchemaRegistryException("Kafka at " + clientConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)
                    + " did not answer within " + TIMEOUT.toSeconds() + " s; check kafka.bootstrap-servers", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted while creating " + topic, e);
        }
        topicChecked = true;
    }

    /**
     * Reads what other processes registered since the last read. One consumer serves every read: a new one per read
     * (connection and metadata each time) made every first use of a schema cost two of them while every stage's
     * thread waited on this registry's lock — the first rows of a run landed tens of seconds late.
     */
    private void readToEnd() {
        ensureTopic();
        try {
            readToEnd(reader());
        } catch (RuntimeException e) {
            reader.close(Duration.ZERO);
            reader = null; // the next read starts over with a fresh consumer
            throw e;
        }
    }

    private KafkaConsumer<byte[], byte[]> reader() {
        if (reader == null) {
            Map<String, Object> config = new HashMap<>(clientConfig);
            config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // a position no longer in the log: read it all again
            reader = new KafkaConsumer<>(config);
            reader.assign(Set.of(new TopicPartition(topic, 0)));
        }
        return reader;
    }

    private void readToEnd(KafkaConsumer<byte[], byte[]> consumer) {
        {
            TopicPartition partition = new TopicPartition(topic, 0);
            long end = consumer.endOffsets(Set.of(partition), TIMEOUT).get(partition);
            if (end < readUpTo) { // the topic was recreated: what this process knew is gone with it
                schemasById.clear();
                idsBySubject.clear();
                readUpTo = 0;
            }
            // from where the previous read stopped: every schema and subject record before it is known already
            consumer.seek(partition, readUpTo);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(partition, TIMEOUT) < end) {
                if (System.nanoTime() > deadline) {
                    throw new SchemaRegistryException("timed out reading schema topic " + topic);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (key.startsWith(SUBJECT_PREFIX)) {
                        String subject = key.substring(SUBJECT_PREFIX.length(), key.lastIndexOf('/'));
                        int id = Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8));
                        List<Integer> ids = idsBySubject.computeIfAbsent(subject, k -> new ArrayList<>());
                        if (!ids.contains(id)) {
                            ids.add(id);
                        }
                    } else {
                        schemasById.putIfAbsent(Integer.parseInt(key), new Schema.Parser().parse(new String(r.value(), StandardCharsets.UTF_8)));
                    }
                }
            }
            readUpTo = consumer.position(partition, TIMEOUT);
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.putAll(clientConfig);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.LINGER_MS_CONFIG, 0); // a registration waits for its record: no batching delay
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producer = new KafkaProducer<>(props);
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        if (reader != null) {
            reader.close(Duration.ofSeconds(5));
            reader = null;
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
