package dev.shiftlog.schemas.spec;

/** A place in a spec file, so every error can be reported as {@code file:line:col}. */
public record Location(String file, int line, int column) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
