package dev.shiftlog.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in this JVM and captures what it printed; the exit code and output are what a user sees. */
record CliRun(int exitCode, String out, String err) {

    /** An operating command on a spec and work directory, e.g. {@code operate("verify", spec, work, "--json")}. */
    static CliRun operate(String command, java.nio.file.Path spec, java.nio.file.Path workDir, String... extra) {
        String[] args = new String[4 + extra.length];
        args[0] = command;
        args[1] = "-f";
        args[2] = spec.toString();
        args[3] = "--work-dir=" + workDir;
        System.arraycopy(extra, 0, args, 4, extra.length);
        return of(args);
    }

    static synchronized CliRun of(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
