package dev.shiftlog.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shiftlog bench}: pipeline throughput against a plain COPY between the same databases, in one run. */
@Command(name = "bench", description = "Measure rows/s of the pipeline against COPY TO | COPY FROM in the same run.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--rows", defaultValue = "1000000", description = "Rows in the benchmark table (default: ${DEFAULT-VALUE}).")
    long rows;

    @Override
    public Integer call() throws Exception {
        System.err.println("bench: not implemented yet");
        return 1;
    }
}
