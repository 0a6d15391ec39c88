package dev.shiftlog.operate.lifecycle;

import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.operate.status.StatusProbe;
import dev.shiftlog.operate.status.StatusReport;
import dev.shiftlog.operate.verify.TargetVerifier;
import dev.shiftlog.operate.verify.VerifyReport;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;

/**
 * The steps of the end of a migration, one method each, in the order {@code cutover} and {@code cleanup} run
 * them; each says why it is needed. The commands only print what the steps return.
 */
public final class MigrationRunbook {
    private final MigrationDef spec;
    private final String slot;
    private final Map<String, Object> kafkaConfig;
    private final SchemaRegistry registry;

    /** @param slot the replication slot the producer captures through */
    public MigrationRunbook(MigrationDef spec, String slot, Map<String, Object> kafkaConfig, SchemaRegistry registry) {
        this.spec = spec;
        this.slot = slot;
        this.kafkaConfig = Map.copyOf(kafkaConfig);
        this.registry = registry;
    }

    /** Why waiting for "no lag" does not suffice: a change committed just now may not be in Kafka yet. This is
     * the legacy database's WAL position now; every change committed before it is at or before it. */
    public String legacyPosition() throws Exception {
        if (spec.source().isSqlite()) {
            throw new IllegalStateException("cutover waits for the legacy log position, and a SQLite source has no log: stop the"
                    + " application's writes, let one more poll of " + spec.source().sqliteFile() + " pass, then 'shiftlog verify'");
        }
        try (Connection legacy = PostgresCatalog.open(spec.source()); Statement s = legacy.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Waits until the slot has confirmed {@code lsn}: the producer confirms a position only after Kafka acknowledged
     * every change up to it, so from then on the rest is lag the status shows.
     *
     * @return empty when captured, else the position the slot confirmed when the deadline passed
     */
    public Optional<String> awaitCaptured(String lsn, Deadline deadline) throws Exception {
        try (Connection legacy = PostgresCatalog.open(spec.source());
             PreparedStatement ps = legacy.prepareStatement("SELECT confirmed_flush_lsn >= ?::pg_lsn, confirmed_flush_lsn::text"
                     + " FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, lsn);
            ps.setString(2, slot);
            String[] confirmed = {null};
            Optional<Boolean> done = deadline.poll(Duration.ofMillis(500), () -> {
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("replication slot " + slot + " does not exist in " + spec.source().url()
                                + ": is 'shiftlog up -f " + spec.file() + "' running?");
                    }
                    confirmed[0] = rs.getString(2);
                    return rs.getBoolean(1) ? Optional.of(true) : Optional.empty();
                }
            });
            return done.isPresent() ? Optional.empty() : Optional.of(String.valueOf(confirmed[0]));
        }
    }

    /** How the wait for a quiet pipeline ended: quiet, or the last sample when the deadline passed. */
    public record Quiet(boolean reached, StatusReport last) {}

    /**
     * Waits for zero lag on every stage and nothing parked, seen twice in a row: a batch in flight between two
     * stages shows as zero lag for a moment.
     */
    public Quiet awaitQuiet(Deadline deadline) throws Exception {
        try (StatusProbe probe = new StatusProbe(spec, kafkaConfig, registry)) {
            int[] quietSamples = {0};
            StatusReport[] last = {null};
            Optional<Boolean> quiet = deadline.poll(Duration.ofSeconds(1), () -> {
                last[0] = probe.sample();
                quietSamples[0] = last[0].totalLag() == 0 && last[0].parked() == 0 ? quietSamples[0] + 1 : 0;
                return quietSamples[0] >= 2 ? Optional.of(true) : Optional.empty();
            });
            return new Quiet(quiet.isPresent(), last[0]);
        }
    }

    /** Compares the target with the legacy rows, with the DLQ read to its end so rejected rows are accounted for. */
    public VerifyReport verify() throws Exception {
        try (DlqTally dlq = new DlqTally(spec, kafkaConfig, registry)) {
            dlq.readToEnd(Duration.ofSeconds(30));
            return new TargetVerifier(spec, dlq).verify();
        }
    }

    /**
     * The transformer and sink consumer groups that still have members: cleanup must not drop what running workers
     * still write (a killed worker leaves its group when its session times out).
     */
    public List<String> runningWorkerGroups() throws Exception {
        TopicNames names = new TopicNames(spec.name());
        List<String> active = new ArrayList<>();
        try (Admin admin = Admin.create(kafkaConfig)) {
            Map<String, ConsumerGroupDescription> groups = admin.describeConsumerGroups(
                    List.of(names.transformerGroup(), names.sinkGroup())).all().get(30, TimeUnit.SECONDS);
            groups.forEach((id, group) -> {
                if (!group.members().isEmpty()) {
                    active.add("consumer group " + id);
                }
            });
        }
        return active;
    }

    /**
     * Forgets how far the sink has written, so the next sink reads every output topic from its beginning and rewrites
     * the target from the log alone (the output topics keep every row's latest version for good). Refuses while a
     * sink runs; returns false when the sink had no progress to forget.
     */
    public boolean forgetSinkProgress() throws Exception {
        String group = new TopicNames(spec.name()).sinkGroup();
        try (Admin admin = Admin.create(kafkaConfig)) {
            ConsumerGroupDescription sink = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
            if (sink != null && !sink.members().isEmpty()) {
                throw new IllegalStateException("consumer group " + group + " still has " + sink.members().size()
                        + " member(s); stop the sink workers first");
            }
            try {
                admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS);
                return true;
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                    return false;
                }
                throw e;
            }
        }
    }
}
