package dev.shiftlog.operate.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A point in time a wait gives up at, and the one polling loop of the lifecycle steps: check, and if not done,
 * sleep the interval (never past the deadline) and check again.
 */
public record Deadline(Instant at) {

    /** One check of a wait: a value when the wait is over, empty to keep waiting. */
    @FunctionalInterface
    public interface Check<T> {
        Optional<T> attempt() throws Exception;
    }

    public static Deadline after(Duration timeout) {
        return new Deadline(Instant.now().plus(timeout));
    }

    public boolean passed() {
        return !Instant.now().isBefore(at);
    }

    /** Runs the check every {@code interval} until it answers; empty when the deadline passes first. */
    public <T> Optional<T> poll(Duration interval, Check<T> check) throws Exception {
        while (true) {
            Optional<T> answer = check.attempt();
            if (answer.isPresent() || passed()) {
                return answer;
            }
            long left = Duration.between(Instant.now(), at).toMillis();
            Thread.sleep(Math.max(1, Math.min(interval.toMillis(), left)));
        }
    }
}
