package dev.shiftlog.operate.status;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a status sample every few seconds in the background, so a worker's {@code /status} and {@code /metrics}
 * answer instantly and scraping never adds load on the databases or the broker.
 */
public final class StatusSampler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusSampler.class);

    private final StatusProbe probe;
    private final AtomicReference<Object> latest = new AtomicReference<>(Map.of("state", "starting"));
    private final Map<String, StatusReport.TableProgress> tables = new ConcurrentHashMap<>();
    private final AtomicReference<StatusReport> report = new AtomicReference<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "shiftlog-status");
        t.setDaemon(true);
        return t;
    });
    private final MeterRegistry registry;
    private volatile String lastFailure;

    public StatusSampler(StatusProbe probe, MeterRegistry registry, long periodSeconds) {
        this.probe = probe;
        this.registry = registry;
        Gauge.builder("shiftlog.lag", report, r -> r.get() == null ? Double.NaN : r.get().totalLag())
                .description("Records the transformer and sink groups have yet to read, over all partitions").register(registry);
        Gauge.builder("shiftlog.dlq.rows", report, r -> r.get() == null ? Double.NaN : r.get().dlq())
                .description("Rows in the dead-letter topic, with their reasons").register(registry);
        Gauge.builder("shiftlog.parked.rows", report, r -> r.get() == null ? Double.NaN : r.get().parked())
                .description("Rows waiting for a row they reference to land").register(registry);
        Gauge.builder("shiftlog.cdc.delay", report, r -> r.get() == null ? Double.NaN : r.get().cdcDelayMs() / 1000.0)
                .baseUnit("seconds").description("Age of the oldest change not yet in the target").register(registry);
        scheduler.scheduleWithFixedDelay(this::sample, 0, periodSeconds, TimeUnit.SECONDS);
    }

    private void sample() {
        try {
            StatusReport r = probe.sample();
            report.set(r);
            latest.set(r);
            lastFailure = null;
            for (StatusReport.TableProgress t : r.tables()) {
                if (tables.put(t.table(), t) == null) {
                    Tags tags = Tags.of("table", t.table());
                    Gauge.builder("shiftlog.rows.landed", tables, m -> m.get(t.table()).landed()).tags(tags)
                            .description("Rows in the target table").register(registry);
                    Gauge.builder("shiftlog.rows.expected", tables, m -> m.get(t.table()).expected()).tags(tags)
                            .description("Legacy rows the mapping keeps for the target table, less those in the DLQ").register(registry);
                    Gauge.builder("shiftlog.rows.captured", tables, m -> m.get(t.table()).captured()).tags(tags)
                            .description("Change events captured for the target table").register(registry);
                    Gauge.builder("shiftlog.rows.rejected", tables, m -> m.get(t.table()).rejected()).tags(tags)
                            .description("Rows of the target table in the DLQ").register(registry);
                }
            }
        } catch (Exception e) {
            String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!reason.equals(lastFailure)) { // once per distinct reason, not every five seconds
                LOG.warn("status sample failed (/status and /metrics keep the previous sample): {}", reason, e);
                lastFailure = reason;
            }
            latest.set(Map.of("state", "unavailable", "reason", String.valueOf(e.getMessage())));
        }
    }

    /** The newest sample (or why there is none yet), for {@code /status}. */
    public Object latest() {
        return latest.get();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        probe.close();
    }
}
