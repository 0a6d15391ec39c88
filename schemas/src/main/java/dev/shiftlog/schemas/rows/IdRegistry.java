package dev.shiftlog.schemas.rows;

/**
 * Where ids that cannot be computed from the legacy key come from ({@code uuid7}, {@code cuid2}): assigned once,
 * then remembered, so restarts and replays give every legacy row the same new id. The transformer backs it with a
 * changelogged state store.
 */
public interface IdRegistry {
    /** The id already assigned to this legacy key, or null when it has none. */
    String existing(String legacyKey);

    /** The id of this legacy key, assigning and remembering a new one the first time; never null. */
    String assign(String legacyKey);

    /**
     * For readers of the live legacy rows ({@code verify}, {@code status}) that cannot know which random id a row
     * was given: every lookup answers null, so the id column stays empty and rows are matched by legacy key.
     */
    IdRegistry UNKNOWN = new IdRegistry() {
        @Override
        public String existing(String legacyKey) {
            return null;
        }

        @Override
        public String assign(String legacyKey) {
            return null;
        }
    };
}
