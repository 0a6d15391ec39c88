package dev.shiftlog.schemas.spec;

import java.time.Duration;
import java.util.List;

/**
 * What a reference column points at and how its rows wait: the referenced target table, the legacy column(s) that
 * hold the parent's legacy key, and the per-reference waiting policy (defaulting to the table's).
 *
 * @param table             the referenced target table
 * @param from              the legacy columns holding the parent's legacy key, in the parent's key order; several
 *                          for a composite legacy key, whose text is the values joined by '/'
 * @param source            for a target several legacy tables feed: the legacy table of the parent row, whose legacy key
 *                          the target keeps as {@code <source>:<key>}; null otherwise
 * @param match             for a target consolidated with {@code match-on}: a CEL expression over the row (and its
 *                          lookups) whose value is the parent's match value; {@code from} is empty then; null otherwise
 * @param parentId          the id strategy of the referenced table, resolved by the parser; null until then
 * @param parkTimeout       how long a row waits for this parent (counted while no row of the parent table lands)
 * @param landNullThenPatch whether a row whose parent never lands lands with this column NULL and is patched later
 *                          ({@code on-missing-parent: land-null-then-patch}), rather than going to the DLQ
 */
public record ReferenceDef(String table, List<String> from, String source, String match, IdStrategy parentId, Duration parkTimeout,
                           boolean landNullThenPatch) {

    public ReferenceDef {
        from = List.copyOf(from);
    }

    /** True when the parent is named by a match value ({@code match}) rather than by legacy key columns. */
    public boolean byMatch() {
        return match != null;
    }

    /** True when a part of the parent's key comes from a looked-up row ({@code from: lookup.column}). */
    public boolean throughLookup() {
        return from.stream().anyMatch(f -> LookupDef.lookupOf(f) != null);
    }

    /** True when the parent's legacy key spans several legacy columns. */
    public boolean composite() {
        return from.size() > 1;
    }

    public ReferenceDef withParentId(IdStrategy strategy) {
        return new ReferenceDef(table, from, source, match, strategy, parkTimeout, landNullThenPatch);
    }

}
