package dev.shiftlog.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * Debezium's engine refuses to stop while its tasks are starting ("Cannot stop engine while tasks are starting");
 * after a short snapshot the producer can be closed in exactly that moment, and an engine left starting runs on
 * (a CI run's next test of the same migration waited for its JMX names). The producer must ask again until it stops.
 */
class ProducerStageCloseTest {

    /** An engine that is starting for its first {@code refusals} close calls, then stops. */
    private static final class StartingEngine implements DebeziumEngine<RecordChangeEvent<SourceRecord>> {
        final AtomicInteger closeCalls = new AtomicInteger();
        private final int refusals;

        StartingEngine(int refusals) {
            this.refusals = refusals;
        }

        @Override
        public void run() {
        }

        @Override
        public void close() {
            if (closeCalls.incrementAndGet() <= refusals) {
                throw new IllegalStateException("Cannot stop engine while tasks are starting, this may lead to leaked resource."
                        + " Wait for the tasks to be fully started.");
            }
        }
    }

    @Test
    void closingAnEngineThatIsStartingAsksAgainUntilItStops() {
        StartingEngine engine = new StartingEngine(3);
        ProducerStage.closeEngine(engine);
        assertThat(engine.closeCalls).as("close calls: three refused while starting, the fourth stops it").hasValue(4);
    }

    @Test
    void anEngineAlreadyStoppingIsLeftAlone() {
        DebeziumEngine<RecordChangeEvent<SourceRecord>> stopping = new DebeziumEngine<>() {
            @Override
            public void run() {
            }

            @Override
            public void close() {
                throw new IllegalStateException("Engine is already being shutting down.");
            }
        };
        ProducerStage.closeEngine(stopping); // returns without waiting
    }
}
