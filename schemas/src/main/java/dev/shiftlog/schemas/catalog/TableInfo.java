package dev.shiftlog.schemas.catalog;

import java.util.List;
import java.util.Map;

/**
 * What the catalog says about one table.
 *
 * @param columns column name → pg_type name, in ordinal order
 * @param primaryKey primary-key columns in key order; empty when the table has none
 */
public record TableInfo(String schema, String name, Map<String, String> columns, List<String> primaryKey) {
    public String qualifiedName() {
        return schema + "." + name;
    }
}
