package dev.shiftlog.operate.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code /metrics} and {@code /status} over real HTTP: open on localhost, bearer token required beyond it (issue 4). */
class OperationsEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private HttpResponse<String> get(InetSocketAddress at, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerOnLocalhostWithoutAToken() throws Exception {
        Counter.builder("shiftlog.test.rows").register(metrics).increment(42);
        try (OperationsEndpoint endpoint = new OperationsEndpoint(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null,
                metrics, () -> Map.of("migration", "m", "totalLag", 0))) {
            HttpResponse<String> metricsResponse = get(endpoint.address(), "/metrics", null);
            assertThat(metricsResponse.statusCode()).isEqualTo(200);
            assertThat(metricsResponse.body()).contains("shiftlog_test_rows_total 42.0");
            HttpResponse<String> status = get(endpoint.address(), "/status", null);
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(status.body()).contains("\"totalLag\" : 0");
        }
    }

    @Test
    void shouldAnswer401WithoutTheTokenBeyondLocalhostAnd200WithIt() throws Exception {
        try (OperationsEndpoint endpoint = new OperationsEndpoint(new InetSocketAddress("0.0.0.0", 0), "s3cret-token", metrics,
                () -> Map.of("migration", "m"))) {
            for (String path : new String[] {"/metrics", "/status"}) {
                HttpResponse<String> none = get(endpoint.address(), path, null);
                assertThat(none.statusCode()).as(path).isEqualTo(401);
                assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"shiftlog\"");
                assertThat(get(endpoint.address(), path, "wrong").statusCode()).as(path).isEqualTo(401);
                assertThat(get(endpoint.address(), path, "s3cret-token").statusCode()).as(path).isEqualTo(200);
            }
        }
    }

    @Test
    void shouldTakeTheTokenAsABasicAuthPasswordForClientsThatOnlySendBasicAuth() throws Exception {
        try (OperationsEndpoint endpoint = new OperationsEndpoint(new InetSocketAddress("0.0.0.0", 0), "s3cret-token", metrics,
                () -> Map.of("migration", "m"))) {
            for (String credentials : new String[] {"shiftlog:s3cret-token", "shiftlog:wrong", "s3cret-token"}) {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.address().getPort() + "/status"))
                        .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(credentials.getBytes())).build();
                assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).as(credentials)
                        .isEqualTo(credentials.equals("shiftlog:s3cret-token") ? 200 : 401);
            }
        }
    }

    @Test
    void shouldAnswerTheProbesWithoutTheTokenAnd503WhenDown() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean ready = new java.util.concurrent.atomic.AtomicBoolean(false);
        try (OperationsEndpoint endpoint = new OperationsEndpoint(new InetSocketAddress("0.0.0.0", 0), "s3cret-token", metrics,
                () -> Map.of("migration", "m"), null, new OperationsEndpoint.Probes(() -> true, ready::get))) {
            assertThat(get(endpoint.address(), "/health/live", null).statusCode()).isEqualTo(200);
            HttpResponse<String> notReady = get(endpoint.address(), "/health/ready", null);
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).isEqualTo("{\"status\":\"DOWN\"}");
            ready.set(true);
            assertThat(get(endpoint.address(), "/health/ready", null).body()).isEqualTo("{\"status\":\"UP\"}");
            assertThat(get(endpoint.address(), "/status", null).statusCode()).as("the data still needs the token").isEqualTo(401);
        }
    }

    @Test
    void shouldRefuseToServeBeyondLocalhostWithoutAToken() {
        assertThatThrownBy(() -> new OperationsEndpoint(new InetSocketAddress("0.0.0.0", 0), " ", metrics, Map::of))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a bearer token: set SHIFTLOG_HTTP_TOKEN");
    }
}
