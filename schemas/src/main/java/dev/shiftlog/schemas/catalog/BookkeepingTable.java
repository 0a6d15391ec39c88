package dev.shiftlog.schemas.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates a table shiftlog keeps for itself in the target (the audit trail, the id map) when it is absent, safely
 * while other stages of the migration do the same: PostgreSQL's {@code CREATE TABLE IF NOT EXISTS} lets two sessions
 * both find the name free, and the second then fails on the catalog's unique index ({@code pg_type_typname_nsp_index}).
 */
public final class BookkeepingTable {
    private BookkeepingTable() {}

    /**
     * Creates {@code qualifiedName} with {@code columns} (the text between the parentheses) unless it exists, under a
     * transaction-scoped advisory lock on the name. On a connection in autocommit mode the creation is its own
     * transaction; otherwise it joins the caller's, and the lock holds until the caller commits — keep that short.
     */
    public static void createIfAbsent(Connection c, String qualifiedName, String columns) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        if (autoCommit) {
            c.setAutoCommit(false);
        }
        try {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "shiftlog create " + qualifiedName);
                lock.execute();
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS " + qualifiedName + " (" + columns + ")");
            }
            if (autoCommit) {
                c.commit();
            }
        } catch (SQLException e) {
            if (autoCommit) {
                c.rollback();
            }
            throw e;
        } finally {
            if (autoCommit) {
                c.setAutoCommit(true);
            }
        }
    }
}
