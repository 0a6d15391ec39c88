package dev.shiftlog.schemas.rows;

/**
 * Keys of the transformer's parking stores ({@code <parent key> NUL <child key>}), shared with {@code status}, which
 * counts from their changelogs the rows really waiting: a row that already landed with its reference NULL
 * ({@code on-missing-parent: land-null-then-patch}) stays in the store only to be patched and is not waiting.
 */
public final class ParkedKeys {
    /** Suffix of the key of a row that landed with its reference NULL and waits only to be patched. */
    public static final char LANDED_WITH_NULL = '\u0001';

    private ParkedKeys() {}

    public static boolean landedWithNull(String key) {
        return !key.isEmpty() && key.charAt(key.length() - 1) == LANDED_WITH_NULL;
    }

    /** The same for a key as the changelog holds it (UTF-8 bytes of the string): its last byte is the suffix. */
    public static boolean landedWithNull(byte[] key) {
        return key.length > 0 && key[key.length - 1] == LANDED_WITH_NULL;
    }
}
