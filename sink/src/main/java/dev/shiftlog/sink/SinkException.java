package dev.shiftlog.sink;

/** The target refused a batch; the message names the table and the database's reason. Nothing was committed. */
public class SinkException extends RuntimeException {
    public SinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
