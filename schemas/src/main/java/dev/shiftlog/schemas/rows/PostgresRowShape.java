package dev.shiftlog.schemas.rows;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The rows of a PostgreSQL table's {@code SELECT *} as the producer's Avro key and value records ({@link PostgresType}'s
 * schemas, read by {@link PostgresValueReader}): one place for the chunked snapshot, which publishes them, and for
 * {@code verify}, which maps them as the transformer would.
 */
public final class PostgresRowShape {
    private final Schema keySchema;
    private final Schema valueSchema;
    private final Schema[] columnTypes;
    /** 0-based positions of the key columns among the result's columns, in key order. */
    private final int[] keyPositions;

    private PostgresRowShape(Schema keySchema, Schema valueSchema, Schema[] columnTypes, int[] keyPositions) {
        this.keySchema = keySchema;
        this.valueSchema = valueSchema;
        this.columnTypes = columnTypes;
        this.keyPositions = keyPositions;
    }

    /**
     * @param primaryKey the table's key columns, in key order (from the catalog)
     * @param requiredWhenNotNull NOT NULL columns become required fields, as in Debezium's events (whose key schema
     *     id the snapshot's records must share); false: every value field is optional
     */
    public static PostgresRowShape of(ResultSetMetaData meta, String namespace, String table, List<String> primaryKey,
                                      boolean requiredWhenNotNull) throws SQLException {
        Schema[] types = new Schema[meta.getColumnCount()];
        List<String> names = new ArrayList<>();
        List<Schema.Field> fields = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            types[i - 1] = PostgresType.avroOf(meta.getColumnTypeName(i), meta.getPrecision(i), meta.getScale(i));
            names.add(meta.getColumnName(i));
            String field = AvroValues.fieldName(meta.getColumnName(i));
            fields.add(requiredWhenNotNull && meta.isNullable(i) == ResultSetMetaData.columnNoNulls ? new Schema.Field(field, types[i - 1])
                    : new Schema.Field(field, AvroValues.optional(types[i - 1]), null, Schema.Field.NULL_DEFAULT_VALUE));
        }
        int[] keyPositions = new int[primaryKey.size()];
        List<Schema.Field> keyFields = new ArrayList<>();
        for (int k = 0; k < keyPositions.length; k++) {
            keyPositions[k] = names.indexOf(primaryKey.get(k));
            if (keyPositions[k] < 0) {
                throw new SQLException("key column " + primaryKey.get(k) + " is not among the columns of legacy table " + table);
            }
            keyFields.add(new Schema.Field(AvroValues.fieldName(primaryKey.get(k)), types[keyPositions[k]]));
        }
        return new PostgresRowShape(Schema.createRecord(AvroValues.fieldName(table + "_key"), null, namespace, false, keyFields),
                Schema.createRecord(AvroValues.fieldName(table), null, namespace, false, fields), types, keyPositions);
    }

    public Schema keySchema() {
        return keySchema;
    }

    public Schema valueSchema() {
        return valueSchema;
    }

    /** The current row of {@code rows} as a value record. */
    public GenericRecord value(ResultSet rows) throws SQLException {
        GenericRecord value = new GenericData.Record(valueSchema);
        for (int i = 0; i < columnTypes.length; i++) {
            value.put(i, PostgresValueReader.read(rows, i + 1, columnTypes[i]));
        }
        return value;
    }

    /** The key record of a value record of this shape. */
    public GenericRecord key(GenericRecord value) {
        GenericRecord key = new GenericData.Record(keySchema);
        for (int k = 0; k < keyPositions.length; k++) {
            key.put(k, value.get(keyPositions[k]));
        }
        return key;
    }
}
