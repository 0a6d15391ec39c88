package dev.shiftlog.producer;

/** The producer stage cannot go on; the message says what failed and what a restart will do. */
public final class ProducerException extends RuntimeException {
    public ProducerException(String message, Throwable cause) {
        super(message, cause);
    }
}
