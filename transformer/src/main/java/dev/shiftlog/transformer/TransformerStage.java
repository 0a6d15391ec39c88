package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.TopicProvisioner;
import dev.shiftlog.schemas.avro.AvroSerde;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.errors.StreamsException;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transform stage: a Kafka Streams app ({@code <m>-transformer}, exactly-once v2) that maps every legacy
 * change to its target row on {@code <m>.out.<target>}. Split into {@link #config}, {@link #buildTopology} and
 * {@link #start} so tests reuse the first two with the TopologyTestDriver.
 */
public final class TransformerStage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransformerStage.class);

    private final MigrationDef spec;
    private final Map<String, Object> kafkaConfig;
    private final SchemaRegistry registry;
    private final Path stateDir;
    private KafkaStreams streams;
    private final CompletableFuture<Void> failed = new CompletableFuture<>();

    public TransformerStage(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry, Path stateDir) {
        this.spec = spec;
        this.kafkaConfig = Map.copyOf(kafkaConfig);
        this.registry = registry;
        this.stateDir = stateDir;
    }

    /** Streams settings: exactly-once v2, the shared {@link dev.shiftlog.schemas.ProducerTuning}, state under {@code stateDir}. */
    public static Properties config(MigrationDef spec, Map<String, Object> kafkaConfig, Path stateDir) {
        Properties p = new Properties();
        kafkaConfig.forEach(p::put);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, new TopicNames(spec.name()).transformerGroup());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        // a change is visible downstream once its transaction commits; at 50 ms a SIGTERM in ChaosIT met a commit in flight
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        dev.shiftlog.schemas.ProducerTuning.applyToStreams(p);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 10_000);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        return p;
    }

    /**
     * One named source per legacy topic; per target table one named mapping processor with two named sinks, its
     * output topic and the DLQ. Names are derived from the spec so a topology change never silently orphans a
     * changelog; the Processor API is used because a row goes to exactly one of two children.
     */
    public static Topology buildTopology(MigrationDef spec, SchemaRegistry registry) {
        TopicNames names = new TopicNames(spec.name());
        AvroSerde keySerde = new AvroSerde(registry, true);
        AvroSerde valueSerde = new AvroSerde(registry, false);
        Map<String, List<TableMappingDef>> bySource = new LinkedHashMap<>();
        for (TableMappingDef t : spec.tables()) {
            String topic = names.source(t.sourceSchema(spec.source().schema()), t.sourceTable());
            bySource.computeIfAbsent(topic, k -> new ArrayList<>()).add(t);
        }
        Topology topology = new Topology();
        boolean anyReference = spec.tables().stream().anyMatch(t -> t.hasReferences());
        List<String> gates = new ArrayList<>();
        if (anyReference) {
            topology.addSource("read-landed", keySerde.deserializer(), valueSerde.deserializer(), names.landed());
            topology.addProcessor("record-landed", LandedRecorder::new, "read-landed");
        }
        // the legacy tables lookups read, each re-keyed onto <m>.lookup-rows from its source node (its own, when no
        // mapping reads that table)
        Map<String, dev.shiftlog.schemas.spec.LookupDef> lookedUpRows = new LinkedHashMap<>();
        spec.tables().forEach(t -> t.lookups().forEach(l -> lookedUpRows.putIfAbsent(l.rowsName(spec.source().schema()), l)));
        java.util.Collection<String> lookedUpTopics = lookedUpRows.values().stream()
                .map(l -> names.source(l.sourceSchema(spec.source().schema()), l.sourceTable())).toList();
        boolean anyLookup = !lookedUpRows.isEmpty();
        List<String> lookupGates = new ArrayList<>();
        List<AggregateOf> aggregateRekeyers = new ArrayList<>();
        if (anyLookup) {
            topology.addSource("read-lookup-rows", keySerde.deserializer(), valueSerde.deserializer(), names.lookupRows());
            topology.addProcessor("record-lookup-rows", LookupRowRecorder::new, "read-lookup-rows");
        }
        bySource.forEach((topic, mappings) -> {
            String sourceName = "read-" + topic.substring(spec.name().length() + ".src.".length());
            topology.addSource(sourceName, keySerde.deserializer(), valueSerde.deserializer(), topic);
            for (TableMappingDef t : mappings) {
                String processor = TransformerLayout.mapper(t);
                String output = (t.matchOn() != null ? "contribute-" : "write-") + t.target() + TransformerLayout.suffix(t);
                String dlq = "dlq-" + t.target() + TransformerLayout.suffix(t);
                String route = !t.hasReferences() ? null : "route-" + t.target();
                String lookupRequests = t.lookups().isEmpty() ? null : "lookup-" + t.target();
                String aggregateRequests = t.aggregates().isEmpty() ? null : "aggregate-" + t.target();
                List<String> parentList = new ArrayList<>(List.of(sourceName));
                if (lookupRequests != null) {
                    // the gate's answers come back into this sub-topology, to the row's own partition, like the parents'
                    String answers = "read-lookup-answers-" + t.target();
                    topology.addSource(answers, keySerde.deserializer(), valueSerde.deserializer(), names.lookupAnswers(t.target()));
                    parentList.add(answers);
                }
                if (aggregateRequests != null) {
                    String answers = "read-aggregate-answers-" + t.target();
                    topology.addSource(answers, keySerde.deserializer(), valueSerde.deserializer(), names.aggregateAnswers(t.target()));
                    parentList.add(answers);
                }
                List<TableMappingDef> ofTarget = spec.tables().stream().filter(o -> o.target().equals(t.target())).toList();
                int mappingIndex = ofTarget.indexOf(t);
                topology.addProcessor(processor, () -> new RowMappingProcessor(spec.name(), t, mappings, output, dlq, route, mappingIndex,
                        t.hasLookups() ? new LookupJoin(t, spec.source().schema(), lookupRequests, aggregateRequests, valueSerde.deserializer())
                                : null), parentList.toArray(String[]::new));
                if (t.hasLookups()) {
                    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.lookupStates(t)),
                            Serdes.String(), Serdes.String()), processor);
                    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.lookupFound(t)),
                            Serdes.String(), Serdes.ByteArray()), processor);
                    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.lookupSources(t)),
                            Serdes.String(), valueSerde), processor);
                }
                if (lookupRequests != null) {
                    topology.addSink(lookupRequests, names.lookups(t.target()), keySerde.serializer(), valueSerde.serializer(), processor);
                    String gate = "lookup-gate-" + t.target();
                    topology.addSource("read-lookups-" + t.target(), keySerde.deserializer(), valueSerde.deserializer(), names.lookups(t.target()));
                    java.util.Set<String> reads = new java.util.HashSet<>();
                    java.util.Set<String> byColumns = new java.util.HashSet<>();
                    t.lookups().forEach(l -> reads.add(l.rowsName(spec.source().schema())));
                    t.lookups().stream().filter(l -> l.byColumns()).forEach(l -> byColumns.add(l.rowsName(spec.source().schema())));
                    topology.addProcessor(gate, () -> new LookupGate(t, reads, byColumns, "lookup-answer-" + t.target()), "read-lookups-" + t.target(),
                            "record-lookup-rows");
                    topology.addStateStore(Stores.timestampedKeyValueStoreBuilder(Stores.persistentTimestampedKeyValueStore(
                            TransformerLayout.lookupSubscribers(t)), Serdes.String(), Serdes.String()), gate);
                    topology.addSink("lookup-answer-" + t.target(), names.lookupAnswers(t.target()), keySerde.serializer(),
                            valueSerde.serializer(), TransformerStage::lookupChildPartition, gate);
                    lookupGates.add(gate);
                }
                if (aggregateRequests != null) {
                    topology.addSink(aggregateRequests, names.aggregates(t.target()), keySerde.serializer(), valueSerde.serializer(), processor);
                    String gate = "aggregate-gate-" + t.target();
                    topology.addSource("read-aggregates-" + t.target(), keySerde.deserializer(), valueSerde.deserializer(),
                            names.aggregates(t.target()), names.aggregateItems(t.target()));
                    topology.addProcessor(gate, () -> new AggregateGate(t, "aggregate-answer-" + t.target()), "read-aggregates-" + t.target());
                    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.aggregateItems(t)),
                            Serdes.String(), Serdes.String()), gate);
                    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.aggregateSubscribers(t)),
                            Serdes.String(), Serdes.String()), gate);
                    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.aggregatePending(t)),
                            Serdes.String(), Serdes.String()), gate);
                    topology.addSink("aggregate-answer-" + t.target(), names.aggregateAnswers(t.target()), keySerde.serializer(),
                            valueSerde.serializer(), TransformerStage::lookupChildPartition, gate);
                    for (dev.shiftlog.schemas.spec.AggregateDef a : t.aggregates()) {
                        aggregateRekeyers.add(new AggregateOf(t, a));
                    }
                }
                String[] writers = {processor};
                if (t.matchOn() != null) {
                    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(
                            TransformerLayout.matches(t)), Serdes.String(), Serdes.String()), processor);
                }
                if (t.id().isAssigned() && t.matchOn() == null) {
                    topology.addStateStore(Stores.keyValueStoreBuilder(
                            Stores.persistentKeyValueStore(TransformerLayout.ids(t)), Serdes.String(), Serdes.String()),
                            processor);
                }
                if (route != null) {
                    // The gate's answers come back into this sub-topology, to the child's partition: only the
                    // child's task writes its target row, so the versions of a re-parented row stay in order.
                    String release = "release-" + t.target();
                    String answers = "read-answers-" + t.target();
                    topology.addSource(answers, keySerde.deserializer(), valueSerde.deserializer(), names.parentAnswers(t.target()));
                    topology.addProcessor(release, () -> new ParkedRowReleaser(spec.name(), t, output, dlq), answers);
                    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(
                            TransformerLayout.references(t)), Serdes.String(), Serdes.String()), processor, release);
                    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(
                            TransformerLayout.parked(t)), Serdes.String(), valueSerde), processor, release);
                    writers = new String[] {processor, release};
                }
                if (t.matchOn() != null) { // its rows are contributions: the target's consolidation writes the output
                    topology.addSink(output, names.contributions(t.target()), keySerde.serializer(), valueSerde.serializer(),
                            TransformerStage::matchPartition, writers);
                    if (mappingIndex == 0) {
                        addConsolidation(topology, spec, ofTarget, keySerde, valueSerde);
                    }
                } else {
                    topology.addSink(output, names.out(t.target()), keySerde.serializer(), valueSerde.serializer(), writers);
                }
                topology.addSink(dlq, names.dlq(), keySerde.serializer(), valueSerde.serializer(), writers);
                if (route != null) {
                    // A separate sub-topology per gate input keeps the legacy topics out of the gate's co-partitioning.
                    topology.addSink(route, names.references(t.target()), keySerde.serializer(), valueSerde.serializer(), processor);
                    String gate = "gate-" + t.target();
                    topology.addSource("read-refs-" + t.target(), keySerde.deserializer(), valueSerde.deserializer(),
                            names.references(t.target()));
                    topology.addProcessor(gate, () -> new ParkingGate(t, "answer-" + t.target()), "read-refs-" + t.target(), "record-landed");
                    topology.addStateStore(Stores.timestampedKeyValueStoreBuilder(Stores.persistentTimestampedKeyValueStore(
                            TransformerLayout.waiting(t)), Serdes.String(), Serdes.String()), gate);
                    topology.addSink("answer-" + t.target(), names.parentAnswers(t.target()), keySerde.serializer(), valueSerde.serializer(),
                            TransformerStage::childPartition, gate);
                    gates.add(gate);
                }
            }
        });
        if (anyLookup) {
            List<String> rekeyers = new ArrayList<>();
            Set<String> ownSources = new java.util.HashSet<>();
            lookedUpRows.forEach((rowsName, lookup) -> {
                String topic = names.source(lookup.sourceSchema(spec.source().schema()), lookup.sourceTable());
                String sourceName = "read-" + topic.substring(spec.name().length() + ".src.".length());
                if (!bySource.containsKey(topic) && ownSources.add(topic)) {
                    topology.addSource(sourceName, keySerde.deserializer(), valueSerde.deserializer(), topic);
                }
                String rekey = "rekey-lookup-" + rowsName;
                topology.addProcessor(rekey, () -> new LookupRowRekeyer(rowsName, lookup.by(), topic, valueSerde.serializer(),
                        "write-lookup-rows"), sourceName);
                if (lookup.byColumns()) {
                    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(
                            TransformerLayout.lookupMembers(rowsName)), Serdes.String(), Serdes.String()), rekey);
                }
                rekeyers.add(rekey);
            });
            topology.addSink("write-lookup-rows", names.lookupRows(), keySerde.serializer(), valueSerde.serializer(),
                    rekeyers.toArray(String[]::new));
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.LOOKUP_ROWS),
                    Serdes.String(), Serdes.ByteArray()), java.util.stream.Stream.concat(java.util.stream.Stream.of("record-lookup-rows"),
                    lookupGates.stream()).toArray(String[]::new));
        }
        // each aggregate's child table, re-keyed by parent from its source node (its own, when no mapping reads it)
        Set<String> childSources = new java.util.HashSet<>();
        for (AggregateOf pair : aggregateRekeyers) {
            TableMappingDef parent = pair.parent();
            dev.shiftlog.schemas.spec.AggregateDef aggregate = pair.aggregate();
            String topic = names.source(aggregate.sourceSchema(spec.source().schema()), aggregate.sourceTable());
            String sourceName = "read-" + topic.substring(spec.name().length() + ".src.".length());
            if (!bySource.containsKey(topic) && !lookedUpTopics.contains(topic) && childSources.add(topic)) {
                topology.addSource(sourceName, keySerde.deserializer(), valueSerde.deserializer(), topic);
            }
            String rekey = "rekey-aggregate-" + parent.target() + "-" + aggregate.name();
            String sink = "write-aggregate-items-" + parent.target() + "-" + aggregate.name();
            topology.addProcessor(rekey, () -> new AggregateItemRekeyer(parent.target(), aggregate, sink), sourceName);
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(
                    TransformerLayout.aggregateMembers(parent.target(), aggregate)), Serdes.String(), Serdes.String()), rekey);
            topology.addSink(sink, names.aggregateItems(parent.target()), keySerde.serializer(), valueSerde.serializer(), rekey);
        }
        if (anyReference) {
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.LANDED_IDS),
                    Serdes.String(), Serdes.String()), java.util.stream.Stream.concat(java.util.stream.Stream.of("record-landed"),
                    gates.stream()).toArray(String[]::new));
            // last, so the sub-topologies before it keep their numbers (task ids, state directories) from older versions;
            // no changelog: the topic is the store's log, read whole by every instance before it starts
            topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.LANDED_EVERYWHERE),
                            Serdes.String(), Serdes.String()).withLoggingDisabled(), "read-landed-ids", keySerde.deserializer(),
                    valueSerde.deserializer(), names.landedIds(), "record-landed-everywhere", LandedRecorder.Everywhere::new);
        }
        return topology;
    }

    /** An answer goes to the partition its child's source row came from, which this sub-topology's task reads. */
    private static Optional<Set<Integer>> childPartition(String topic, GenericRecord key, GenericRecord answer, int partitions) {
        return sourcePartition(topic, ParentAnswer.fromAvro(answer).partition(), partitions);
    }

    /**
     * The consolidation of a {@code match-on} target: its mappings' contributions, partitioned by match value, meet
     * in one processor that writes the whole target row.
     */
    private static void addConsolidation(Topology topology, MigrationDef spec, List<TableMappingDef> mappings, AvroSerde keySerde,
                                         AvroSerde valueSerde) {
        TopicNames names = new TopicNames(spec.name());
        String target = mappings.get(0).target();
        String source = "read-contributions-" + target;
        String processor = "consolidate-" + target;
        String output = "write-" + target;
        topology.addSource(source, keySerde.deserializer(), valueSerde.deserializer(), names.contributions(target));
        topology.addProcessor(processor, () -> new ConsolidationProcessor(spec.name(), mappings, valueSerde.serializer(),
                valueSerde.deserializer(), names.contributions(target), output), source);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.consolidated(target)),
                Serdes.String(), Serdes.ByteArray()), processor);
        if (mappings.get(0).id().isAssigned()) {
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TransformerLayout.consolidatedIds(target)),
                    Serdes.String(), Serdes.String()), processor);
        }
        topology.addSink(output, names.out(target), keySerde.serializer(), valueSerde.serializer(), processor);
    }

    /** A contribution goes to the partition of its match value, where every other contribution to that row goes. */
    private static Optional<Set<Integer>> matchPartition(String topic, GenericRecord key, GenericRecord value, int partitions) {
        byte[] match = key.get("match").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return Optional.of(Set.of(org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(match)) % partitions));
    }

    /** An aggregate and the table it belongs to, while the topology is built. */
    private record AggregateOf(TableMappingDef parent, dev.shiftlog.schemas.spec.AggregateDef aggregate) {}

    /** A lookup answer goes to the partition its asking row's source row came from. */
    private static Optional<Set<Integer>> lookupChildPartition(String topic, GenericRecord key, GenericRecord answer, int partitions) {
        return sourcePartition(topic, LookupAnswer.fromAvro(answer).partition(), partitions);
    }

    private static Optional<Set<Integer>> sourcePartition(String topic, int partition, int partitions) {
        if (partition >= partitions) {
            throw new StreamsException(topic + " has " + partitions + " partitions but a row came from source partition "
                    + partition + ": the legacy topics and the transformer's answer topics must have as many partitions (kafka.partitions)");
        }
        return Optional.of(Set.of(partition));
    }

    /**
     * Distinguishes the nodes of a target fed by several legacy tables: {@code map-app_config-from-tls_prompt}.
     * Empty for the usual one-source target, whose names stay {@code map-<target>}.
     */

    /** The output topics of a spec, one per target table. */
    public static List<String> outTopics(MigrationDef spec) {
        TopicNames names = new TopicNames(spec.name());
        return spec.tables().stream().map(t -> names.out(t.target())).distinct().toList();
    }

    public void start() {
        TopicNames names = new TopicNames(spec.name());
        List<String> topics = new ArrayList<>(outTopics(spec));
        topics.add(names.dlq());
        topics.add(names.landed());
        topics.add(names.landedIds());
        // Its inputs too: Streams stops with MissingSourceTopicException if it starts before the producer made them.
        spec.capturedTables().forEach(q -> topics.add(names.source(q.substring(0, q.indexOf('.')), q.substring(q.indexOf('.') + 1))));
        spec.tables().stream().filter(t -> !t.lookups().isEmpty()).forEach(t -> {
            topics.add(names.lookups(t.target()));
            topics.add(names.lookupAnswers(t.target()));
            topics.add(names.lookupRows());
        });
        spec.tables().stream().filter(t -> !t.aggregates().isEmpty()).forEach(t -> {
            topics.add(names.aggregates(t.target()));
            topics.add(names.aggregateItems(t.target()));
            topics.add(names.aggregateAnswers(t.target()));
        });
        spec.tables().stream().filter(t -> t.matchOn() != null).forEach(t -> topics.add(names.contributions(t.target())));
        spec.tables().stream().filter(t -> t.hasReferences()).forEach(t -> {
            topics.add(names.references(t.target()));
            topics.add(names.parentAnswers(t.target()));
        });
        new TopicProvisioner(kafkaConfig).ensure(topics.stream().distinct().toList(), spec.kafka().partitions(), names);
        streams = new KafkaStreams(buildTopology(spec, registry), config(spec, kafkaConfig, stateDir));
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("transformer stopped: {}", e.getMessage(), e);
            failed.completeExceptionally(e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();
        LOG.info("transformer started for {} table mapping(s)", spec.tables().size());
    }

    /** Completes exceptionally when the stage stopped on an error (a row that cannot be mapped, a lost broker). */
    public CompletableFuture<Void> failed() {
        return failed;
    }

    public KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.CREATED : streams.state();
    }

    @Override
    public void close() {
        if (streams != null) {
            // leave the group now rather than after the session timeout: cleanup waits for an empty group
            streams.close(org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                    org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(java.time.Duration.ofSeconds(30)));
        }
    }
}
