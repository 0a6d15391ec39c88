package dev.shiftlog.cli;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Waits for what a worker needs — the legacy and target databases, the Kafka cluster — with growing pauses, so a
 * worker started before them ({@code docker compose up}, a restarted server) waits in-process and says what it waits
 * for, instead of exiting into a restart loop. What waiting cannot fix (a refused password) fails at once.
 */
final class DependencyWait {
    /** One thing a worker needs; {@code check} throws while it is not there. */
    record Dependency(String name, Check check) {}

    interface Check {
        void run() throws Exception;
    }

    /** A dependency that refused us ({@code refused}: waiting would not help) or did not answer in time. */
    static final class Unavailable extends IllegalStateException {
        final boolean refused;

        Unavailable(String message, boolean refused) {
            super(message);
            this.refused = refused;
        }
    }

    /** PostgreSQL's SQLSTATEs for a refused login: waiting does not help. */
    private static final Set<String> FATAL_SQL_STATES = Set.of("28P01", "28000");
    private static final Duration FIRST_PAUSE = Duration.ofMillis(500);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(15);
    /** How long one attempt at the broker may take. */
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(5);

    private final Duration timeout;
    private final java.util.function.Consumer<String> log;

    /** @param log where each attempt is told (the worker's console log) */
    DependencyWait(Duration timeout, java.util.function.Consumer<String> log) {
        this.timeout = timeout;
        this.log = log;
    }

    /** Returns once every dependency answered; throws naming the first that did not within the timeout, or refused us. */
    void await(List<Dependency> dependencies) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Dependency d : dependencies) {
            Duration pause = FIRST_PAUSE;
            while (true) {
                Exception failure;
                try {
                    d.check().run();
                    break;
                } catch (Exception e) {
                    failure = e;
                }
                String reason = reason(failure);
                if (fatal(failure)) {
                    throw new Unavailable(d.name() + " refused the connection: " + reason, true);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new Unavailable(d.name() + " did not answer within " + timeout.toSeconds() + " s (--wait-for): "
                            + reason, false);
                }
                Duration sleep = pause.compareTo(Duration.ofNanos(left)) < 0 ? pause : Duration.ofNanos(left);
                log.accept(String.format("waiting for %s: %s; retrying in %.1f s (%d s left)", d.name(), reason,
                        sleep.toMillis() / 1000.0, TimeUnit.NANOSECONDS.toSeconds(left)));
                Thread.sleep(sleep.toMillis());
                pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
            }
        }
    }

    private static boolean fatal(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && FATAL_SQL_STATES.contains(sql.getSQLState())) {
                return true;
            }
            if (t instanceof org.apache.kafka.common.errors.AuthenticationException
                    || t instanceof org.apache.kafka.common.errors.AuthorizationException) {
                return true;
            }
        }
        return false;
    }

    private static String reason(Exception e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof java.util.concurrent.TimeoutException || t instanceof org.apache.kafka.common.errors.TimeoutException) {
            return "no answer within " + CHECK_TIMEOUT.toSeconds() + " s";
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** The databases of a spec and, unless it runs an embedded broker, its Kafka cluster. */
    static List<Dependency> of(dev.shiftlog.schemas.spec.MigrationDef spec, String kafkaServers) {
        return of(spec, kafkaServers, true);
    }

    /** @param legacy whether the worker reads the legacy database (the producer does; a sink alone does not) */
    static List<Dependency> of(dev.shiftlog.schemas.spec.MigrationDef spec, String kafkaServers, boolean legacy) {
        List<Dependency> out = new java.util.ArrayList<>();
        if (legacy) {
            out.add(new Dependency("legacy database " + spec.source().url(), () -> {
                try (var c = dev.shiftlog.schemas.catalog.LegacyCatalog.open(spec.source())) {
                    c.isValid(5);
                }
            }));
        }
        if (!spec.target().isJsonLines()) { // a folder of files is there or is created by the sink
            out.add(new Dependency("target database " + spec.target().url(), () -> {
                try (var c = dev.shiftlog.schemas.catalog.PostgresCatalog.open(spec.target())) {
                    c.isValid(5);
                }
            }));
        }
        if (kafkaServers != null && !kafkaServers.isBlank()) {
            out.add(new Dependency("Kafka at " + kafkaServers, () -> {
                java.util.Map<String, Object> config = new java.util.HashMap<>(spec.kafka().properties());
                config.put("bootstrap.servers", kafkaServers);
                config.put("request.timeout.ms", (int) CHECK_TIMEOUT.toMillis());
                config.put("default.api.timeout.ms", (int) CHECK_TIMEOUT.toMillis());
                org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(config);
                try {
                    admin.describeCluster().nodes().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e; // 'Timed out waiting for a node assignment' is a timeout too
                } finally {
                    admin.close(Duration.ofSeconds(1)); // not close(): it would wait out the timed-out call
                }
            }));
        }
        return out;
    }
}
