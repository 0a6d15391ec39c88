package dev.shiftlog.schemas.spec;

/** One problem found in a spec, tied to the place a user has to edit. */
public record SpecError(Location location, String message) {
    @Override
    public String toString() {
        return location + ": " + message;
    }
}
