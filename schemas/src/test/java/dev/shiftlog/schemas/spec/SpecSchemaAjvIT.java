package dev.shiftlog.schemas.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The published schema compiles under ajv's strict mode (what editors and JavaScript tooling run) and accepts every
 * example spec and the README's annotated example. ajv-cli is installed from npm into {@code target/ajv} once.
 */
class SpecSchemaAjvIT {
    private static final Path SCHEMA = Path.of("src/main/resources/shiftlog-spec.schema.json");
    private static final Path AJV_HOME = Path.of("target/ajv");
    private static Path ajv;

    @BeforeAll
    static void installAjv() throws Exception {
        ajv = AJV_HOME.resolve("node_modules/.bin/ajv");
        if (!Files.isExecutable(ajv)) {
            Files.createDirectories(AJV_HOME);
            Result install = run(List.of("npm", "install", "--no-audit", "--no-fund", "--prefix", AJV_HOME.toString(), "ajv-cli@5.0.0"), 300);
            assertThat(install.exit).as("npm install ajv-cli (Node.js and npm are needed; .ci/run installs them):\n" + install.out).isZero();
        }
    }

    @Test
    void theSchemaCompilesInStrictMode() throws Exception {
        Result compile = run(List.of(ajv.toString(), "compile", "--spec=draft2020", "--strict=true", "-s", SCHEMA.toString()), 120);
        assertThat(compile.exit).as(compile.out).isZero();
    }

    @Test
    void everyExampleAndTheReadmeExampleValidate() throws Exception {
        List<Path> specs = new ArrayList<>();
        try (Stream<Path> found = Files.find(Path.of("../examples"), 2, (p, a) -> p.getFileName().toString().equals("shiftlog.yaml"))) {
            found.sorted().forEach(specs::add);
        }
        assertThat(specs).isNotEmpty();
        specs.add(readmeExample());
        for (Path spec : specs) {
            Result validate = run(List.of(ajv.toString(), "validate", "--spec=draft2020", "--strict=true", "-s", SCHEMA.toString(),
                    "-d", spec.toString()), 120);
            assertThat(validate.exit).as(spec + ":\n" + validate.out).isZero();
        }
    }

    /** The first YAML block of the README that starts with 'migration:'. */
    private static Path readmeExample() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        int start = readme.indexOf("```yaml\nmigration:");
        assertThat(start).as("README has an annotated spec example").isNotNegative();
        int body = start + "```yaml\n".length();
        Path file = Path.of("target/readme-example.yaml");
        Files.writeString(file, readme.substring(body, readme.indexOf("```", body)), StandardCharsets.UTF_8);
        return file;
    }

    private record Result(int exit, String out) {}

    private static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
            return new Result(-1, String.join(" ", command) + " timed out after " + timeoutSeconds + " s\n" + out);
        }
        return new Result(p.exitValue(), out);
    }
}
