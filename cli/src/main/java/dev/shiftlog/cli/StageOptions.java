package dev.shiftlog.cli;

import picocli.CommandLine.Mixin;

/** What {@code up} and {@code run} both take: the spec, its work dir and the operations endpoint's address. */
final class StageOptions {
    @Mixin
    SpecFileOption spec;

    @Mixin
    WorkDirOption workDir;

    @Mixin
    HttpOption http;

    @picocli.CommandLine.Option(names = "--wait-for", defaultValue = "PT2M", description = "How long to wait for the databases and "
            + "Kafka at start (ISO-8601; PT0S: not at all), retrying with growing pauses; a refused password fails at once. "
            + "Default: ${DEFAULT-VALUE}.")
    java.time.Duration waitFor;

    @picocli.CommandLine.Option(names = "--sink-writers", defaultValue = "1", description = "Sink consumers in this process, each "
            + "with its own connection to the target and its own share of the output partitions (at most kafka.partitions "
            + "do work). Default: ${DEFAULT-VALUE}.")
    int sinkWriters;
}
