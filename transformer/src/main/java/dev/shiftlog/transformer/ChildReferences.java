package dev.shiftlog.transformer;

import java.util.ArrayList;
import java.util.List;

/**
 * What a child's task remembers of the rows its current version references ({@code refs-<table>}, by the child's
 * legacy key), one {@link Slot} per reference column in spec order: where to withdraw a request on a move or
 * delete, which version an answer must carry to count, and each parent's new id once known (ids never change for a
 * legacy key), so later versions under the same parents land at once instead of asking the gates again.
 *
 * @param version the source offset of the version that asked
 */
record ChildReferences(long version, List<Slot> slots) {

    /**
     * One reference of the child.
     *
     * @param parentKey  the referenced row's legacy key, null when the reference column is NULL
     * @param parentId   the parent's new id once its gate answered that it landed, else null
     * @param landedNull the parent did not land within park-timeout and the row landed with this column NULL
     *                   ({@code land-null-then-patch}); it waits only to be patched
     */
    record Slot(String parentKey, String parentId, boolean landedNull) {
        static final Slot NONE = new Slot(null, null, false);

        boolean references(String parent) {
            return parentKey != null && parentKey.equals(parent);
        }

        /** Still waiting for the parent's answer: the row cannot land before it comes. */
        boolean waiting() {
            return parentKey != null && parentId == null && !landedNull;
        }

        /** Has a parent whose id is not known yet: the row is parked (waiting, or landed NULL to be patched). */
        boolean unresolved() {
            return parentKey != null && parentId == null;
        }
    }

    ChildReferences {
        slots = List.copyOf(slots);
    }

    Slot slot(int index) {
        return slots.get(index);
    }

    ChildReferences with(int index, Slot slot) {
        List<Slot> copy = new ArrayList<>(slots);
        copy.set(index, slot);
        return new ChildReferences(version, copy);
    }

    boolean anyWaiting() {
        return slots.stream().anyMatch(Slot::waiting);
    }

    boolean anyUnresolved() {
        return slots.stream().anyMatch(Slot::unresolved);
    }

    boolean anyLandedNull() {
        return slots.stream().anyMatch(Slot::landedNull);
    }

    /**
     * {@code version} then per slot {@code state \0 id \0 key}, all joined by NUL, which neither a legacy key (PostgreSQL
     * text cannot hold it) nor an id contains; state is {@code -} (NULL reference), {@code w}, {@code n} (landed NULL)
     * or {@code l} (landed).
     */
    String encode() {
        StringBuilder out = new StringBuilder(Long.toString(version));
        for (Slot s : slots) {
            char state = s.parentKey == null ? '-' : s.parentId != null ? 'l' : s.landedNull ? 'n' : 'w';
            out.append('\u0000').append(state).append('\u0000').append(s.parentId == null ? "" : s.parentId)
                    .append('\u0000').append(s.parentKey == null ? "" : s.parentKey);
        }
        return out.toString();
    }

    static ChildReferences decode(String text) {
        if (text == null) {
            return null;
        }
        String[] parts = text.split("\u0000", -1);
        List<Slot> slots = new ArrayList<>();
        for (int i = 1; i + 2 < parts.length; i += 3) {
            char state = parts[i].charAt(0);
            slots.add(state == '-' ? Slot.NONE
                    : new Slot(parts[i + 2], parts[i + 1].isEmpty() ? null : parts[i + 1], state == 'n'));
        }
        return new ChildReferences(Long.parseLong(parts[0]), slots);
    }
}
