package dev.shiftlog.producer;

import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.spec.ConnectionDef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the legacy database write into its WAL everything capture needs, before the replication slot exists:
 * without it PostgreSQL silently leaves data out of the change stream.
 *
 * <ul>
 * <li>{@code REPLICA IDENTITY FULL} on every captured table (and every partition of a partitioned one) that has a
 * column PostgreSQL can TOAST: under the default identity an UPDATE that leaves a large value unchanged carries no
 * value for it at all (Debezium would emit its placeholder); with FULL the old row is logged whole and Debezium takes
 * the unchanged value from it. Tables with only fixed-width columns keep their identity (FULL costs WAL).</li>
 * <li>{@code publish_via_partition_root} on the publication when a captured table is partitioned: otherwise changes
 * are published under the partitions' names, which the captured table list does not contain, and never arrive.</li>
 * </ul>
 */
final class CapturePrerequisites {
    private static final Logger LOG = LoggerFactory.getLogger(CapturePrerequisites.class);

    /** What was found and done for one captured table. */
    record TablePreparation(String table, boolean partitioned, List<String> setToFull) {}

    private final ConnectionDef source;
    private final String publication;

    CapturePrerequisites(ConnectionDef source, String publication) {
        this.source = source;
        this.publication = publication;
    }

    /** @param tables the captured tables as {@code schema.table} */
    List<TablePreparation> ensure(Collection<String> tables) {
        List<TablePreparation> done = new ArrayList<>();
        try (Connection c = PostgresCatalog.open(source)) {
            c.setAutoCommit(true);
            boolean anyPartitioned = false;
            for (String qualified : tables) {
                int dot = qualified.indexOf('.');
                TablePreparation p = prepare(c, qualified.substring(0, dot), qualified.substring(dot + 1));
                anyPartitioned |= p.partitioned();
                done.add(p);
            }
            if (anyPartitioned) {
                publishViaRoot(c);
            }
        } catch (SQLException e) {
            throw new ProducerException("cannot prepare the legacy tables for capture: " + PostgresCatalog.redact(e.getMessage(), source)
                    + " (shiftlog sets REPLICA IDENTITY FULL on tables with large-value columns and publish_via_partition_root on"
                    + " its publication; connect as the tables' owner, or run those statements once as the owner)", e);
        }
        return done;
    }

    private TablePreparation prepare(Connection c, String schema, String table) throws SQLException {
        String regclass = SqlIdentifiers.qualified(schema, table);
        boolean partitioned;
        boolean toastable;
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT c.relkind = 'p',
                  EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND t.typlen = -1 AND a.attstorage <> 'p')
                FROM pg_class c WHERE c.oid = ?::regclass""")) {
            ps.setString(1, regclass);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("legacy table " + regclass + " does not exist");
                }
                partitioned = rs.getBoolean(1);
                toastable = rs.getBoolean(2);
            }
        }
        List<String> setToFull = new ArrayList<>();
        if (toastable) {
            // a partitioned table's own setting is only its partitions' default; each leaf writes the WAL
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT r.oid::regclass::text FROM pg_class r
                    WHERE (r.oid = ?::regclass OR r.oid IN (SELECT relid FROM pg_partition_tree(?::regclass)))
                      AND r.relreplident <> 'f'
                    ORDER BY 1""")) {
                ps.setString(1, regclass);
                ps.setString(2, regclass);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        setToFull.add(rs.getString(1));
                    }
                }
            }
            for (String relation : setToFull) {
                try (Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE " + relation + " REPLICA IDENTITY FULL");
                }
                LOG.info("legacy table {}: REPLICA IDENTITY FULL (so an update that leaves a large value unchanged still carries it)",
                        relation);
            }
        }
        return new TablePreparation(schema + "." + table, partitioned, setToFull);
    }

    private void publishViaRoot(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pubviaroot FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getBoolean(1)) {
                    return; // Debezium creates it with the option (publish.via.partition.root)
                }
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("ALTER PUBLICATION " + SqlIdentifiers.quote(publication) + " SET (publish_via_partition_root = true)");
        }
        LOG.info("publication {}: publish_via_partition_root = true (changes of partitions arrive as the partitioned table's)", publication);
    }
}
