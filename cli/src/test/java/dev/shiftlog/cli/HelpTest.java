package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every subcommand answers {@code --help} with its usage and exit 0, and the spec commands share their options. */
class HelpTest {

    @Test
    void everySubcommandAnswersHelp() {
        List<String> names = List.copyOf(new CommandLine(new Main()).getSubcommands().keySet());
        assertThat(names).contains("demo", "up", "run", "plan", "status", "verify", "cutover", "cleanup");
        for (String name : names) {
            Captured help = run(name, "--help");
            assertThat(help.exit).as(name + " --help exit code; printed:\n" + help.out).isZero();
            assertThat(help.out).as(name + " --help").contains("Usage: shiftlog " + name).contains("-h, --help");
        }
    }

    @Test
    void theSpecCommandsDescribeTheirSharedOptionsTheSameWay() {
        for (String name : List.of("up", "run", "status", "verify", "cutover", "backup", "cleanup")) {
            String out = run(name, "--help").out.replaceAll("\\s+", " ");
            assertThat(out).as(name).contains("-f, --file=<file>").contains("The migration spec (YAML).")
                    .contains("--work-dir=<dir>").contains("Default: .shiftlog/<migration>");
        }
        assertThat(run("plan", "--help").out).contains("-f, --file=<file>");
        assertThat(run("up", "--help").out.replaceAll("\\s+", " ")).contains("--http=<address>").contains("(default: 127.0.0.1:9464)");
    }

    private record Captured(int exit, String out) {}

    private static Captured run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            int exit = Main.execute(args);
            return new Captured(exit, buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }
}
