package dev.shiftlog.schemas.spec;

import java.util.List;

/**
 * A value built from the child rows of a legacy table (N → 1): each row of {@code table} whose {@code on} columns
 * hold this row's legacy key gives one item, the CEL expression {@code value} over its columns; the mapping's
 * expressions see the items as the list {@code <name>}, sorted (by their JSON text), so {@code size(tracks)} counts
 * them and {@code tracks} fills a {@code text[]} or {@code jsonb} column. An insert, update, move or delete of a child
 * renders the row again.
 *
 * @param on the child columns holding this row's legacy key, in its key order
 */
public record AggregateDef(String name, String table, List<String> on, String value, Location location) {

    public AggregateDef {
        on = List.copyOf(on);
    }

    public String sourceSchema(String defaultSchema) {
        return table.contains(".") ? table.substring(0, table.indexOf('.')) : defaultSchema;
    }

    public String sourceTable() {
        return table.contains(".") ? table.substring(table.indexOf('.') + 1) : table;
    }
}
