package dev.shiftlog.operate.verify;

import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.TableInfo;
import dev.shiftlog.schemas.rows.IdRegistry;
import dev.shiftlog.schemas.rows.PostgresRowShape;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Streams the live rows of one legacy table as the same Avro records the producer makes of Debezium's events, so
 * {@code verify} can feed them to the very {@code RowMapper} the transformer runs: the schemas come from
 * {@link dev.shiftlog.schemas.rows.PostgresType}, the producer's table; the values are JDBC's, converted to the same conventions
 * (unconstrained {@code numeric} as its plain text without trailing zeros, as Debezium normalizes it).
 */
public final class LegacyRowReader implements AutoCloseable {
    private static final int FETCH_SIZE = 5_000;

    private final PreparedStatement statement;
    private final ResultSet rows;
    /** Whether this reader opened a transaction for its cursor, which {@link #close} ends. */
    private final boolean inTransaction;
    private final Schema keySchema;
    private final Schema valueSchema;
    /** For a PostgreSQL source: its rows as Avro; null for SQLite. */
    private final PostgresRowShape shape;
    /** For a SQLite source: its reader, which the capture reads through too; the fields above are unused then. */
    private final dev.shiftlog.schemas.rows.SqliteTableReader sqlite;

    /**
     * @param primaryKey the legacy table's key columns, in key order (from the catalog)
     */
    public LegacyRowReader(Connection connection, String schema, String table, List<String> primaryKey) throws SQLException {
        this(connection, schema, table, primaryKey, true);
    }

    /** @param read false to learn the table's shape only: the query is described, never run */
    private LegacyRowReader(Connection connection, String schema, String table, List<String> primaryKey, boolean read)
            throws SQLException {
        if (read) {
            connection.setAutoCommit(false); // a cursor: the driver fetches FETCH_SIZE rows at a time, memory stays flat
        }
        statement = connection.prepareStatement("SELECT * FROM " + SqlIdentifiers.qualified(schema, table));
        statement.setFetchSize(FETCH_SIZE);
        shape = PostgresRowShape.of(statement.getMetaData(), "shiftlog.verify", table, primaryKey, false);
        valueSchema = shape.valueSchema();
        keySchema = shape.keySchema();
        rows = read ? statement.executeQuery() : null;
        inTransaction = read;
        sqlite = null;
    }

    private LegacyRowReader(dev.shiftlog.schemas.rows.SqliteTableReader sqlite) {
        this.sqlite = sqlite;
        this.statement = null;
        this.rows = null;
        this.inTransaction = false;
        this.shape = null;
        this.keySchema = sqlite.keySchema();
        this.valueSchema = sqlite.valueSchema();
    }

    /** A reader of the legacy table a mapping reads; the error says how to find out what is wrong. */
    public static LegacyRowReader forMapping(Connection source, MigrationDef spec, TableMappingDef mapping) throws SQLException {
        return forMapping(source, spec, mapping, true);
    }

    /**
     * The transformer's row function for a mapping, built from the legacy table's shape alone (no row is read), e.g.
     * to learn the types the mapping writes.
     */
    public static RowMapper mapperOf(Connection source, MigrationDef spec, TableMappingDef mapping) throws SQLException {
        try (LegacyRowReader shape = forMapping(source, spec, mapping, false)) {
            return shape.mapper(spec, mapping);
        }
    }

    /** A reader of any legacy table of the spec's source (PostgreSQL or SQLite); {@code usedBy} names who reads it. */
    public static LegacyRowReader forTable(Connection source, MigrationDef spec, String schema, String table, String usedBy) throws SQLException {
        if (spec.source().isSqlite()) {
            return new LegacyRowReader(new dev.shiftlog.schemas.rows.SqliteTableReader(source, spec.name(), table, spec.source().types()));
        }
        TableInfo info = PostgresCatalog.table(source, schema, table).orElseThrow(() -> new SQLException(
                "legacy table " + schema + "." + table + " of " + usedBy + " does not exist"));
        return new LegacyRowReader(source, schema, table, info.primaryKey());
    }

    private static LegacyRowReader forMapping(Connection source, MigrationDef spec, TableMappingDef mapping, boolean read)
            throws SQLException {
        String schema = mapping.sourceSchema(spec.source().schema());
        if (spec.source().isSqlite()) {
            return forTable(source, spec, schema, mapping.sourceTable(), "mapping '" + mapping.target() + "'");
        }
        TableInfo legacy = PostgresCatalog.table(source, schema, mapping.sourceTable()).orElseThrow(() -> new SQLException(
                "legacy table " + schema + "." + mapping.sourceTable() + " does not exist; run 'shiftlog plan' first"));
        return new LegacyRowReader(source, schema, mapping.sourceTable(), legacy.primaryKey(), read);
    }

    /**
     * The transformer's row function for this reader's rows, with the mapping's siblings as the transformer gives
     * them; random ids cannot be known here ({@link IdRegistry#UNKNOWN}).
     */
    public RowMapper mapper(MigrationDef spec, TableMappingDef mapping) {
        return new RowMapper(spec.name(), mapping, keySchema, valueSchema, IdRegistry.UNKNOWN, spec.mappingsOfSource(mapping));
    }

    public Schema keySchema() {
        return keySchema;
    }

    public Schema valueSchema() {
        return valueSchema;
    }

    /**
     * One legacy row: its key record and its value record, or (a SQLite value that fits no rule of its column) why
     * the capture refuses it; value is null then.
     */
    public record LegacyRow(GenericRecord key, GenericRecord value, String refusal) {
        public LegacyRow(GenericRecord key, GenericRecord value) {
            this(key, value, null);
        }
    }

    /** The next row, or null at the end. */
    public LegacyRow next() throws SQLException {
        if (sqlite != null) {
            dev.shiftlog.schemas.rows.SqliteTableReader.Row row = sqlite.next();
            return row == null ? null : new LegacyRow(row.key(), row.value(), row.refusal());
        }
        if (!rows.next()) {
            return null;
        }
        GenericRecord value = shape.value(rows);
        return new LegacyRow(shape.key(value), value);
    }

    @Override
    public void close() throws SQLException {
        if (sqlite != null) {
            sqlite.close();
            return;
        }
        if (rows != null) {
            rows.close();
        }
        Connection connection = statement.getConnection();
        statement.close();
        if (inTransaction) {
            connection.commit(); // the cursor's read-only transaction: no open snapshot left behind on the legacy server
        }
    }
}
