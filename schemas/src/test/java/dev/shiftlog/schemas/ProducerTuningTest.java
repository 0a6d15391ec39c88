package dev.shiftlog.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ProducerTuningTest {

    @Test
    void defaultsFillOnlyWhatTheSpecLeftOpen() {
        Map<String, Object> config = new HashMap<>(Map.of("compression.type", "gzip"));
        ProducerTuning.applyTo(config);
        assertThat(config).containsEntry("compression.type", "gzip").containsEntry("linger.ms", 5).containsEntry("batch.size", 262_144);
    }

    @Test
    void streamsGetThemPrefixedUnlessEitherFormIsSet() {
        Properties plain = new Properties();
        plain.put("compression.type", "none");
        plain.put("producer.linger.ms", 50);
        ProducerTuning.applyToStreams(plain);
        assertThat(plain).doesNotContainKey("producer.compression.type").containsEntry("producer.linger.ms", 50)
                .containsEntry("producer.batch.size", 262_144);
    }
}
