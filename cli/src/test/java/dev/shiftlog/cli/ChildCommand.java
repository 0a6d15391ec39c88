package dev.shiftlog.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A program the tests run to completion (podman, npm, node): its output, or an exception carrying it. */
final class ChildCommand {
    private ChildCommand() {}

    /**
     * Runs {@code command} in {@code dir} with {@code env} added; output goes through a file, so a program that
     * never ends cannot block the reader, and the timeout holds.
     *
     * @throws IOException with the command and its output when it exits non-zero or outlives {@code timeout}
     */
    static String run(Path dir, Map<String, String> env, Duration timeout, List<String> command) throws Exception {
        Path output = Files.createTempFile("child-", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean done = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (!done) {
                throw new IOException(String.join(" ", command) + " did not finish in " + timeout + ":\n" + text);
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + text);
            }
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
