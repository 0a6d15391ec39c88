package dev.shiftlog.schemas.rows;

import com.github.f4b6a3.uuid.UuidCreator;
import dev.shiftlog.schemas.spec.IdStrategy;
import io.github.thibaultmeyer.cuid.CUID;

/** Makes the random ids of the assigned strategies; an {@link IdRegistry} makes sure each is made only once per row. */
public final class RandomIds {
    private RandomIds() {}

    public static String next(IdStrategy strategy) {
        return switch (strategy) {
            case UUID7 -> UuidCreator.getTimeOrderedEpoch().toString();
            case CUID2 -> CUID.randomCUID2().toString();
            default -> throw new IllegalArgumentException(strategy.specName() + " ids are computed, not assigned");
        };
    }
}
