package dev.shiftlog.schemas;

import java.util.ArrayList;
import java.util.Collection;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the migration's topics up front with explicit partitions, so no stage depends on broker auto-creation. */
public final class TopicProvisioner {
    private final Map<String, Object> adminConfig;

    public TopicProvisioner(Map<String, Object> adminConfig) {
        this.adminConfig = adminConfig;
    }

    /**
     * Creates the topics that do not exist yet, each with the settings {@link TopicNames#settingsOf} gives it, and
     * sets those settings on topics that exist already (a topic made by an older version or by hand); other
     * settings of an existing topic are left as they are.
     */
    public void ensure(Collection<String> topics, int partitions, TopicNames names) {
        Admin admin = Admin.create(adminConfig);
        try {
            int brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            Map<ConfigResource, Collection<AlterConfigOp>> updates = new java.util.HashMap<>();
            for (String topic : topics) {
                Map<String, String> settings = names.settingsOf(topic);
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, Optional.of(partitions), Optional.of((short) Math.min(3, brokers))).configs(settings));
                } else {
                    updates.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), settings.entrySet().stream()
                            .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList());
                }
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": " + e.getCause().getMessage(), e);
                    }
                }
            }
            if (!updates.isEmpty()) {
                admin.incrementalAlterConfigs(updates).all().get(30, TimeUnit.SECONDS);
            }
            awaitVisible(admin, missing.stream().map(NewTopic::name).toList());
        } catch (ExecutionException | TimeoutException e) {
            String why = e instanceof TimeoutException ? "no answer within 30 s"
                    : e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getClass().getSimpleName();
            throw new IllegalStateException("Kafka at " + adminConfig.get("bootstrap.servers")
                    + " did not answer (" + why + "); check kafka.bootstrap-servers (or SHIFTLOG_BOOTSTRAP_SERVERS) and that the"
                    + " broker runs and is reachable from here", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } finally {
            // not close(): it would wait out the timed-out calls' own API timeout before the error reaches the user
            admin.close(java.time.Duration.ofSeconds(5));
        }
    }

    /**
     * Waits until the brokers' metadata lists the new topics: a creation is acknowledged by the controller first,
     * and a consumer asking a broker for the partitions just after would get none and read nothing.
     */
    private static void awaitVisible(Admin admin, List<String> created) throws InterruptedException, TimeoutException {
        long deadline = System.currentTimeMillis() + 30_000;
        for (boolean listed = created.isEmpty(); !listed; ) {
            try {
                admin.describeTopics(created).allTopicNames().get(10, TimeUnit.SECONDS);
                listed = true;
            } catch (ExecutionException e) { // UnknownTopicOrPartition until the broker's metadata has them
                if (System.currentTimeMillis() > deadline) {
                    throw new TimeoutException("topics " + created + " created but not listed by the brokers within 30 s");
                }
                Thread.sleep(100);
            }
        }
    }
}
