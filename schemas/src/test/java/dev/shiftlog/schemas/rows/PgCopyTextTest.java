package dev.shiftlog.schemas.rows;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class PgCopyTextTest {
    private static String field(Schema schema, Object value) {
        StringBuilder sb = new StringBuilder();
        PgCopyText.append(sb, schema, value);
        return sb.toString();
    }

    @Test
    void shouldEscapeTheCopyDelimitersInText() {
        assertThat(field(Schema.create(Schema.Type.STRING), "a\tb\nc\\d\re")).isEqualTo("a\\tb\\nc\\\\d\\re");
        assertThat(field(Schema.create(Schema.Type.STRING), null)).isEqualTo("\\N");
    }

    @Test
    void shouldWriteDecimalsAndInstantsExactly() {
        Schema decimal = LogicalTypes.decimal(12, 2).addToSchema(Schema.create(Schema.Type.BYTES));
        Schema instant = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));

        assertThat(field(decimal, AvroValues.decimalBytes(new BigDecimal("-12345678.90")))).isEqualTo("-12345678.90");
        assertThat(field(instant, AvroValues.microsOf(Instant.parse("2024-02-29T23:59:59.123456Z"))))
                .isEqualTo("2024-02-29T23:59:59.123456Z");
    }

    @Test
    void shouldWriteByteaAsEscapedHexAndArraysAsQuotedLiterals() {
        assertThat(field(Schema.create(Schema.Type.BYTES), ByteBuffer.wrap(new byte[] {0x0a, (byte) 0xff})))
                .isEqualTo("\\\\x0aff");
        Schema array = Schema.createArray(AvroValues.optional(Schema.create(Schema.Type.STRING)));
        assertThat(field(array, Arrays.asList("a", "b,\"x\"", null))).isEqualTo("{\"a\",\"b,\\\\\"x\\\\\"\",NULL}");
    }
}
