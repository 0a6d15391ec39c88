package dev.shiftlog.sink;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread a sink's loop runs on, and how it ends: on request after the work in hand ({@link #stop}), or on an
 * error, which completes {@link #stopped()} exceptionally so the runner stops the process. Both sinks share it, so a
 * worker stops the same way whatever its target.
 */
final class SinkThread {
    private static final Logger LOG = LoggerFactory.getLogger(SinkThread.class);

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private Thread thread;

    /** Whether the loop should go on: false once a stop was asked for. */
    boolean running() {
        return running.get();
    }

    /** Completes when the loop ends; exceptionally when it ended on an error. */
    CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** Runs {@code loop} on a thread of its own, then {@code cleanup} however the loop ended. */
    void start(String name, Runnable loop, Runnable cleanup) {
        thread = new Thread(() -> {
            try {
                loop.run();
                stopped.complete(null);
            } catch (WakeupException e) {
                stopped.complete(null);
            } catch (RuntimeException e) {
                LOG.error("sink stopped: {}", e.getMessage());
                stopped.completeExceptionally(e);
            } finally {
                cleanup.run();
            }
        }, name);
        thread.start();
    }

    /**
     * Stops after the work in hand; only a loop still busy after {@code graceMs} (e.g. waiting for an unreachable
     * target) is woken up through its consumer, and what it had not committed is done again by the next start.
     */
    void stop(long graceMs, Consumer<?, ?> consumer) {
        running.set(false);
        if (thread == null) {
            return;
        }
        try {
            thread.join(graceMs);
            if (thread.isAlive() && consumer != null) {
                consumer.wakeup();
                thread.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
