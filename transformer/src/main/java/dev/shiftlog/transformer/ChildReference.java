package dev.shiftlog.transformer;

/**
 * What a child's task remembers of the row its current version references ({@code refs-<table>}, by the child's
 * legacy key): where to withdraw it on a move or delete, which version an answer must carry to count, and the
 * parent's new id once known (ids never change for a legacy key), so later versions under the same parent land at
 * once instead of asking the gate again.
 *
 * @param parentKey the referenced row's legacy key, null when the reference column is NULL
 * @param version   the source offset of the version that asked
 * @param parentId  the parent's new id once its gate answered that it landed, else null
 */
record ChildReference(String parentKey, long version, String parentId) {

    static ChildReference none(long version) {
        return new ChildReference(null, version, null);
    }

    boolean references(String parent) {
        return parentKey != null && parentKey.equals(parent);
    }

    ChildReference landed(String id) {
        return new ChildReference(parentKey, version, id);
    }

    /** {@code version \0 id \0 parentKey}: the legacy key last, so any character it holds survives. */
    String encode() {
        if (parentKey == null) {
            return Long.toString(version);
        }
        return version + "\u0000" + (parentId == null ? "" : parentId) + "\u0000" + parentKey;
    }

    static ChildReference decode(String text) {
        if (text == null) {
            return null;
        }
        int first = text.indexOf('\u0000');
        if (first < 0) {
            return text.isEmpty() ? none(-1) : none(Long.parseLong(text));
        }
        int second = text.indexOf('\u0000', first + 1);
        String id = text.substring(first + 1, second);
        return new ChildReference(text.substring(second + 1), Long.parseLong(text.substring(0, first)), id.isEmpty() ? null : id);
    }
}
