package dev.shiftlog.schemas.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reference graph's cycles: each elementary cycle once, trees included, DAG edges never. */
class ReferenceCycleTest {

    @Test
    void shouldFindEveryCycleOnceAndNoneInTheAcyclicPart() {
        MigrationDef spec = new SpecParser(Map.of()).parse("spec.yaml", """
                migration: m
                source: { url: "jdbc:postgresql://h/db", user: u }
                target: { url: "jdbc:postgresql://h/db", user: u }
                tables:
                  - { target: a, source: a, columns: { b_id: { ref: b, from: b_id }, up: { ref: a, from: up } } }
                  - { target: b, source: b, columns: { c_id: { ref: c, from: c_id }, a_id: { ref: a, from: a_id } } }
                  - { target: c, source: c, columns: { a_id: { ref: a, from: a_id, on-missing-parent: land-null-then-patch } } }
                  - { target: d, source: d, columns: { a_id: { ref: a, from: a_id }, c_id: { ref: c, from: c_id } } }
                """);

        assertThat(spec.referenceCycles()).extracting(ReferenceCycle::toString).containsExactly(
                "a.up → a",
                "a.b_id → b, b.a_id → a",
                "a.b_id → b, b.c_id → c, c.a_id → a");
        assertThat(spec.referenceCycles()).extracting(c -> c.patchable().size()).containsExactly(0, 0, 1);
        assertThat(spec.referenceCycles().get(0).tree()).isTrue();
    }
}
