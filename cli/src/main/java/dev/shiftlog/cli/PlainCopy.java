package dev.shiftlog.cli;

import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * The baseline a migration's speed is measured against: a table streamed with {@code COPY … TO STDOUT} straight into
 * {@code COPY … FROM STDIN}, as a user's one-off script would move it, with no mapping, ids or ordering.
 */
final class PlainCopy {
    private PlainCopy() {
    }

    /**
     * Copies every row of {@code fromTable} into {@code toTable} in one transaction, foreign-key triggers off (a
     * script copying tables one by one could not order them otherwise); returns the rows copied.
     */
    static long copy(Connection from, String fromTable, Connection to, String toTable) throws SQLException {
        boolean autoCommit = to.getAutoCommit();
        to.setAutoCommit(false);
        try (Statement s = to.createStatement()) {
            s.execute("SET LOCAL session_replication_role = replica");
            CopyOut out = from.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY " + fromTable + " TO STDOUT");
            CopyIn in = to.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + toTable + " FROM STDIN");
            byte[] chunk;
            while ((chunk = out.readFromCopy()) != null) {
                in.writeToCopy(chunk, 0, chunk.length);
            }
            long rows = in.endCopy();
            to.commit();
            return rows;
        } finally {
            to.setAutoCommit(autoCommit);
        }
    }

    /** {@code schema.table} as a quoted SQL name. */
    static String quoted(String qualified) {
        int dot = qualified.indexOf('.');
        return SqlIdentifiers.qualified(qualified.substring(0, dot), qualified.substring(dot + 1));
    }
}
