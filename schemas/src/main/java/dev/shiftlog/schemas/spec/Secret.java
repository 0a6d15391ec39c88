package dev.shiftlog.schemas.spec;

/** A credential whose text never reaches a log line, an exception message or a topic. */
public record Secret(String reveal) {
    public static final Secret NONE = new Secret("");

    @Override
    public String toString() {
        return reveal.isEmpty() ? "" : "******";
    }
}
