package dev.shiftlog.cli;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** A SQLite legacy file a test writes and reads with plain SQL, its oracle: never through shiftlog. */
record SqliteFile(Path path) {

    String url() {
        return "jdbc:sqlite:" + path.toAbsolutePath();
    }

    /** Runs statements (a whole script too) as the app that owns the file would. */
    void exec(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        }
    }

    /** Rows as SQLite itself renders them, keyed by their first column. */
    RowsAsText rows(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url())) {
            return RowsAsText.query(c, sql);
        }
    }
}
