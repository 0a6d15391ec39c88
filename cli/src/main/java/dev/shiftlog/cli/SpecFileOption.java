package dev.shiftlog.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code -f/--file} option of every command that works on a migration spec, declared once. */
final class SpecFileOption {
    @Option(names = {"-f", "--file"}, required = true, description = "The migration spec (YAML).")
    Path file;
}
