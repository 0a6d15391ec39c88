package dev.shiftlog.schemas.rows;

import com.github.f4b6a3.uuid.UuidCreator;
import java.util.UUID;

/** Version-5 (SHA-1, name-based) ids: the same legacy key always gets the same new id, in any process. */
public final class Uuid5 {
    /** shiftlog's own namespace, so our ids never collide with other tools' name-based ids. */
    public static final UUID NAMESPACE = UUID.fromString("4f0a3c1e-9b7d-5e2a-8c41-6d2b7f9e0a13");

    private Uuid5() {}

    public static UUID of(UUID namespace, String name) {
        return UuidCreator.getNameBasedSha1(namespace, name);
    }

    /** The id of a legacy row: name {@code <migration>/<target table>/<legacy key>}. */
    public static UUID forRow(String migration, String targetTable, String legacyKey) {
        return of(NAMESPACE, migration + "/" + targetTable + "/" + legacyKey);
    }
}
