package dev.shiftlog.schemas;

import java.util.Map;

/**
 * The environment variables shiftlog itself reads, declared once with their doc, from which the README's list is
 * generated. (The variables a spec names in {@code ${…}} are the spec's own and are resolved by the spec parser.)
 */
public enum ShiftlogVariable {
    SHIFTLOG_BOOTSTRAP_SERVERS("Kafka to use when the spec has no `kafka.bootstrap-servers`; unset: the embedded broker"
            + " that `up` started (its address is in the work directory)."),
    SHIFTLOG_HTTP_TOKEN("Bearer token `/metrics` and `/status` require when `--http` binds beyond localhost; a worker so"
            + " bound refuses to start without it."),
    SHIFTLOG_PG_BIN("Directory of PostgreSQL's client programs (`pg_dump`, `pg_restore`, `psql`) for `backup` and"
            + " `restore`; unset: `PATH`, then `/usr/lib/postgresql/<version>/bin`."),
    SHIFTLOG_LOG_LEVEL("Level of shiftlog's own log lines on stderr: `WARN` (default) or `INFO` (held, parked and retried"
            + " rows, reconnects) or `DEBUG`. Read by `log4j2.xml`."),
    SHIFTLOG_LOG_FORMAT("`json`: every log line on stderr is one JSON object (Elastic Common Schema: `@timestamp`,"
            + " `log.level`, `log.logger`, `message`, `error.*`) for a log shipper, a worker's waiting and stopping lines"
            + " included; an error that ends a command before it starts stays plain text. Unset: plain text lines. Read by"
            + " `log4j2.xml`."),
    SHIFTLOG_CRASH_AT("For fault tests only: a crash point ({crash-points}); the process halts there as a SIGKILL would"
            + " (exit 137).");

    /** The README section's markers. */
    public static final String START = "<!-- variables: generated from ShiftlogVariable, do not edit -->";
    public static final String END = "<!-- /variables -->";

    private final String doc;

    ShiftlogVariable(String doc) {
        this.doc = doc;
    }

    /** One sentence or two, in Markdown. */
    public String doc() {
        return doc.replace("{crash-points}", java.util.Arrays.stream(CrashPoint.values()).map(p -> "`" + p.label() + "`")
                .collect(java.util.stream.Collectors.joining(", ")));
    }

    /** The value in this environment, or null when unset or blank. */
    public String in(Map<String, String> env) {
        String value = env.get(name());
        return value == null || value.isBlank() ? null : value;
    }

    /** The README's table of these variables, between its markers. */
    public static String markdown() {
        StringBuilder out = new StringBuilder(START).append("\n| variable | what it does |\n|---|---|\n");
        for (ShiftlogVariable v : values()) {
            out.append("| `").append(v.name()).append("` | ").append(v.doc()).append(" |\n");
        }
        return out.append(END).append('\n').toString();
    }
}
