package dev.shiftlog.operate.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.TopicProvisioner;
import dev.shiftlog.schemas.avro.AvroSerializer;
import dev.shiftlog.schemas.catalog.BookkeepingTable;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The migration's lifecycle trail — run start, snapshot done per table, verify result, cutover, backup, restore,
 * cleanup — in the target's {@value #TABLE} table (what survives, next to the data it describes) and on the
 * {@code <m>.audit} topic (what other tools follow). The table write must succeed; the topic is skipped with a
 * warning when no Kafka cluster is given (backup and restore also run with the pipeline down).
 */
public final class AuditLog implements AutoCloseable {
    public static final String TABLE = "shiftlog_runs";
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    static final Schema EVENT_SCHEMA = SchemaBuilder.record("audit_event").namespace("shiftlog").fields()
            .requiredString("migration").requiredString("event").requiredString("host").requiredString("details")
            .name("at").type(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
            .endRecord();

    private final MigrationDef spec;
    private final KafkaProducer<String, GenericRecord> producer;
    private final String topic;
    private final ObjectMapper json = new ObjectMapper();

    /** @param kafkaConfig client config of the migration's cluster, or null to write the table only */
    public AuditLog(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry) {
        this.spec = spec;
        this.topic = new TopicNames(spec.name()).audit();
        if (kafkaConfig == null) {
            producer = null;
            return;
        }
        try {
            new TopicProvisioner(kafkaConfig).ensure(java.util.List.of(topic), 1, new TopicNames(spec.name()));
        } catch (IllegalStateException e) {
            // the table is the trail that must hold; an unreachable cluster only costs the topic copy
            LOG.warn("audit events go to {} only: {}", TABLE, e.getMessage());
            producer = null;
            return;
        }
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer = new KafkaProducer<>(config, new StringSerializer(), new AvroSerializer(registry, false));
    }

    /** Records one event with its details (small values: counts, file names, LSNs — never secrets). */
    public void record(String event, Map<String, ?> details) {
        String detailJson;
        try {
            detailJson = json.writeValueAsString(new LinkedHashMap<>(details));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit details of " + event + " are not JSON-serializable", e);
        }
        Instant now = Instant.now();
        String host = hostName();
        if (spec.target().isJsonLines()) { // a folder of import files has no table to keep the trail: the topic alone does
            send(event, detailJson, now, host);
            return;
        }
        try (Connection c = PostgresCatalog.open(spec.target())) {
            BookkeepingTable.createIfAbsent(c, table(), "id bigserial PRIMARY KEY, migration text NOT NULL, "
                    + "event text NOT NULL, at timestamptz NOT NULL, host text NOT NULL, details jsonb NOT NULL");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table()
                    + " (migration, event, at, host, details) VALUES (?, ?, ?, ?, ?::jsonb)")) {
                ps.setString(1, spec.name());
                ps.setString(2, event);
                ps.setObject(3, java.time.OffsetDateTime.ofInstant(now, java.time.ZoneOffset.UTC));
                ps.setString(4, host);
                ps.setString(5, detailJson);
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write the audit event '" + event + "' to " + TABLE + " in the target: "
                    + PostgresCatalog.redact(e.getMessage(), spec.target()), e);
        }
        send(event, detailJson, now, host);
    }

    private void send(String event, String detailJson, Instant now, String host) {
        if (producer != null) {
            GenericRecord value = new GenericData.Record(EVENT_SCHEMA);
            value.put("migration", spec.name());
            value.put("event", event);
            value.put("host", host);
            value.put("details", detailJson);
            value.put("at", now.toEpochMilli());
            try {
                producer.send(new ProducerRecord<>(topic, spec.name(), value)).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("audit event '{}' is in {} but not on {}: {}", event, TABLE, topic, e.getMessage());
            }
        } else {
            LOG.info("audit event '{}' recorded in {} (no Kafka cluster given, so not on {})", event, TABLE, topic);
        }
    }

    /** One event of the trail as the target's table keeps it. */
    public record Event(long id, String event, Instant at, String host, com.fasterxml.jackson.databind.JsonNode details) {}

    /** The migration's events in the order they were recorded; empty when nothing was recorded yet. */
    public static java.util.List<Event> events(Connection target, MigrationDef spec) throws SQLException {
        String table = SqlIdentifiers.qualified(spec.target().schema(), TABLE);
        java.util.List<Event> out = new java.util.ArrayList<>();
        if (PostgresCatalog.table(target, spec.target().schema(), TABLE).isEmpty()) {
            return out;
        }
        ObjectMapper json = new ObjectMapper();
        try (PreparedStatement ps = target.prepareStatement("SELECT id, event, at, host, details::text FROM " + table
                + " WHERE migration = ? ORDER BY id")) {
            ps.setString(1, spec.name());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Event(rs.getLong(1), rs.getString(2), rs.getObject(3, java.time.OffsetDateTime.class).toInstant(),
                            rs.getString(4), json.readTree(rs.getString(5))));
                }
            }
        } catch (JsonProcessingException e) {
            throw new SQLException("an audit event in " + table + " does not hold JSON details: " + e.getMessage(), e);
        }
        return out;
    }

    private String table() {
        return SqlIdentifiers.qualified(spec.target().schema(), TABLE);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown";
        }
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
        }
    }
}
