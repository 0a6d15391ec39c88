package dev.shiftlog.schemas.rows;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The type table's lookups; the producer-against-verify comparison of real values is cli's TypeTableIT. */
class PostgresTypeTest {
    @Test
    void catalogNamesResolveToTheirTypeAndArraysToTheirElementType() {
        assertThat(PostgresType.of("int4")).isEqualTo(PostgresType.INTEGER);
        assertThat(PostgresType.of("INT8")).isEqualTo(PostgresType.BIGINT);
        assertThat(PostgresType.of("_int4")).isEqualTo(PostgresType.INTEGER);
        assertThat(PostgresType.of("jsonb")).isEqualTo(PostgresType.JSON);
        assertThat(PostgresType.of("tsvector")).isEqualTo(PostgresType.OTHER);
        // as the JDBC driver's result-set metadata names columns with a sequence default (verify's legacy reader)
        assertThat(PostgresType.of("serial")).isEqualTo(PostgresType.INTEGER);
        assertThat(PostgresType.of("bigserial")).isEqualTo(PostgresType.BIGINT);
        assertThat(PostgresType.of("smallserial")).isEqualTo(PostgresType.SMALLINT);
        assertThat(PostgresType.avroOf("_text", 0, 0).toString())
                .isEqualTo("{\"type\":\"array\",\"items\":[\"null\",\"string\"]}");
    }

    @Test
    void numericIsExactWithADeclaredPrecisionAndMarkedTextWithout() {
        Schema declared = PostgresType.avroOf("numeric", 12, 2);
        assertThat(declared.toString()).isEqualTo("{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":12,\"scale\":2}");
        Schema free = PostgresType.avroOf("numeric", 131089, 0); // what the driver reports for a bare numeric
        assertThat(free.getType()).isEqualTo(Schema.Type.STRING);
        assertThat(PostgresType.isUnconstrainedNumeric(free)).isTrue();
        assertThat(PostgresType.isUnconstrainedNumeric(PostgresType.TEXT.avro())).isFalse();
    }

    @Test
    void intervalsAreDebeziumsIsoText() {
        assertThat(PostgresType.isoInterval(1, 2, 3, 4, 5, BigDecimal.valueOf(6.789))).isEqualTo("P1Y2M3DT4H5M6.789S");
        assertThat(PostgresType.isoInterval(0, 0, -1, 2, 3, BigDecimal.valueOf(0.0))).isEqualTo("P0Y0M-1DT2H3M0S");
        assertThat(PostgresType.isoInterval(0, 0, 0, 0, 0, new BigDecimal("1.0000000009"))).isEqualTo("P0Y0M0DT0H0M1S");
        assertThat(PostgresType.isInterval(PostgresType.INTERVAL.avro())).isTrue();
    }

    @Test
    void celTypesFollowFromTheAvroSchema() {
        assertThat(CelTypes.ofPostgres("int2")).isEqualTo(CelTypes.ofAvro(PostgresType.SMALLINT.avro()));
        assertThat(CelTypes.ofPostgres("numeric")).isEqualTo(CelTypes.ofPostgres("text"));
        assertThat(CelTypes.ofPostgres("_int4")).isEqualTo(dev.cel.common.types.SimpleType.DYN);
    }
}
