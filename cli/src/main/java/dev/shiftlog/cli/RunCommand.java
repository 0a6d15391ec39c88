package dev.shiftlog.cli;

import java.util.EnumSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code shiftlog run STAGE}: one stage per process, for scaling stages separately. */
@Command(name = "run", description = "Run one stage of a spec: producer, transformer or sink.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "producer | transformer | sink")
    Pipeline.Stage stage;

    @Mixin
    StageOptions options;

    @Override
    public Integer call() throws Exception {
        return UpCommand.runStages(options, EnumSet.of(stage));
    }
}
