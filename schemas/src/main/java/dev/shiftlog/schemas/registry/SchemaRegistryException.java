package dev.shiftlog.schemas.registry;

/** A schema could not be registered or found; the message names the subject or id and the registry. */
public final class SchemaRegistryException extends RuntimeException {
    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
    }

    public SchemaRegistryException(String message) {
        super(message);
    }
}
