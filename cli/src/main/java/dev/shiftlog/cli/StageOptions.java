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
}
