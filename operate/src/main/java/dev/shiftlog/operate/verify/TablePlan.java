package dev.shiftlog.operate.verify;

import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.catalog.TableInfo;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.sql.Connection;
import java.util.List;
import java.util.Set;

/**
 * The target table a {@link Verifier} checks and how: its mappings, the column rows are matched by, the columns
 * compared, and the two open connections.
 *
 * @param match    the column a target row is found by: its id when the mappings derive it, else the legacy key
 * @param expected the temporary table holding the expected rows, once {@link ExpectedRows} filled it
 */
record TablePlan(MigrationDef spec, String table, List<TableMappingDef> mappings, TableInfo info, String match, Set<String> compared,
                 Connection source, Connection target, String expected) {

    String qualified(String name) {
        return SqlIdentifiers.qualified(spec.target().schema(), name);
    }
}
