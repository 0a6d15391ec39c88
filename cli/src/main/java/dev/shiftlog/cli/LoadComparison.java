package dev.shiftlog.cli;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.testkit.EmbeddedPostgresServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a demo's initial load cost, beside what the same tables cost a plain script: the load's rows/s against
 * {@link PlainCopy} of the captured legacy tables between the same two servers, measured in the same run (the machine
 * is shared and noisy, so only the ratio travels), and the transformer's state on disk per feature.
 */
final class LoadComparison {
    private LoadComparison() {
    }

    /**
     * @param loadSeconds from the pipeline's start until every legacy row landed or was rejected (park-timeouts of
     *                    rows that never land included)
     * @param legacySql   the example's legacy script, run into a scratch database to get the same tables
     */
    static void print(MigrationDef spec, double loadSeconds, EmbeddedPostgresServer legacyPg, EmbeddedPostgresServer targetPg,
                      String legacySql, Path stateDir, PrintStream out) throws Exception {
        targetPg.createDatabase("plain_copy");
        long rows = 0;
        double copySeconds;
        try (Connection from = legacyPg.connect("legacy"); Connection to = targetPg.connect("plain_copy")) {
            try (Statement s = to.createStatement()) {
                s.execute(legacySql);
                for (String table : spec.capturedTables()) {
                    s.execute("TRUNCATE " + PlainCopy.quoted(table) + " CASCADE");
                }
            }
            long start = System.nanoTime();
            for (String table : spec.capturedTables()) {
                rows += PlainCopy.copy(from, PlainCopy.quoted(table), to, PlainCopy.quoted(table));
            }
            copySeconds = (System.nanoTime() - start) / 1e9;
        }
        out.println();
        out.printf("initial load: %,d legacy rows of %d tables in %.1f s = %,.0f rows/s; plain COPY of the same tables: %.2f s = %,.0f rows/s"
                + " (ratio %.3f)%n", rows, spec.capturedTables().size(), loadSeconds, rows / loadSeconds, copySeconds, rows / copySeconds,
                copySeconds / loadSeconds);
        StringBuilder state = new StringBuilder("transformer state on disk:");
        stateBytes(stateDir).forEach((feature, bytes) -> state.append(String.format(" %s %.1f MB,", feature, bytes / 1e6)));
        out.println(state.substring(0, state.length() - 1));
    }

    /** Bytes of the stores under a Kafka Streams state directory, by the feature the store serves. */
    static Map<String, Long> stateBytes(Path stateDir) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String feature : new String[] {"references", "lookups", "aggregates", "assigned ids", "consolidation"}) {
            out.put(feature, 0L);
        }
        if (!Files.isDirectory(stateDir)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(stateDir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String store = storeOf(stateDir.relativize(f));
                String feature = store == null ? null : dev.shiftlog.schemas.TransformerLayout.featureOf(store);
                if (feature != null) {
                    out.merge(feature, Files.size(f), Long::sum);
                }
            }
        }
        return out;
    }

    /** The store a file belongs to: {@code <app>/<task>/rocksdb/<store>/…}. */
    private static String storeOf(Path relative) {
        for (int i = 0; i + 1 < relative.getNameCount(); i++) {
            if (relative.getName(i).toString().equals("rocksdb")) {
                return relative.getName(i + 1).toString();
            }
        }
        return null;
    }
}
