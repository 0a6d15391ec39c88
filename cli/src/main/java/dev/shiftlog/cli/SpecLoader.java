package dev.shiftlog.cli;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecError;
import dev.shiftlog.schemas.spec.SpecException;
import dev.shiftlog.schemas.spec.SpecParser;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Loads a spec with the process environment (plus overrides from the demo) and prints every error on failure. */
final class SpecLoader {
    private final Map<String, String> env;

    SpecLoader(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(System.getenv());
        merged.putAll(overrides);
        this.env = merged;
    }

    Map<String, String> env() {
        return env;
    }

    Optional<MigrationDef> load(Path file, PrintStream err) {
        try {
            return Optional.of(new SpecParser(env).parse(file));
        } catch (SpecException e) {
            for (SpecError error : e.errors()) {
                err.println(error);
            }
            err.println(e.errors().size() + " error(s) in " + file + "; nothing was written");
            return Optional.empty();
        }
    }
}
