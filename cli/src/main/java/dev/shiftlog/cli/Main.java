package dev.shiftlog.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code shiftlog} command: one entry point for every stage and operation. */
@Command(name = "shiftlog", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "shiftlog 0.1.0",
        description = "Migrates a legacy database into a new schema through Kafka, and keeps it in sync until cutover.",
        subcommands = {DemoCommand.class, UpCommand.class, RunCommand.class, PlanCommand.class, BenchCommand.class,
                VerifyCommand.class, ReportCommand.class, RebuildTargetCommand.class, BackupCommand.class, RestoreCommand.class, ResetTargetCommand.class,
                StatusCommand.class, CutoverCommand.class, CleanupCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec commandSpec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code, for tests that call the CLI in-process. */
    public static int execute(String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        commandSpec.commandLine().usage(System.out);
    }
}
