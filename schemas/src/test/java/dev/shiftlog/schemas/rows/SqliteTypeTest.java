package dev.shiftlog.schemas.rows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** SQLite's typing traps, each with a literal stored value and the exact value or refusal expected. */
class SqliteTypeTest {

    @Test
    void declaredTypesFollowSqlitesAffinityRulesPlusTheNamesAppsUse() {
        assertThat(SqliteType.ofDeclared("INTEGER").describe()).isEqualTo("integer");
        assertThat(SqliteType.ofDeclared("NVARCHAR(160)").describe()).isEqualTo("text");
        assertThat(SqliteType.ofDeclared("NUMERIC(10,2)").describe()).isEqualTo("numeric(10,2)");
        assertThat(SqliteType.ofDeclared("DATETIME").describe()).isEqualTo("timestamp");
        assertThat(SqliteType.ofDeclared("date").describe()).isEqualTo("date");
        assertThat(SqliteType.ofDeclared("BOOLEAN").describe()).isEqualTo("boolean");
        assertThat(SqliteType.ofDeclared("DOUBLE PRECISION").describe()).isEqualTo("real");
        assertThat(SqliteType.ofDeclared("").describe()).isEqualTo("text");
        assertThat(SqliteType.parseRule("epoch-millis").describe()).isEqualTo("epoch-millis");
        assertThat(SqliteType.parseRule("numeric(12, 4)").describe()).isEqualTo("numeric(12,4)");
        assertThat(SqliteType.parseRule("money")).isNull();
    }

    @Test
    void valuesConvertExactlyOrAreRefusedWithTheReason() throws Exception {
        assertThat(SqliteType.ofDeclared("INTEGER").toAvro(7)).isEqualTo(7L);
        assertThat(SqliteType.ofDeclared("INTEGER").toAvro("42")).isEqualTo(42L);
        assertThatThrownBy(() -> SqliteType.ofDeclared("INTEGER").toAvro("forever")).hasMessage("'forever' (text) is not integer");
        // a REAL 0.99 is the decimal 0.99, not 0.98999999999999999111821580299874767661094665527343750
        ByteBuffer cents = (ByteBuffer) SqliteType.ofDeclared("NUMERIC(10,2)").toAvro(0.99);
        assertThat(new BigDecimal(new BigInteger(cents.array()), 2)).isEqualByComparingTo("0.99");
        assertThatThrownBy(() -> SqliteType.ofDeclared("NUMERIC(10,2)").toAvro(1.005)).hasMessage("1.005 (real) is not numeric(10,2)");
        assertThat(SqliteType.ofDeclared("NUMERIC").toAvro(1.50)).isEqualTo("1.5");
        assertThat(SqliteType.ofDeclared("BOOLEAN").toAvro(1)).isEqualTo(true);
        assertThat(SqliteType.ofDeclared("BOOLEAN").toAvro("f")).isEqualTo(false);
        assertThatThrownBy(() -> SqliteType.ofDeclared("BOOLEAN").toAvro(2)).hasMessage("2 (integer) is not boolean");
        assertThat(SqliteType.ofDeclared("DATETIME").toAvro("2021-01-01 00:00:00")).isEqualTo(1_609_459_200_000_000L);
        assertThat(SqliteType.ofDeclared("DATETIME").toAvro("2021-01-01T00:00:00.5Z")).isEqualTo(1_609_459_200_500_000L);
        assertThat(SqliteType.ofDeclared("DATE").toAvro("1970-01-02")).isEqualTo(1);
        assertThatThrownBy(() -> SqliteType.ofDeclared("DATE").toAvro("1970-01-02 10:00:00")).hasMessage("'1970-01-02 10:00:00' (text) is not date");
        assertThat(SqliteType.parseRule("epoch-millis").toAvro(1_609_459_200_000L)).isEqualTo(1_609_459_200_000_000L);
        assertThatThrownBy(() -> SqliteType.parseRule("epoch-millis").toAvro("2021-01-01")).hasMessage("'2021-01-01' (text) is not epoch-millis");
        assertThat(SqliteType.ofDeclared("BLOB").toAvro(new byte[] {0, 1})).isEqualTo(ByteBuffer.wrap(new byte[] {0, 1}));
        assertThatThrownBy(() -> SqliteType.ofDeclared("TEXT").toAvro(new byte[] {0, 1})).hasMessage("2 byte(s) of blob is not text");
        assertThat(SqliteType.ofDeclared("TEXT").toAvro(null)).isNull();
    }
}
