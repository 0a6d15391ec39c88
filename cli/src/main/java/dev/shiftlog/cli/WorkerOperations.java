package dev.shiftlog.cli;

import dev.shiftlog.operate.audit.AuditLog;
import dev.shiftlog.operate.http.OperationsEndpoint;
import dev.shiftlog.operate.status.StatusProbe;
import dev.shiftlog.operate.status.StatusSampler;
import dev.shiftlog.schemas.spec.MigrationDef;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * What a running worker offers its operators: {@code /metrics} and {@code /status} over HTTP (localhost unless a
 * token is set) fed by a background status sample, {@code /health/live} and {@code /health/ready} for probes, and the
 * audit event of its start.
 */
final class WorkerOperations implements AutoCloseable {
    private final StatusSampler sampler;
    private final OperationsEndpoint endpoint;
    private final boolean registryApi;

    /** @param bind host:port, or "off" for no endpoint */
    WorkerOperations(MigrationDef spec, KafkaEndpoint kafka, String bind, String stages) throws Exception {
        this(spec, kafka, bind, stages, null);
    }

    /** @param pipeline the stages this worker runs, for the liveness and readiness probes; null: always up */
    WorkerOperations(MigrationDef spec, KafkaEndpoint kafka, String bind, String stages, Pipeline pipeline) throws Exception {
        try (AuditLog audit = new AuditLog(spec, kafka.clientConfig(), kafka.registry())) {
            audit.record("run-start", Map.of("stages", stages, "kafka", kafka.bootstrapServers()));
        }
        if ("off".equalsIgnoreCase(bind)) {
            sampler = null;
            endpoint = null;
            registryApi = false;
            return;
        }
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // before any meter: every series says which migration and which worker kind it comes from
        metrics.config().commonTags("migration", spec.name(), "stage", stages);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        sampler = new StatusSampler(new StatusProbe(spec, kafka.clientConfig(), kafka.registry()), metrics, 5);
        int colon = bind.lastIndexOf(':');
        InetSocketAddress address = new InetSocketAddress(bind.substring(0, colon), Integer.parseInt(bind.substring(colon + 1)));
        // the embedded registry's schemas for every Kafka tool; a Confluent registry serves its own API
        dev.shiftlog.operate.http.SchemaRegistryApi registryApi = kafka.registry() instanceof dev.shiftlog.schemas.registry.SubjectCatalog catalog
                ? new dev.shiftlog.operate.http.SchemaRegistryApi(catalog) : null;
        endpoint = new OperationsEndpoint(address, dev.shiftlog.schemas.ShiftlogVariable.SHIFTLOG_HTTP_TOKEN.in(System.getenv()), metrics,
                sampler::latest, registryApi, pipeline == null ? OperationsEndpoint.Probes.ALWAYS
                        : new OperationsEndpoint.Probes(pipeline::live, pipeline::ready));
        this.registryApi = registryApi != null;
    }

    /** The endpoint's address, or null with {@code --http off}. */
    InetSocketAddress address() {
        return endpoint == null ? null : endpoint.address();
    }

    /** Where /metrics and /status answer, for the start-up message. */
    String describe() {
        if (endpoint == null) {
            return "no HTTP endpoint (--http off)";
        }
        InetSocketAddress a = endpoint.address();
        String host = a.getAddress().isAnyLocalAddress() ? "0.0.0.0" : a.getAddress().getHostAddress();
        return "/metrics, /status" + (registryApi ? " and the schema registry API (/subjects, /schemas/ids/…)" : "") + " on http://"
                + host + ":" + a.getPort() + (a.getAddress().isLoopbackAddress() ? "" : " (bearer token)");
    }

    @Override
    public void close() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (sampler != null) {
            sampler.close();
        }
    }
}
