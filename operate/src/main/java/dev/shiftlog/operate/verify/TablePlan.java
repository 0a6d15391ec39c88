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
 * @param match    the columns a target row is found by: its id when the mappings derive it, else the legacy key; a
 *                 link table's key columns
 * @param expected the temporary table holding the expected rows, once {@link ExpectedRows} filled it
 */
record TablePlan(MigrationDef spec, String table, List<TableMappingDef> mappings, TableInfo info, List<String> match, Set<String> compared,
                 Connection source, Connection target, String expected) {

    /** The match columns quoted and joined, prefixed by {@code alias.} when one is given. */
    String matchList(String alias) {
        return match.stream().map(m -> (alias == null ? "" : alias + ".") + SqlIdentifiers.quote(m))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** A row's match value as one text, for findings: the column's text, or {@code (a,b)} for a link table. */
    String matchText(String alias) {
        return match.size() == 1 ? alias + "." + SqlIdentifiers.quote(match.get(0)) + "::text" : "ROW(" + matchList(alias) + ")::text";
    }

    String qualified(String name) {
        return SqlIdentifiers.qualified(spec.target().schema(), name);
    }
}
