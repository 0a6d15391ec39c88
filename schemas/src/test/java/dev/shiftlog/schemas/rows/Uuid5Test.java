package dev.shiftlog.schemas.rows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class Uuid5Test {
    @Test
    void shouldMatchTheRfcTestVectorForTheDnsNamespace() {
        // RFC 9562 appendix A.4: uuid5(DNS namespace, "www.example.com")
        UUID dns = UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

        assertThat(Uuid5.of(dns, "www.example.com")).isEqualTo(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
    }

    @Test
    void shouldGiveEachTableItsOwnIdsForTheSameLegacyKey() {
        UUID coach = Uuid5.forRow("m", "coaches", "1");

        assertThat(coach.version()).isEqualTo(5);
        assertThat(coach).isEqualTo(Uuid5.forRow("m", "coaches", "1")).isNotEqualTo(Uuid5.forRow("m", "categories", "1"));
    }
}
