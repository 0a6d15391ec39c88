package dev.shiftlog.schemas.rows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/** RFC 9562 version-5 (SHA-1, name-based) UUIDs: the same legacy key always gets the same new id, in any process. */
public final class Uuid5 {
    /** shiftlog's own namespace, so our ids never collide with other tools' name-based ids. */
    public static final UUID NAMESPACE = UUID.fromString("4f0a3c1e-9b7d-5e2a-8c41-6d2b7f9e0a13");

    private Uuid5() {}

    public static UUID of(UUID namespace, String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JRE ships SHA-1", e);
        }
        sha1.update(ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits())
                .putLong(namespace.getLeastSignificantBits()).array());
        byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        ByteBuffer bb = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bb.getLong(), bb.getLong());
    }

    /** The id of a legacy row: name {@code <migration>/<target table>/<legacy key>}. */
    public static UUID forRow(String migration, String targetTable, String legacyKey) {
        return of(NAMESPACE, migration + "/" + targetTable + "/" + legacyKey);
    }
}
