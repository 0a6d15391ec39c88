package dev.shiftlog.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The module table of DESIGN.md, enforced: each stage knows only what its row in the table allows. */
class ModuleBoundariesTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.shiftlog");

    @Test
    void schemasShouldKnowNoStage() {
        noClasses().that().resideInAPackage("dev.shiftlog.schemas..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.shiftlog.producer..", "dev.shiftlog.transformer..",
                        "dev.shiftlog.sink..", "dev.shiftlog.cli..", "org.apache.kafka.streams..")
                .because("schemas/ is the shared vocabulary; move stage-specific code into that stage instead")
                .check(CLASSES);
    }

    @Test
    void transformerShouldNotWriteToDatabases() {
        noClasses().that().resideInAPackage("dev.shiftlog.transformer..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.shiftlog.sink..", "dev.shiftlog.producer..", "java.sql..")
                .because("the transformer is a pure function of the log; target writes belong to sink/")
                .check(CLASSES);
    }

    @Test
    void sinkShouldNotEvaluateTheSpec() {
        noClasses().that().resideInAPackage("dev.shiftlog.sink..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.shiftlog.transformer..", "dev.shiftlog.producer..",
                        "dev.cel..", "org.apache.kafka.streams..")
                .because("the sink writes rows as they arrive; mapping logic belongs to the transformer")
                .check(CLASSES);
    }

    @Test
    void producerShouldNotKnowTheTarget() {
        noClasses().that().resideInAPackage("dev.shiftlog.producer..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.shiftlog.sink..", "dev.shiftlog.transformer..")
                .because("capture only turns legacy changes into source events; see DESIGN.md's module table")
                .check(CLASSES);
    }
}
