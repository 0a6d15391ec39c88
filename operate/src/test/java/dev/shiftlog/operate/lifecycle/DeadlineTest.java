package dev.shiftlog.operate.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeadlineTest {

    @Test
    void pollReturnsTheFirstAnswer() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        Optional<String> answer = Deadline.after(Duration.ofSeconds(10)).poll(Duration.ofMillis(5),
                () -> checks.incrementAndGet() == 3 ? Optional.of("done") : Optional.empty());
        assertThat(answer).contains("done");
        assertThat(checks).hasValue(3);
    }

    @Test
    void pollGivesUpAtTheDeadlineAndNeverSleepsPastIt() throws Exception {
        Instant start = Instant.now();
        Optional<String> answer = Deadline.after(Duration.ofMillis(200)).poll(Duration.ofSeconds(30), Optional::empty);
        assertThat(answer).isEmpty();
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(5));
    }
}
