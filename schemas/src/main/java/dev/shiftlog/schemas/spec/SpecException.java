package dev.shiftlog.schemas.spec;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when a spec has errors; carries all of them so a user fixes them in one pass. */
public final class SpecException extends RuntimeException {
    private final List<SpecError> errors;

    public SpecException(List<SpecError> errors) {
        super(errors.stream().map(SpecError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<SpecError> errors() {
        return errors;
    }
}
