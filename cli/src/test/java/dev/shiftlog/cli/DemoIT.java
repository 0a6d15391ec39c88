package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The README's first command, {@code shiftlog demo --once}, as CI runs it (issue 2), and the other examples (issue 3). */
class DemoIT {
    @Test
    void shouldMigrateTheCoachingExampleAndReportEqualCounts() {
        CliRun run = CliRun.of("demo", "--once", "--scale", "2", "--work-dir", "target/demo-it");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .containsPattern("coaches\\s+40\\s+0\\s+40\\s+40  =")
                .containsPattern("categories\\s+103\\s+3\\s+100\\s+100  =")
                .contains("dlq categories               3 × parent categories — e.g. parent categories:")
                .contains("cycle in categories: 900002 → 900003 → 900002")
                .containsPattern("app_config\\s+51\\s+0\\s+51\\s+51  =")
                .contains("demo OK: every table has expected = actual, verify is clean")
                // the images left the database: every distinct object's URL fetched and compared with the legacy bytes
                .containsPattern("objects: [1-9][0-9]+ fetched from their public URLs and compared with the legacy values")
                .containsPattern("object storage:  http://127.0.0.1:[0-9]+  \\(s3proxy")
                .containsPattern("categories\\s+103\\s+0\\s+3\\s+100\\s+100\\s+100\\s+0\\s+0\\s+0")
                .containsPattern("categories \\[█{30}] 100%  100/100 .* dlq 3")
                .contains("legacy database: jdbc:postgresql://127.0.0.1:")
                .doesNotContain("password");
    }

    @Test
    void shouldConsolidateTheCasetrackerExample() {
        CliRun run = CliRun.of("demo", "--example", "casetracker", "--once", "--compare-copy", "--work-dir", "target/demo-it-casetracker");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .containsPattern("userProfiles\\s+40\\s+0\\s+40\\s+40  =")
                .containsPattern("cases\\s+150\\s+0\\s+150\\s+150  =")
                .containsPattern("userProfiles \\[█{30}] 100%  40/40")
                .containsPattern("target files: +\\S+/files  \\(one .jsonl per table\\)")
                .contains("success rate 100.000 % (threshold 100.000 %): CLEAN")
                .contains("CAUGHT UP")
                // the load's rate beside plain COPY of the same 4 legacy tables, and the state the transformer keeps
                .containsPattern("initial load: [0-9,]+ legacy rows of 4 tables in [0-9.]+ s = [0-9,]+ rows/s; plain COPY of the same tables:")
                .containsPattern("transformer state on disk: references [0-9.]+ MB, lookups [0-9.]+ MB, aggregates [0-9.]+ MB, assigned ids"
                        + " [0-9.]+ MB, consolidation [0-9.]+ MB");
    }

    @Test
    void shouldBackUpAndResetTheTargetThenLoadTheStudiosExampleFromItsSqliteFile() {
        CliRun run = CliRun.of("demo", "--example", "studios", "--once", "--work-dir", "target/demo-it-studios");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .containsPattern("legacy database: jdbc:sqlite:\\S+/legacy.db  \\(SQLite, read every 2 s\\)")
                // the target held an earlier import's rows: backed up, then emptied, then loaded
                .contains("$ shiftlog backup -f ")
                .containsPattern("backup of jdbc:postgresql://\\S+ written to \\S+studios-\\S+-backup.dump")
                .contains("truncated User, UserProfile, Studio, StudioImage, Message, UserConnection in jdbc:postgresql://")
                .containsPattern("User\\s+318\\s+8\\s+310\\s+310  =")
                .containsPattern("Studio\\s+36\\s+0\\s+36\\s+36  =")
                .containsPattern("User \\s*\\[█{30}] 100%  310/310")
                .contains("demo OK: every table has expected = actual, verify is clean");
    }
}
