package dev.shiftlog.producer;

import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.spec.ConnectionDef;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.Properties;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.ReplicationSlotInfo;

/**
 * The replication slot the chunked snapshot is consistent with. Created on a replication connection, the slot
 * exports the snapshot of its consistent point: a row committed before that point is in the snapshot, one committed
 * after is in the slot's stream, never both and never neither. The export lives as long as the creating connection
 * issues no other command, so the snapshot's readers import it before {@link #close}.
 */
final class SnapshotSlot implements AutoCloseable {
    private final Connection replication;
    private final ReplicationSlotInfo info;

    private SnapshotSlot(Connection replication, ReplicationSlotInfo info) {
        this.replication = replication;
        this.info = info;
    }

    /** Whether the legacy database has the slot. */
    static boolean exists(ConnectionDef source, String slot) {
        try (Connection c = PostgresCatalog.open(source);
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new ProducerException("cannot look for the replication slot " + slot + ": " + PostgresCatalog.redact(e.getMessage(), source), e);
        }
    }

    /**
     * Creates the publication (when absent; pgoutput must find it in the catalog as of every change the slot
     * decodes, so it comes first) and then the slot, keeping its exported snapshot alive until {@link #close}.
     *
     * @param tables the captured tables as {@code schema.table}
     */
    static SnapshotSlot create(ConnectionDef source, String name, Collection<String> tables) {
        try (Connection c = PostgresCatalog.open(source)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        String list = tables.stream().map(t -> {
                            int dot = t.indexOf('.');
                            return SqlIdentifiers.qualified(t.substring(0, dot), t.substring(dot + 1));
                        }).collect(Collectors.joining(", "));
                        try (Statement s = c.createStatement()) {
                            s.execute("CREATE PUBLICATION " + SqlIdentifiers.quote(name) + " FOR TABLE " + list
                                    + " WITH (publish_via_partition_root = true)");
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new ProducerException("cannot create the publication " + name + " in the legacy database: "
                    + PostgresCatalog.redact(e.getMessage(), source) + " (connect as the owner of the captured tables)", e);
        }
        Properties props = new Properties();
        PGProperty.USER.set(props, source.user());
        PGProperty.PASSWORD.set(props, source.password().reveal());
        PGProperty.APPLICATION_NAME.set(props, "shiftlog-snapshot-slot");
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        Connection replication = null;
        try {
            replication = DriverManager.getConnection(source.url(), props);
            ReplicationSlotInfo info = replication.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot()
                    .logical().withSlotName(name).withOutputPlugin("pgoutput").make();
            if (info.getSnapshotName() == null) {
                throw new SQLException("the server exported no snapshot with the slot");
            }
            return new SnapshotSlot(replication, info);
        } catch (SQLException e) {
            closeQuietly(replication);
            throw new ProducerException("cannot create the replication slot " + name + " with an exported snapshot: "
                    + PostgresCatalog.redact(e.getMessage(), source) + " (the user needs the REPLICATION attribute, the server"
                    + " wal_level=logical and a free slot in max_replication_slots)", e);
        }
    }

    /** The exported snapshot, for {@code SET TRANSACTION SNAPSHOT}. */
    String snapshotName() {
        return info.getSnapshotName();
    }

    /** The slot's consistent point: where its stream starts. */
    String consistentPoint() {
        return info.getConsistentPoint().asString();
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is being given up anyway
            }
        }
    }

    /** Ends the export (the slot stays); call once every reader imported the snapshot. */
    @Override
    public void close() {
        closeQuietly(replication);
    }
}
