package dev.shiftlog.schemas.spec;

import dev.shiftlog.schemas.spec.SpecKey.Block;

/**
 * The README's spec reference (one table per block: key, required or default, meaning), generated from
 * {@link SpecKeys} between the markers {@value #START} and {@value #END}; {@code SpecDocsTest} fails when the
 * README's copy differs and prints the section to paste.
 */
public final class SpecReference {
    public static final String START = "<!-- spec-reference: generated from SpecKeys, do not edit -->";
    public static final String END = "<!-- /spec-reference -->";

    private SpecReference() {
    }

    /** The section, markers included. */
    public static String markdown() {
        StringBuilder out = new StringBuilder(START).append('\n');
        for (Block block : Block.values()) {
            out.append('\n').append("**").append(block.where()).append("**\n\n");
            out.append("| key | required / default | meaning |\n|---|---|---|\n");
            for (SpecKey key : SpecKeys.of(block)) {
                String presence = key.required() ? "required" : key.defaultValue() == null ? "optional" : "`" + key.defaultValue() + "`";
                String doc = key.doc() + (key.choices().isEmpty() ? "" : " One of: " + String.join(", ", key.choices()) + ".");
                out.append("| `").append(key.name()).append("` | ").append(presence).append(" | ")
                        .append(doc.replace("|", "\\|").replace("<", "&lt;")).append(" |\n");
            }
        }
        return out.append('\n').append(END).append('\n').toString();
    }
}
