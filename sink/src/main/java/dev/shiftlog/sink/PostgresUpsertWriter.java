package dev.shiftlog.sink;

import dev.shiftlog.schemas.catalog.BookkeepingTable;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.rows.PgCopyText;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.spec.ConnectionDef;
import dev.shiftlog.schemas.spec.OnError;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.io.IOException;
import java.io.StringReader;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Savepoint;
import java.util.Collection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.generic.GenericData;
import org.postgresql.util.PSQLException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Applies table batches to PostgreSQL in one transaction: rows are COPYed into a temporary staging table, then
 * merged with {@code INSERT … ON CONFLICT (key) DO UPDATE}; deleted keys are COPYed and removed with
 * {@code DELETE … USING}. Replaying a batch leaves the target unchanged.
 *
 * <p>A table that was empty when this writer first met it gets its rows COPYed straight in, the initial load's
 * fast path, until a row meets a key that exists (a change of a loaded row, a batch replayed after a crash): that
 * COPY is rolled back to its savepoint, and the table is merged through staging from then on.
 */
final class PostgresUpsertWriter {
    private final ConnectionDef target;
    private final String migration;
    private final Connection connection;
    private final CopyManager copy;
    private final Set<String> stagingTables = new HashSet<>();
    /** table → legacy key → id the database assigned, for {@code id: target} tables, from the last {@link #write}. */
    private final Map<String, Map<String, String>> assignedIds = new java.util.HashMap<>();
    /** target table \0 constraint name → whether that foreign key covers the table's spec reference column. */
    private final Map<String, Boolean> referenceConstraints = new java.util.HashMap<>();
    /** target table → whether its rows still go in by a plain COPY (see the class comment). */
    private final Map<String, Boolean> copyStraightIn = new java.util.HashMap<>();

    /** @param migration the migration's name, the first column of {@value TableMappingDef#ID_MAP} */
    PostgresUpsertWriter(String migration, ConnectionDef target, Connection connection, boolean needsIdMap) throws SQLException {
        this.migration = migration;
        this.target = target;
        this.connection = connection;
        this.connection.setAutoCommit(false);
        this.copy = connection.unwrap(PGConnection.class).getCopyAPI();
        try (Statement s = connection.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
        }
        if (needsIdMap) {
            BookkeepingTable.createIfAbsent(connection, qualified(TableMappingDef.ID_MAP), "migration text NOT NULL,"
                    + " target_table text NOT NULL, legacy_key text NOT NULL, new_id text NOT NULL,"
                    + " PRIMARY KEY (migration, target_table, legacy_key)");
        }
        connection.commit();
    }

    /** What one {@link #write} did besides landing rows. */
    record Outcome(List<RejectedRow> rejected, List<TableBatch.Change> held) {
        static final Outcome CLEAN = new Outcome(List.of(), List.of());
    }

    /**
     * Writes all batches in one transaction and commits, in two phases: first per table (in landing order) the
     * deletes of keys written again and the rows; then, children first, the deletes of keys that stay deleted. When
     * the database refuses a change, only its phase is redone change by change under savepoints, in passes until no
     * further change succeeds (a change refused only because of another change's order lands in a later pass). What
     * is still refused then:
     * <ul>
     * <li>a delete refused by a foreign key is <em>held</em> — returned so the stage retries it once the rows that
     * reference it have moved or gone (they may be in another partition or table, applied later);</li>
     * <li>so is a row refused by the foreign key of its spec reference: the transformer sent it only after its parent
     * landed, so the parent was deleted since — this is an older version, and the newer one (another parent, or
     * none) is on its way in this partition, or the parent comes back;</li>
     * <li>with {@code on-error: dlq} any other change is returned for the DLQ, and the rest is committed;</li>
     * <li>with {@code stop} nothing is committed and the exception names the table, legacy key and reason.</li>
     * </ul>
     * A DEFERRABLE constraint refused at COMMIT fails the whole transaction: it is redone change by change with every
     * constraint checked at once. A lost connection throws {@link TargetUnavailableException}, a deadlock with another
     * sink {@link TargetConflictException}; nothing is committed then and the batch can be written again.
     *
     * @param tableOrder target tables in landing order (referenced tables first)
     */
    Outcome write(List<TableBatch> batches, Function<String, TableMappingDef> tables, List<String> tableOrder) throws SinkException {
        List<TableBatch> ordered = new ArrayList<>(batches);
        ordered.sort(java.util.Comparator.comparingInt(b -> tableOrder.indexOf(b.table())));
        assignedIds.clear();
        try {
            prepareStaging(ordered, tables);
            boolean anyRows = ordered.stream().anyMatch(b -> b.upsertCount() > 0);
            boolean anyDeletes = ordered.stream().anyMatch(b -> b.deleteCount() > 0);
            List<Step> refusedRows = !anyRows ? List.of() : applyPhase(() -> rowSteps(ordered, tables), () -> {
                for (TableBatch batch : ordered) {
                    upsert(batch, tables.apply(batch.table()));
                }
            });
            List<TableBatch.Change> stillReferenced = new ArrayList<>();
            boolean[] setBased = {false};
            List<Step> refusedDeletes = !anyDeletes ? List.of() : applyPhase(() -> deleteSteps(ordered, tables), () -> {
                stillReferenced.clear();
                for (int i = ordered.size() - 1; i >= 0; i--) {
                    stillReferenced.addAll(deleteUnreferenced(tables.apply(ordered.get(i).table()), ordered.get(i).deletesAfterRows()));
                }
                setBased[0] = true;
            });
            Outcome outcome = classify(refusedRows, refusedDeletes);
            if (setBased[0] && !stillReferenced.isEmpty()) {
                List<TableBatch.Change> held = new ArrayList<>(outcome.held());
                held.addAll(stillReferenced);
                outcome = new Outcome(outcome.rejected(), held);
            }
            connection.commit();
            return outcome;
        } catch (SQLException | IOException e) {
            rollback();
            failIfConnectionLost(e);
            if (!isRowLevel(e)) {
                throw new SinkException("writing to " + target.url() + " failed; the batch was rolled back and its offsets not"
                        + " committed, so it is retried after the fix: " + e.getMessage(), e);
            }
        } catch (SinkException e) {
            rollback();
            throw e;
        }
        return writeChangeByChange(ordered, tables); // refused at COMMIT: a deferred constraint
    }

    /** One set-based write of a phase, for {@link #applyPhase}. */
    private interface PhaseWrite {
        void run() throws SQLException, IOException;
    }

    /**
     * Runs a phase as one set-based write under a savepoint; when the database refuses
     * a row in it, redoes just this phase change by change. Returns the changes still refused.
     */
    private List<Step> applyPhase(java.util.function.Supplier<List<Step>> steps, PhaseWrite write) throws SQLException, IOException {
        Savepoint phase = connection.setSavepoint();
        try {
            write.run();
            connection.releaseSavepoint(phase);
            return List.of();
        } catch (SQLException | IOException e) {
            connection.rollback(phase);
            if (!isRowLevel(e)) {
                throw e;
            }
        }
        assignedIds.clear(); // the rolled-back ids; the passes below collect them again
        return changeByChange(steps.get()); // the per-change steps only when a phase was refused: off the hot path
    }

    private static List<Step> rowSteps(List<TableBatch> ordered, Function<String, TableMappingDef> tables) {
        List<Step> steps = new ArrayList<>();
        for (TableBatch batch : ordered) {
            TableMappingDef table = tables.apply(batch.table());
            batch.rowChanges().forEach(c -> steps.add(new Step(table, c, false)));
        }
        return steps;
    }

    private static List<Step> deleteSteps(List<TableBatch> ordered, Function<String, TableMappingDef> tables) {
        List<Step> steps = new ArrayList<>();
        for (int i = ordered.size() - 1; i >= 0; i--) {
            TableMappingDef table = tables.apply(ordered.get(i).table());
            ordered.get(i).deletesAfterRows().forEach(c -> steps.add(new Step(table, c, false)));
        }
        return steps;
    }

    /** One change with the table it belongs to and, once refused, why. */
    private static final class Step {
        final TableMappingDef table;
        final TableBatch.Change change;
        final boolean rewritten;
        Exception refusal;

        Step(TableMappingDef table, TableBatch.Change change, boolean rewritten) {
            this.table = table;
            this.change = change;
            this.rewritten = rewritten;
        }
    }

    /** Enough for chains of changes refused only because of their order. */
    private static final int MAX_PASSES = 8;

    /** Set-based writes the last isolation of refused changes took; a test's measure that it stays logarithmic. */
    int lastIsolationWrites;

    /**
     * Finds the refused changes among {@code steps} by halving: a run of changes is written set-based under one
     * savepoint and split in two only when refused, so k refused changes among n cost about 2·k·log₂(n) writes, not
     * n. One change at a time made a 16,000-change batch with one refused row take minutes while its row locks made
     * another sink wait (the ChaosIT stall). In passes while some succeed, since a change refused only because of
     * another one's order (a child before its parent in the same table) lands in a later pass; returns the ones still
     * refused.
     */
    private List<Step> changeByChange(List<Step> steps) throws SQLException, IOException {
        lastIsolationWrites = 0;
        List<Step> pending = steps;
        for (int pass = 0; pass < MAX_PASSES && !pending.isEmpty(); pass++) {
            List<Step> refused = new ArrayList<>();
            isolate(pending, refused);
            boolean progress = refused.size() < pending.size();
            pending = refused;
            if (!progress) {
                break;
            }
        }
        return pending;
    }

    /** Writes {@code steps} under a savepoint; when refused, halves them, down to the single changes refused. */
    private void isolate(List<Step> steps, List<Step> refused) throws SQLException, IOException {
        Savepoint savepoint = connection.setSavepoint();
        lastIsolationWrites++;
        try {
            applyAll(steps);
            connection.releaseSavepoint(savepoint);
            return;
        } catch (SQLException | IOException e) {
            connection.rollback(savepoint);
            if (!isRowLevel(e)) {
                throw e;
            }
            if (steps.size() == 1) {
                steps.get(0).refusal = e;
                refused.add(steps.get(0));
                return;
            }
        }
        int half = steps.size() / 2;
        isolate(steps.subList(0, half), refused);
        isolate(steps.subList(half, steps.size()), refused);
    }

    /** Writes steps in their order, one set-based statement per run of the same table, kind and row shape. */
    private void applyAll(List<Step> steps) throws SQLException, IOException {
        int start = 0;
        while (start < steps.size()) {
            Step first = steps.get(start);
            int end = start + 1;
            while (end < steps.size() && sameWrite(first, steps.get(end))) {
                end++;
            }
            List<TableBatch.Change> run = steps.subList(start, end).stream().map(s -> s.change).toList();
            if (first.change.isDelete()) {
                deleteKeys(first.table, run);
            } else {
                upsertRows(first.table, first.change.value().getSchema(), run.stream().map(TableBatch.Change::value).toList());
            }
            start = end;
        }
    }

    private static boolean sameWrite(Step a, Step b) {
        return a.table == b.table && a.change.isDelete() == b.change.isDelete()
                && (a.change.isDelete() || a.change.value().getSchema().equals(b.change.value().getSchema()));
    }

    /** Held deletes, DLQ entries, or (on-error: stop) the exception, for what stayed refused. */
    private Outcome classify(List<Step> refusedRows, List<Step> refusedDeletes) throws SQLException {
        if (refusedRows.isEmpty() && refusedDeletes.isEmpty()) {
            return Outcome.CLEAN;
        }
        List<RejectedRow> rejected = new ArrayList<>();
        List<TableBatch.Change> held = new ArrayList<>();
        List<Step> all = new ArrayList<>(refusedRows);
        all.addAll(refusedDeletes);
        for (Step step : all) {
            if (!step.rewritten && isForeignKeyViolation(step.refusal)
                    && (step.change.isDelete() || violatesSpecReference(step.table, step.refusal))) {
                held.add(step.change);
                continue;
            }
            String legacyKey = legacyKey(step.table, step.change);
            if (step.table.onError() == OnError.STOP) {
                throw new SinkException("target table " + target.schema() + "." + step.table.target() + " refused the row of"
                        + " legacy key " + legacyKey + ": " + step.refusal.getMessage()
                        + " (on-error: stop; fix the target schema or the mapping, or set on-error: dlq)", step.refusal);
            }
            rejected.add(rejection(step.table, step.change, legacyKey, step.refusal));
        }
        return new Outcome(rejected, held);
    }

    /** The whole batch change by change with every constraint checked at once: after a refusal at COMMIT. */
    private Outcome writeChangeByChange(List<TableBatch> ordered, Function<String, TableMappingDef> tables) {
        assignedIds.clear();
        try (Statement s = connection.createStatement()) {
            // a deferred foreign key would otherwise only fail at COMMIT again, where no row can be told apart
            s.execute("SET CONSTRAINTS ALL IMMEDIATE");
            Outcome outcome = classify(changeByChange(rowSteps(ordered, tables)), changeByChange(deleteSteps(ordered, tables)));
            connection.commit();
            return outcome;
        } catch (SQLException | IOException e) {
            rollback();
            failIfConnectionLost(e);
            throw new SinkException("writing to " + target.url() + " failed while isolating a refused row; nothing was committed: "
                    + e.getMessage(), e);
        } catch (SinkException e) {
            rollback();
            throw e;
        }
    }

    /** The DLQ entry for a change the target refused. */
    static RejectedRow rejection(TableMappingDef table, TableBatch.Change change, String legacyKey, Exception reason) {
        return new RejectedRow("sink", table.target(), change.topic(), change.partition(), change.offset(),
                legacyKey, rule(reason), reason.getMessage(), change.value() == null ? null
                : GenericData.get().toString(change.value()), System.currentTimeMillis());
    }

    private void applyOne(Step step) throws SQLException, IOException {
        if (step.change.isDelete()) {
            deleteKeys(step.table, List.of(step.change));
        } else {
            upsertRows(step.table, step.change.value().getSchema(), List.of(step.change.value()));
        }
    }

    /**
     * Retries changes held back by a foreign key with every constraint checked at once, set-based and split by
     * halving like {@link #write}'s refused rows, rows in landing order and then deletes children first; returns the
     * ones that went through (committed). One change at a time, hundreds of held deletes each made PostgreSQL scan
     * the referencing tables every second while holding locks other sinks waited on (the 100-round chaos stall).
     *
     * @param tableOrder target tables in landing order (referenced tables first)
     */
    List<TableBatch.Change> retryHeld(List<TableBatch.Change> held, Function<String, TableMappingDef> tables,
                                      List<String> tableOrder) throws SinkException {
        assignedIds.clear();
        List<Step> steps = new ArrayList<>();
        held.stream().filter(c -> !c.isDelete()).sorted(java.util.Comparator.comparingInt(c -> tableOrder.indexOf(c.table())))
                .forEach(c -> steps.add(new Step(tables.apply(c.table()), c, false)));
        Map<String, List<TableBatch.Change>> deletes = new java.util.TreeMap<>(java.util.Comparator.comparingInt(t -> -tableOrder.indexOf(t)));
        held.stream().filter(TableBatch.Change::isDelete).forEach(c -> deletes.computeIfAbsent(c.table(), t -> new ArrayList<>()).add(c));
        try (Statement s = connection.createStatement()) {
            prepareStagingOf(held, tables);
            s.execute("SET CONSTRAINTS ALL IMMEDIATE");
            java.util.Set<TableBatch.Change> refused = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            changeByChange(steps).forEach(step -> refused.add(step.change));
            List<Step> deleteSteps = new ArrayList<>();
            deletes.forEach((table, changes) -> changes.forEach(c -> deleteSteps.add(new Step(tables.apply(table), c, false))));
            List<TableBatch.Change> stillReferenced = new ArrayList<>();
            applyPhase(() -> deleteSteps, () -> { // a child inserted meanwhile by another sink: then one by one
                stillReferenced.clear();
                for (Map.Entry<String, List<TableBatch.Change>> e : deletes.entrySet()) {
                    stillReferenced.addAll(deleteUnreferenced(tables.apply(e.getKey()), e.getValue()));
                }
            }).forEach(step -> refused.add(step.change));
            refused.addAll(stillReferenced);
            connection.commit();
            return held.stream().filter(c -> !refused.contains(c)).toList();
        } catch (SQLException | IOException e) {
            // a deadlock or a lost connection: end the transaction, or the held changes applied before it keep their
            // row locks while the stage pauses and other sinks wait on them
            rollback();
            failIfConnectionLost(e);
            throw new SinkException("retrying held changes on " + target.url() + " failed: " + e.getMessage(), e);
        }
    }

    /** Why a held change is still refused: the database's own message for it, for the DLQ when it expires. */
    SQLException refusalOf(TableBatch.Change change, TableMappingDef table) {
        try (Statement s = connection.createStatement()) {
            prepareStagingOf(List.of(change), t -> table);
            s.execute("SET CONSTRAINTS ALL IMMEDIATE");
            Savepoint savepoint = connection.setSavepoint();
            try {
                applyOne(new Step(table, change, false));
                return null;
            } catch (SQLException e) {
                return e;
            } finally {
                connection.rollback(savepoint);
                connection.rollback();
            }
        } catch (SQLException | IOException e) {
            rollback();
            return e instanceof SQLException sql ? sql : new SQLException(e.getMessage(), e);
        }
    }

    /**
     * Creates (and commits) every staging table the batches need before any row is written: a temporary table
     * created inside a savepoint that is rolled back would vanish while this writer still believed it existed.
     */
    private void prepareStaging(List<TableBatch> batches, Function<String, TableMappingDef> tables) throws SQLException {
        for (TableBatch batch : batches) {
            TableMappingDef table = tables.apply(batch.table());
            if (batch.deleteCount() > 0) {
                ensureStaging(batch.table(), table.rowKeyColumns(), "d", null);
            }
            for (GenericRecord row : batch.upserts()) {
                ensureStaging(table.target(), upsertColumns(table, row.getSchema()), "u", table.legacyKeyOutsideTable());
            }
        }
    }

    /** The staging tables of single changes (held ones), committed like {@link #prepareStaging(List, Function)}'s. */
    private void prepareStagingOf(Collection<TableBatch.Change> changes, Function<String, TableMappingDef> tables) throws SQLException {
        for (TableBatch.Change change : changes) {
            TableMappingDef table = tables.apply(change.table());
            if (change.isDelete()) {
                ensureStaging(change.table(), table.rowKeyColumns(), "d", null);
            } else {
                ensureStaging(table.target(), upsertColumns(table, change.value().getSchema()), "u", table.legacyKeyOutsideTable());
            }
        }
    }

    /** The id the database assigned to a row of an {@code id: target} table in the last committed write, or null. */
    String assignedId(String table, String legacyKey) {
        return assignedIds.getOrDefault(table, Map.of()).get(legacyKey);
    }

    private void rollback() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the stage stops and a restart reconnects
        }
    }

    /** Thrown when the connection to the target is gone: the caller reconnects and writes the same batch again. */
    static class TargetUnavailableException extends SinkException {
        TargetUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Thrown when the database aborted the transaction for a conflict with another writer (a deadlock between two
     * sinks, a serialization failure): the connection is fine and the same batch is simply written again.
     */
    static final class TargetConflictException extends TargetUnavailableException {
        TargetConflictException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Errors after which the same batch can simply be written again: connection errors (08), an administrator
     * shutdown or a server still starting (57P), a deadlock or serialization failure between two sinks (40P01, 40001).
     */
    static boolean isConnectionLost(Exception e) {
        if (!(e instanceof SQLException sql)) {
            return false;
        }
        String state = sql.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P") || state.equals("40P01") || state.equals("40001"));
    }

    private void failIfConnectionLost(Exception e) {
        boolean closed;
        try {
            closed = connection.isClosed();
        } catch (SQLException ignored) {
            closed = true;
        }
        if (!closed && e instanceof SQLException sql && ("40P01".equals(sql.getSQLState()) || "40001".equals(sql.getSQLState()))) {
            throw new TargetConflictException("the target database aborted the batch for a conflict with another writer ("
                    + e.getMessage() + "); nothing of it was committed", e);
        }
        if (isConnectionLost(e) || closed) {
            throw new TargetUnavailableException("lost the connection to " + target.url() + " (" + e.getMessage()
                    + "); nothing of the batch was committed", e);
        }
    }

    private static boolean isForeignKeyViolation(Exception e) {
        return e instanceof SQLException sql && "23503".equals(sql.getSQLState());
    }

    /** Whether the violated constraint covers one of the table's spec reference columns, from the catalog (cached). */
    private boolean violatesSpecReference(TableMappingDef table, Exception e) throws SQLException {
        if (!table.hasReferences() || !(e instanceof PSQLException p) || p.getServerErrorMessage() == null
                || p.getServerErrorMessage().getConstraint() == null) {
            return false;
        }
        String constraint = p.getServerErrorMessage().getConstraint();
        String cacheKey = table.target() + '\u0000' + constraint;
        Boolean known = referenceConstraints.get(cacheKey);
        if (known == null) {
            try (PreparedStatement q = connection.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_attribute a"
                    + " ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) WHERE c.contype = 'f' AND c.conname = ?"
                    + " AND c.conrelid = ?::regclass AND a.attname = ANY (?))")) {
                q.setString(1, constraint);
                q.setString(2, quote(target.schema()) + "." + quote(table.target()));
                q.setArray(3, connection.createArrayOf("text", table.references().stream().map(ColumnDef::target).toArray()));
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    known = rs.getBoolean(1);
                }
            }
            referenceConstraints.put(cacheKey, known);
        }
        return known;
    }


    /** Data exceptions (22) and integrity violations (23) are about a row; anything else is about the database. */
    private static boolean isRowLevel(Exception e) {
        return e instanceof SQLException sql && sql.getSQLState() != null
                && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"));
    }

    private static String rule(Exception e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null && p.getServerErrorMessage().getConstraint() != null) {
            return "target constraint " + p.getServerErrorMessage().getConstraint();
        }
        return e instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")
                ? "target constraint" : "target value";
    }

    private static String legacyKey(TableMappingDef table, TableBatch.Change change) {
        if (change.value() != null && change.value().getSchema().getField(table.legacyKey()) != null) {
            return String.valueOf(change.value().get(table.legacyKey()));
        }
        return change.key().getSchema().getFields().size() == 1 ? String.valueOf(change.key().get(0)) : change.key().toString();
    }

    /** One COPY + INSERT per row shape: rows of one target can come from several mappings with different columns. */
    private void upsert(TableBatch batch, TableMappingDef table) throws SQLException, IOException {
        if (batch.upsertCount() == 0) {
            return;
        }
        Map<Schema, List<GenericRecord>> byShape = new LinkedHashMap<>();
        for (GenericRecord row : batch.upserts()) {
            byShape.computeIfAbsent(row.getSchema(), s -> new ArrayList<>()).add(row);
        }
        for (Map.Entry<Schema, List<GenericRecord>> shape : byShape.entrySet()) {
            upsertRows(table, shape.getKey(), shape.getValue());
        }
    }

    /**
     * COPY into the staging table, then one INSERT … ON CONFLICT. For database-assigned ids ({@code id: target})
     * the row key is the legacy key and RETURNING reports the ids the database gave, for {@code <m>.landed}.
     */
    private void upsertRows(TableMappingDef mapping, Schema schema, List<GenericRecord> rows) throws SQLException, IOException {
        String table = mapping.target();
        String key = mapping.rowKeyColumn();
        List<String> keys = mapping.rowKeyColumns();
        String keyList = keys.stream().map(PostgresUpsertWriter::quote).collect(Collectors.joining(", "));
        List<String> fields = schema.getFields().stream().map(Schema.Field::name).toList();
        boolean idMap = mapping.keepsLegacyKeyInIdMap();
        List<String> columns = upsertColumns(mapping, schema);
        String stage = stagingName(table, columns, "u", mapping.legacyKeyOutsideTable());
        StringBuilder data = new StringBuilder(rows.size() * 64);
        for (GenericRecord row : rows) {
            appendRow(data, row, schema);
        }
        String columnList = columns.stream().map(PostgresUpsertWriter::quote).collect(Collectors.joining(", "));
        String fieldList = fields.stream().map(PostgresUpsertWriter::quote).collect(Collectors.joining(", "));
        if (copiesStraightIn(mapping) && copiedStraightIn(table, fieldList, data)) {
            return;
        }
        copy.copyIn("COPY " + stage + " (" + fieldList + ") FROM STDIN", new StringReader(data.toString()));
        String updates = columns.stream().filter(c -> !keys.contains(c))
                .map(c -> quote(c) + " = EXCLUDED." + quote(c)).collect(Collectors.joining(", "));
        boolean assignedByTarget = mapping.id() == dev.shiftlog.schemas.spec.IdStrategy.TARGET;
        if (assignedByTarget && updates.isEmpty()) {
            updates = quote(key) + " = EXCLUDED." + quote(key); // so RETURNING also reports rows that existed
        }
        // in key order: two sinks writing one table lock its rows in the same order, so they wait instead of deadlocking
        String insert = "INSERT INTO " + qualified(table) + " (" + columnList + ") SELECT " + columnList
                + " FROM " + stage + " ORDER BY " + keyList + " ON CONFLICT (" + keyList + ") DO " + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates);
        try (Statement s = connection.createStatement()) {
            if (assignedByTarget) {
                Map<String, String> ids = assignedIds.computeIfAbsent(table, t -> new java.util.HashMap<>());
                try (java.sql.ResultSet rs = s.executeQuery(insert + " RETURNING " + quote(key) + "::text, " + quote(mapping.key()) + "::text")) {
                    while (rs.next()) {
                        ids.put(rs.getString(1), rs.getString(2));
                    }
                }
            } else {
                s.executeUpdate(insert);
            }
            if (idMap) {
                s.executeUpdate("INSERT INTO " + qualified(TableMappingDef.ID_MAP) + " SELECT " + literal(migration) + ", "
                        + literal(table) + ", " + quote(TableMappingDef.ID_MAP) + ", " + quote(key) + "::text FROM " + stage
                        + " ON CONFLICT (migration, target_table, legacy_key) DO UPDATE SET new_id = EXCLUDED.new_id");
            }
            s.execute("TRUNCATE " + stage);
        }
    }

    /**
     * Whether the table's rows may go in by a plain COPY: ids the database assigns must be read back, and an id map
     * is written beside the rows, so both always merge through staging; otherwise only a table empty when first met.
     */
    private boolean copiesStraightIn(TableMappingDef mapping) throws SQLException {
        if (mapping.id() == dev.shiftlog.schemas.spec.IdStrategy.TARGET || mapping.keepsLegacyKeyInIdMap()) {
            return false;
        }
        Boolean straight = copyStraightIn.get(mapping.target());
        if (straight == null) {
            try (Statement s = connection.createStatement();
                 java.sql.ResultSet rs = s.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM " + qualified(mapping.target()) + ")")) {
                rs.next();
                straight = rs.getBoolean(1);
            }
            copyStraightIn.put(mapping.target(), straight);
        }
        return straight;
    }

    /**
     * COPYs the rows into the table under a savepoint; false when the database refused them, rolled back: a key that
     * exists ends the table's plain COPYs, any other refusal is met again by the merge, which handles it row by row.
     */
    private boolean copiedStraightIn(String table, String fieldList, StringBuilder data) throws SQLException, IOException {
        Savepoint before = connection.setSavepoint();
        try {
            copy.copyIn("COPY " + qualified(table) + " (" + fieldList + ") FROM STDIN", new StringReader(data.toString()));
            connection.releaseSavepoint(before);
            return true;
        } catch (SQLException e) {
            connection.rollback(before);
            if ("23505".equals(e.getSQLState())) {
                copyStraightIn.put(table, false);
            }
            return false;
        }
    }

    /** The target columns a row shape writes: with an id map the legacy key travels in staging, not in the table. */
    private static List<String> upsertColumns(TableMappingDef mapping, Schema schema) {
        List<String> fields = schema.getFields().stream().map(Schema.Field::name).toList();
        String outside = mapping.legacyKeyOutsideTable();
        return outside != null ? fields.stream().filter(f -> !f.equals(outside)).toList() : fields;
    }

    private void deleteKeys(TableMappingDef table, List<TableBatch.Change> deletes) throws SQLException, IOException {
        if (deletes.isEmpty()) {
            return;
        }
        String stage = stageKeys(table, deletes);
        try (Statement s = connection.createStatement()) {
            s.executeUpdate("DELETE FROM " + qualified(table.target()) + " t USING " + stage + " d WHERE " + keyMatch(table));
            forgetIdMapEntries(s, table, stage);
            s.execute("TRUNCATE " + stage);
        }
    }

    /** COPYs the keys of {@code deletes} into the table's delete staging table, for a set-based DELETE … USING it. */
    private String stageKeys(TableMappingDef table, List<TableBatch.Change> deletes) throws SQLException, IOException {
        String stage = stagingName(table.target(), table.rowKeyColumns(), "d", null);
        StringBuilder data = new StringBuilder(deletes.size() * 40);
        for (TableBatch.Change change : deletes) {
            appendRow(data, change.key(), change.key().getSchema());
        }
        copy.copyIn("COPY " + stage + " FROM STDIN", new StringReader(data.toString()));
        return stage;
    }

    /** The target row {@code t} of the staged key {@code d}. */
    private static String keyMatch(TableMappingDef table) {
        return table.rowKeyColumns().stream().map(k -> "t." + quote(k) + " = d." + quote(k)).collect(Collectors.joining(" AND "));
    }

    /** The id map entries of staged keys whose rows are gone. */
    private void forgetIdMapEntries(Statement s, TableMappingDef table, String stage) throws SQLException {
        if (table.keepsLegacyKeyInIdMap()) {
            s.executeUpdate("DELETE FROM " + qualified(TableMappingDef.ID_MAP) + " m USING " + stage + " d WHERE m.migration = "
                    + literal(migration) + " AND m.target_table = " + literal(table.target()) + " AND m.new_id = d."
                    + quote(table.rowKeyColumn()) + "::text AND NOT EXISTS (SELECT 1 FROM " + qualified(table.target()) + " t WHERE "
                    + keyMatch(table) + ")");
        }
    }

    /** A foreign key that refuses the delete of a row it references: the referencing table and the column pairs. */
    private record ReferencingKey(String child, List<String> childColumns, List<String> parentColumns) {}

    /** Per target table, the foreign keys (of any table) that refuse deleting its rows (NO ACTION or RESTRICT). */
    private final Map<String, List<ReferencingKey>> referencingKeys = new java.util.HashMap<>();

    private List<ReferencingKey> referencingKeys(TableMappingDef table) throws SQLException {
        List<ReferencingKey> known = referencingKeys.get(table.target());
        if (known != null) {
            return known;
        }
        List<ReferencingKey> keys = new ArrayList<>();
        try (java.sql.PreparedStatement ps = connection.prepareStatement("""
                SELECT c.conrelid::regclass::text,
                       array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
                             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o),
                       array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
                             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)
                FROM pg_constraint c WHERE c.contype = 'f' AND c.confdeltype IN ('a', 'r') AND c.confrelid = ?::regclass
                ORDER BY c.conname""")) {
            ps.setString(1, qualified(table.target()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(new ReferencingKey(rs.getString(1), List.of((String[]) rs.getArray(2).getArray()),
                            List.of((String[]) rs.getArray(3).getArray())));
                }
            }
        }
        referencingKeys.put(table.target(), keys);
        return keys;
    }

    /**
     * Deletes the rows of {@code deletes} that no row references any more and returns the ones still referenced,
     * without a refusal: a parent deleted in the legacy database whose children's moves sit in other partitions, not
     * applied yet, is the normal case under CDC, and finding it by refusal costs a rolled-back write of the whole run
     * (with halving, many) while holding locks other sinks wait on. In passes, so a parent whose last children go in
     * the same batch goes too. A child inserted by another sink between the check and the delete still makes the
     * database refuse the statement; the caller then isolates the changes one by one.
     */
    private List<TableBatch.Change> deleteUnreferenced(TableMappingDef table, List<TableBatch.Change> deletes) throws SQLException, IOException {
        List<ReferencingKey> guards = referencingKeys(table);
        if (guards.isEmpty() || deletes.isEmpty()) {
            deleteKeys(table, deletes);
            return List.of();
        }
        List<String> keys = table.rowKeyColumns();
        String stage = stageKeys(table, deletes);
        String match = keyMatch(table);
        StringBuilder unreferenced = new StringBuilder();
        for (ReferencingKey guard : guards) {
            unreferenced.append(" AND NOT EXISTS (SELECT 1 FROM ").append(guard.child()).append(" c WHERE ");
            for (int i = 0; i < guard.childColumns().size(); i++) {
                unreferenced.append(i == 0 ? "" : " AND ").append("c.").append(quote(guard.childColumns().get(i))).append(" = t.")
                        .append(quote(guard.parentColumns().get(i)));
            }
            unreferenced.append(')');
        }
        List<TableBatch.Change> referenced = new ArrayList<>();
        try (Statement s = connection.createStatement()) {
            String delete = "DELETE FROM " + qualified(table.target()) + " t USING " + stage + " d WHERE " + match + unreferenced;
            int deleted = 0;
            for (int pass = 0, n = -1; pass < 64 && n != 0 && deleted < deletes.size(); pass++) {
                n = s.executeUpdate(delete); // each pass can free the parents of the rows the last one deleted
                deleted += n;
            }
            forgetIdMapEntries(s, table, stage);
            Set<String> left = new HashSet<>();
            try (ResultSet rs = s.executeQuery("SELECT " + keys.stream().map(k -> "d." + quote(k) + "::text").collect(Collectors.joining(" || '/' || "))
                    + " FROM " + stage + " d WHERE EXISTS (SELECT 1 FROM " + qualified(table.target()) + " t WHERE " + match + ")")) {
                while (rs.next()) {
                    left.add(rs.getString(1));
                }
            }
            s.execute("TRUNCATE " + stage);
            for (TableBatch.Change change : deletes) {
                if (left.contains(dev.shiftlog.schemas.rows.AvroValues.keyText(change.key()))) {
                    referenced.add(change);
                }
            }
        }
        return referenced;
    }

    private static void appendRow(StringBuilder out, GenericRecord row, Schema schema) {
        List<Schema.Field> fields = schema.getFields();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append('\t');
            }
            PgCopyText.append(out, fields.get(i).schema(), row.get(i));
        }
        out.append('\n');
    }

    private static String stagingName(String table, List<String> columns, String kind, String legacyKeyField) {
        return quote("shiftlog_stage_" + kind + "_" + table + "_" + Integer.toHexString(columns.hashCode()) + (legacyKeyField != null ? "_m" : ""));
    }

    /**
     * A session-local table with the target's column types and no constraints, created once per column set; with
     * {@code legacyKeyField} it has one more text column for a legacy key that is no column of the table (on its way
     * to the id map, or a link table's). Created and
     * committed on its own, before any row of a transaction is written.
     */
    private void ensureStaging(String table, List<String> columns, String kind, String legacyKeyField) throws SQLException {
        String name = stagingName(table, columns, kind, legacyKeyField);
        if (!stagingTables.add(name)) {
            return;
        }
        String columnList = columns.stream().map(PostgresUpsertWriter::quote).collect(Collectors.joining(", "));
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TEMP TABLE IF NOT EXISTS " + name + " AS SELECT " + columnList
                    + (legacyKeyField != null ? ", NULL::text AS " + quote(legacyKeyField) : "") + " FROM "
                    + qualified(table) + " WITH NO DATA");
            connection.commit();
        } catch (SQLException e) {
            stagingTables.remove(name);
            throw e;
        }
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private String qualified(String table) {
        return SqlIdentifiers.qualified(target.schema(), table);
    }

    private static String quote(String identifier) {
        return SqlIdentifiers.quote(identifier);
    }
}
