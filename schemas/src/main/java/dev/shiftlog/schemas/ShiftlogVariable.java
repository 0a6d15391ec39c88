package dev.shiftlog.schemas;

import java.util.Map;

/**
 * The environment variables shiftlog itself reads, declared once with their doc. (The variables a spec names in
 * {@code ${…}} are the spec's own and are resolved by the spec parser.)
 */
public enum ShiftlogVariable {
    /** Kafka to use when the spec has no {@code kafka.bootstrap-servers}; unset: an embedded broker. */
    SHIFTLOG_BOOTSTRAP_SERVERS,
    /** Bearer token the {@code /metrics} and {@code /status} endpoint requires when bound beyond localhost. */
    SHIFTLOG_HTTP_TOKEN,
    /** Directory of PostgreSQL's client programs ({@code pg_dump}, {@code pg_restore}, {@code psql}) for backups. */
    SHIFTLOG_PG_BIN,
    /** For fault tests only: a {@link CrashPoint} name; the process halts there as a SIGKILL would (exit 137). */
    SHIFTLOG_CRASH_AT;

    /** The value in this environment, or null when unset or blank. */
    public String in(Map<String, String> env) {
        String value = env.get(name());
        return value == null || value.isBlank() ? null : value;
    }
}
