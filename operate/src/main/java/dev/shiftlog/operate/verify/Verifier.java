package dev.shiftlog.operate.verify;

import dev.shiftlog.operate.verify.VerifyReport.Finding;
import java.sql.SQLException;
import java.util.List;

/**
 * One check {@code verify} runs on a target table, adding what it finds to {@code findings} and returning its
 * counts. The implementations, in the order {@link TargetVerifier} runs them, and what each trades:
 * <ul>
 * <li>{@link ExpectedRows}: renders every legacy row through the transformer's own mapping code into a temporary
 *     table of the target's column types. Exact for everything the mapping computes, and the only one that reads
 *     the whole legacy table (one streaming pass, memory flat); by construction it cannot catch a bug shared with
 *     the transformer's mapping — the fidelity tests' SQL renderings are the independent check for that.</li>
 * <li>{@link RowDiff}: lets PostgreSQL join expected and actual rows by key and compare row hashes, then diffs only
 *     the rows that differ, column by column. Finds every missing, extra and changed row, with a sample of each;
 *     it compares values as the target stores them (a float is compared exactly, json as its text).</li>
 * <li>{@link ReferenceIntegrity}: for a table with a reference, every non-NULL reference names an existing row,
 *     no cycle, and trees have as many rows per level as the legacy tree. Cheap (a few queries in the target);
 *     proves structure, not values.</li>
 * </ul>
 *
 * @param <R> the verifier's counts
 */
interface Verifier<R> {
    R verify(TablePlan table, List<Finding> findings) throws SQLException;
}
