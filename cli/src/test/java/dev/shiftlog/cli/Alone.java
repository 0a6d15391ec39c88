package dev.shiftlog.cli;

/**
 * The tests that load the machine themselves (processes killed in rounds, containers, a crash at every point, server
 * restarts): the build runs them one at a time after the others, which share it two by two (cli/pom.xml).
 */
final class Alone {
    /** The JUnit tag that marks them. */
    static final String TAG = "alone";

    private Alone() {}
}
