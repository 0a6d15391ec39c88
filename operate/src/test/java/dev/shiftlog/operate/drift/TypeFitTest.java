package dev.shiftlog.operate.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shiftlog.operate.drift.TypeFit.Fit;
import dev.shiftlog.schemas.catalog.ColumnInfo;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which mapped values load into which target column types (the sink writes COPY text; PostgreSQL parses it). */
class TypeFitTest {

    private static Schema value(String kind) {
        return switch (kind) {
            case "int" -> Schema.create(Schema.Type.INT);
            case "long" -> Schema.create(Schema.Type.LONG);
            case "double" -> Schema.create(Schema.Type.DOUBLE);
            case "decimal" -> LogicalTypes.decimal(12, 2).addToSchema(Schema.create(Schema.Type.BYTES));
            case "bool" -> Schema.create(Schema.Type.BOOLEAN);
            case "bytes" -> Schema.create(Schema.Type.BYTES);
            case "date" -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
            case "timestamptz" -> LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
            case "timestamp" -> LogicalTypes.localTimestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
            case "uuid" -> LogicalTypes.uuid().addToSchema(Schema.create(Schema.Type.STRING));
            case "text" -> Schema.create(Schema.Type.STRING);
            case "text[]" -> Schema.createArray(Schema.create(Schema.Type.STRING));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @ParameterizedTest(name = "{0} into {1} ({2}): {3}")
    @CsvSource({
            "long, int4, N, OK", "int, int8, N, OK", "decimal, int4, N, DEPENDS", "text, int8, N, DEPENDS",
            "bool, int4, N, NEVER", "uuid, int8, N, NEVER",
            "long, numeric, N, OK", "double, float8, N, OK", "decimal, numeric, N, OK", "date, numeric, N, NEVER",
            "bool, bool, B, OK", "long, bool, B, DEPENDS", "timestamptz, bool, B, NEVER",
            "uuid, uuid, U, OK", "text, uuid, U, DEPENDS", "long, uuid, U, NEVER", "bool, uuid, U, NEVER",
            "date, date, D, OK", "timestamp, date, D, DEPENDS", "long, date, D, NEVER",
            "timestamptz, timestamptz, D, OK", "date, timestamp, D, OK", "text, timestamptz, D, DEPENDS", "bool, timestamptz, D, NEVER",
            "bytes, bytea, U, OK", "text, bytea, U, DEPENDS", "long, bytea, U, NEVER",
            "long, jsonb, U, OK", "bool, json, U, OK", "text, jsonb, U, DEPENDS", "uuid, jsonb, U, NEVER",
            "long, text, S, OK", "uuid, varchar, S, OK", "text[], text, S, DEPENDS",
            "text[], _text, A, OK", "text, _int4, A, DEPENDS", "long, _int4, A, NEVER",
            "text, mood, E, DEPENDS", "bytes, mood, E, NEVER",
            "text, interval, T, DEPENDS",
    })
    void shouldTellWhetherValuesLoad(String kind, String type, char category, Fit expected) {
        ColumnInfo column = new ColumnInfo("c", type, category, type, false, false, false);
        assertThat(TypeFit.fit(value(kind), column)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"int, integer", "long, bigint", "decimal, numeric", "timestamp, timestamp", "timestamptz, timestamptz",
            "uuid, uuid", "text[], text[]", "bytes, bytea"})
    void shouldDescribeValuesInSqlWords(String kind, String words) {
        assertThat(TypeFit.describe(value(kind))).isEqualTo(words);
    }
}
