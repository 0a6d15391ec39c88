package dev.shiftlog.cli;

import picocli.CommandLine.Option;

/** The {@code --http} option of the commands that run stages ({@code up}, {@code run}), declared once. */
final class HttpOption {
    @Option(names = "--http", defaultValue = "127.0.0.1:9464", description = "host:port of /metrics and /status (default: "
            + "${DEFAULT-VALUE}), or 'off'. Beyond localhost a bearer token from SHIFTLOG_HTTP_TOKEN is required. A busy port "
            + "falls back to a free one.")
    String address;
}
