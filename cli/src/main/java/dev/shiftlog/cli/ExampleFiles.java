package dev.shiftlog.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The files of one {@code examples/<name>} folder, read from the checkout or, outside it, from the jar. */
record ExampleFiles(String name) {

    String read(String file) throws IOException {
        Path local = Path.of("examples", name, file);
        if (Files.exists(local)) {
            return Files.readString(local, StandardCharsets.UTF_8);
        }
        try (InputStream in = ExampleFiles.class.getResourceAsStream("/examples/" + name + "/" + file)) {
            if (in == null) {
                throw new IOException("example '" + name + "' has no " + file + " (looked in examples/" + name + " and the jar)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The spec as a file, since the parser reports errors by file name. */
    Path spec(Path workDir) throws IOException {
        Path local = Path.of("examples", name, "shiftlog.yaml");
        if (Files.exists(local)) {
            return local;
        }
        Path copy = workDir.resolve(name + "-shiftlog.yaml");
        Files.writeString(copy, read("shiftlog.yaml"), StandardCharsets.UTF_8);
        return copy;
    }
}
