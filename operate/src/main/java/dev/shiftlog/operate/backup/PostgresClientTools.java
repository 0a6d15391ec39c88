package dev.shiftlog.operate.backup;

import dev.shiftlog.schemas.spec.ConnectionDef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs PostgreSQL's own {@code pg_dump} / {@code pg_restore} against a spec's connection: the password goes through
 * {@code PGPASSWORD} in the child's environment, never on its command line or in an error.
 */
public final class PostgresClientTools {
    private final Path binDir;

    /** @param binDir where pg_dump lives; null finds it on PATH or under /usr/lib/postgresql/{@literal <version>}/bin */
    public PostgresClientTools(Path binDir) {
        this.binDir = binDir;
    }

    /** A tool's path; the error says how to install it. */
    Path tool(String name) throws IOException {
        List<Path> candidates = new ArrayList<>();
        if (binDir != null) {
            candidates.add(binDir.resolve(name));
        }
        String env = dev.shiftlog.schemas.ShiftlogVariable.SHIFTLOG_PG_BIN.in(System.getenv());
        if (env != null) {
            candidates.add(Path.of(env, name));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir, name));
            }
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                versions.sorted(Comparator.comparing((Path p) -> versionOf(p)).reversed()).forEach(v -> candidates.add(v.resolve("bin").resolve(name)));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new IOException(name
                + " not found: install the PostgreSQL client (apt-get install postgresql-client) or set " + dev.shiftlog.schemas.ShiftlogVariable.SHIFTLOG_PG_BIN + " to its bin directory"));
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Runs a tool with the connection's host, port, user and password; returns its stdout (stderr on failure, in the error). */
    String run(ConnectionDef connection, String tool, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(tool(tool).toString());
        command.addAll(List.of("--host", connection.host(), "--port", String.valueOf(connection.port()), "--username", connection.user(),
                "--no-password"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("PGPASSWORD", connection.password().reveal());
        env.put("PGCONNECT_TIMEOUT", "10");
        Path errors = Files.createTempFile("shiftlog-" + tool, ".err");
        pb.redirectError(errors.toFile());
        try {
            Process process = pb.start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(6, TimeUnit.HOURS) || process.exitValue() != 0) {
                String message = Files.readString(errors, StandardCharsets.UTF_8).strip();
                String secret = connection.password().reveal();
                if (!secret.isEmpty()) {
                    message = message.replace(secret, "******");
                }
                throw new IOException(tool + " failed for " + connection.url() + " as " + connection.user() + ": " + message);
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(tool + " interrupted", e);
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    /** A plain-SQL dump of the whole database, e.g. to compare two states of a target byte for byte. */
    public String plainDump(ConnectionDef connection, List<String> excludeTables) throws IOException {
        // pg_dump ≥ 15.14 puts a random \restrict key into plain dumps; a fixed one keeps two dumps comparable
        List<String> args = new ArrayList<>(List.of("--format=plain", "--no-owner", "--restrict-key=shiftlog"));
        excludeTables.forEach(t -> args.add("--exclude-table=" + t));
        args.add(connection.database());
        return run(connection, "pg_dump", args);
    }
}
