package dev.shiftlog.operate.status;

import dev.shiftlog.operate.status.StatusReport.TableProgress;

/** Draws a status sample as the terminal frame {@code status --watch} redraws: one progress bar per target table. */
public final class StatusFrame {
    private static final int BAR = 30;

    private StatusFrame() {}

    public static String render(StatusReport r) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("shiftlog %s  %s%n", r.migration(), r.at()));
        out.append(String.format("lag %d  dlq %d  parked %d  cdc delay %.1f s  %s%n%n", r.totalLag(), r.dlq(), r.parked(),
                r.cdcDelayMs() / 1000.0, r.caughtUp() ? "CAUGHT UP" : "catching up"));
        int width = r.tables().stream().mapToInt(t -> t.table().length()).max().orElse(5);
        for (TableProgress t : r.tables()) {
            double done = t.expected() == 0 ? 1.0 : Math.min(1.0, (double) t.landed() / t.expected());
            int filled = (int) Math.round(done * BAR);
            out.append(String.format("%-" + width + "s [%s%s] %3d%%  %,d/%,d", t.table(), "█".repeat(filled), "░".repeat(BAR - filled),
                    (int) Math.floor(done * 100), t.landed(), t.expected()));
            if (t.rowsPerSecond() != null) {
                out.append(String.format("  %,.0f rows/s", t.rowsPerSecond()));
            }
            if (t.etaSeconds() != null) {
                out.append(String.format("  eta %ds", t.etaSeconds()));
            }
            out.append(String.format("  captured %,d  transformed %,d", t.captured(), t.transformed()));
            if (t.rejected() > 0) {
                out.append(String.format("  dlq %d", t.rejected()));
            }
            if (t.parked() > 0) {
                out.append(String.format("  parked %d", t.parked()));
            }
            out.append(System.lineSeparator());
        }
        return out.toString();
    }
}
