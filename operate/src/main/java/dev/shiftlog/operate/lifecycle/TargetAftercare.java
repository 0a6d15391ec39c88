package dev.shiftlog.operate.lifecycle;

import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What a loaded target needs before the application writes to it, which the sink's explicit values leave undone:
 * every sequence behind a column of a migrated table (serial or identity) moved past the largest value present —
 * else the application's first INSERT collides with a migrated id —, constraints created NOT VALID validated, and
 * fresh planner statistics. {@code plan} shows the steps, {@code cutover} takes them; taking them twice is harmless.
 */
public final class TargetAftercare {
    private final Connection target;
    private final String schema;
    private final List<String> tables;

    public TargetAftercare(Connection target, MigrationDef spec) {
        this.target = target;
        this.schema = spec.target().schema();
        this.tables = spec.targetTables();
    }

    /** A sequence behind a target column, with the largest value the column holds (null when empty). */
    public record SequenceStep(String table, String column, String sequence, Long largest, long lastValue, boolean called) {
        /** Whether the sequence would hand out a value the column already holds. */
        public boolean behind() {
            return largest != null && (largest > lastValue || (largest == lastValue && !called));
        }

        @Override
        public String toString() {
            return table + "." + column + " (" + sequence + "): " + (behind() ? "next value " + (called ? lastValue + 1 : lastValue)
                    + " ≤ largest " + largest + ", to be set past it" : "already past the largest value " + largest);
        }
    }

    /** A constraint created NOT VALID, which PostgreSQL does not check for the rows already present. */
    public record UnvalidatedConstraint(String table, String name) {
        @Override
        public String toString() {
            return table + "." + name + " (NOT VALID)";
        }
    }

    /** The steps for this target, read from its catalog and data; nothing is changed. */
    public record Steps(List<SequenceStep> sequences, List<UnvalidatedConstraint> constraints, List<String> tables) {
        public List<SequenceStep> behind() {
            return sequences.stream().filter(SequenceStep::behind).toList();
        }
    }

    /** What {@link #apply} did, for the summary and the audit. */
    public record Outcome(List<String> done, List<String> failed) {}

    public Steps steps() throws SQLException {
        List<SequenceStep> sequences = new ArrayList<>();
        List<UnvalidatedConstraint> constraints = new ArrayList<>();
        for (String table : tables) {
            String qualified = SqlIdentifiers.qualified(schema, table);
            try (PreparedStatement ps = target.prepareStatement("SELECT a.attname, pg_get_serial_sequence(?, a.attname)"
                    + " FROM pg_attribute a WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped"
                    + " AND pg_get_serial_sequence(?, a.attname) IS NOT NULL ORDER BY a.attnum")) {
                ps.setString(1, qualified);
                ps.setString(2, qualified);
                ps.setString(3, qualified);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sequences.add(sequenceStep(table, rs.getString(1), rs.getString(2)));
                    }
                }
            }
            try (PreparedStatement ps = target.prepareStatement(
                    "SELECT conname FROM pg_constraint WHERE conrelid = ?::regclass AND NOT convalidated ORDER BY conname")) {
                ps.setString(1, qualified);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        constraints.add(new UnvalidatedConstraint(table, rs.getString(1)));
                    }
                }
            }
        }
        return new Steps(sequences, constraints, tables);
    }

    private SequenceStep sequenceStep(String table, String column, String sequence) throws SQLException {
        Long largest;
        try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery("SELECT max(" + SqlIdentifiers.quote(column)
                + ")::bigint FROM " + SqlIdentifiers.qualified(schema, table))) {
            rs.next();
            largest = rs.getObject(1) == null ? null : rs.getLong(1);
        }
        try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery("SELECT last_value, is_called FROM " + sequence)) {
            rs.next();
            return new SequenceStep(table, column, sequence, largest, rs.getLong(1), rs.getBoolean(2));
        }
    }

    /**
     * Sets each sequence that is behind to the largest value (the next one handed out is one more), validates each
     * NOT VALID constraint — one that the rows violate is reported, not fatal —, and ANALYZEs the tables.
     */
    public Outcome apply(Steps steps) throws SQLException {
        List<String> done = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        boolean autoCommit = target.getAutoCommit();
        target.setAutoCommit(true);
        try (Statement s = target.createStatement()) {
            for (SequenceStep step : steps.behind()) {
                // never backwards: the application may have taken values meanwhile
                try (PreparedStatement ps = target.prepareStatement("SELECT setval(?::regclass, greatest(?, (SELECT last_value FROM "
                        + step.sequence() + ")), true)")) {
                    ps.setString(1, step.sequence());
                    ps.setLong(2, step.largest());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        done.add("sequence " + step.sequence() + " of " + step.table() + "." + step.column() + " set to " + rs.getLong(1)
                                + " (next value " + (rs.getLong(1) + 1) + ")");
                    }
                }
            }
            for (UnvalidatedConstraint c : steps.constraints()) {
                try {
                    s.execute("ALTER TABLE " + SqlIdentifiers.qualified(schema, c.table()) + " VALIDATE CONSTRAINT " + SqlIdentifiers.quote(c.name()));
                    done.add("constraint " + c.table() + "." + c.name() + " validated");
                } catch (SQLException e) {
                    failed.add("constraint " + c.table() + "." + c.name() + " does not hold for the rows present: " + e.getMessage());
                }
            }
            for (String table : steps.tables()) {
                s.execute("ANALYZE " + SqlIdentifiers.qualified(schema, table));
            }
            done.add("ANALYZE of " + steps.tables().size() + " table(s): " + String.join(", ", steps.tables()));
        } finally {
            target.setAutoCommit(autoCommit);
        }
        return new Outcome(done, failed);
    }
}
