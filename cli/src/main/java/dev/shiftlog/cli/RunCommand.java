package dev.shiftlog.cli;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shiftlog run STAGE}: one stage per process, for scaling stages separately. */
@Command(name = "run", description = "Run one stage of a spec: producer, transformer or sink.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "producer | transformer | sink")
    Pipeline.Stage stage;

    @Option(names = {"-f", "--file"}, required = true, description = "The migration spec (YAML).")
    Path specFile;

    @Option(names = "--work-dir", description = "Local state (Streams state). Default: .shiftlog/<migration>")
    Path workDir;

    @Option(names = "--http", defaultValue = "127.0.0.1:9464", description = "host:port of /metrics and /status, or 'off'. "
            + "Beyond localhost a bearer token from SHIFTLOG_HTTP_TOKEN is required. A busy port falls back to a free one.")
    String http;

    @Override
    public Integer call() throws Exception {
        return UpCommand.runStages(specFile, workDir, EnumSet.of(stage), http);
    }
}
