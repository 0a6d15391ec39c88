package dev.shiftlog.operate.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A worker's {@code /metrics} (Prometheus text), {@code /status} (JSON) and, with the embedded registry, the
 * Confluent Schema Registry read API ({@link SchemaRegistryApi}). On a loopback address it is open
 * unless a token is set; on any other address it refuses to start without a bearer token and answers 401 to a
 * request that does not carry it.
 */
public final class OperationsEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final byte[] token;

    /**
     * @param token the bearer token, or null/blank for none (allowed on loopback only)
     * @param status what {@code /status} serializes; called per request, so it should return a cached sample
     */
    public OperationsEndpoint(InetSocketAddress bind, String token, PrometheusMeterRegistry metrics, Supplier<Object> status)
            throws IOException {
        this(bind, token, metrics, status, null);
    }

    /** @param registry the Confluent registry read API to serve under {@code /schemas} and {@code /subjects}, or null */
    public OperationsEndpoint(InetSocketAddress bind, String token, PrometheusMeterRegistry metrics, Supplier<Object> status,
                              SchemaRegistryApi registry) throws IOException {
        this(bind, token, metrics, status, registry, Probes.ALWAYS);
    }

    /**
     * Liveness and readiness, for an orchestrator's probes: open without the token (they say nothing about the data).
     *
     * @param live false once a stage has stopped: restart the process
     * @param ready true while every stage does its work (the transformer is not rebalancing or restoring)
     */
    public record Probes(java.util.function.BooleanSupplier live, java.util.function.BooleanSupplier ready) {
        /** For an endpoint without stages to watch. */
        public static final Probes ALWAYS = new Probes(() -> true, () -> true);
    }

    /** @param probes what {@code /health/live} and {@code /health/ready} answer */
    public OperationsEndpoint(InetSocketAddress bind, String token, PrometheusMeterRegistry metrics, Supplier<Object> status,
                              SchemaRegistryApi registry, Probes probes) throws IOException {
        boolean open = token == null || token.isBlank();
        if (open && !bind.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("serving /metrics and /status on " + bind.getAddress().getHostAddress()
                    + " (beyond localhost) needs a bearer token: set SHIFTLOG_HTTP_TOKEN, or bind to 127.0.0.1");
        }
        this.token = open ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        HttpServer bound;
        try {
            bound = HttpServer.create(bind, 16);
        } catch (BindException e) {
            // several workers on one host: the first gets the configured port, the others an ephemeral one
            bound = HttpServer.create(new InetSocketAddress(bind.getAddress(), 0), 16);
        }
        server = bound;
        ObjectMapper json = new ObjectMapper();
        server.createContext("/metrics", exchange -> respond(exchange, "text/plain; version=0.0.4; charset=utf-8",
                () -> metrics.scrape().getBytes(StandardCharsets.UTF_8)));
        server.createContext("/status", exchange -> respond(exchange, "application/json",
                () -> json.writerWithDefaultPrettyPrinter().writeValueAsBytes(status.get())));
        server.createContext("/health/live", exchange -> probe(exchange, probes.live().getAsBoolean()));
        server.createContext("/health/ready", exchange -> probe(exchange, probes.ready().getAsBoolean()));
        if (registry != null) {
            for (String prefix : java.util.List.of("/schemas", "/subjects")) {
                server.createContext(prefix, exchange -> {
                    try (exchange) {
                        if (!authorized(exchange)) {
                            return;
                        }
                        SchemaRegistryApi.Response r = registry.handle(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                                exchange.getRequestBody().readAllBytes());
                        exchange.getResponseHeaders().add("Content-Type", SchemaRegistryApi.CONTENT_TYPE);
                        exchange.sendResponseHeaders(r.status(), r.body().length);
                        exchange.getResponseBody().write(r.body());
                    } catch (RuntimeException e) {
                        // e.g. Kafka unreachable while reading the schema topic: the client retries
                        byte[] bytes = ("{\"error_code\": 50001, \"message\": \"" + String.valueOf(e.getMessage()).replace("\"", "'")
                                + "\"}").getBytes(StandardCharsets.UTF_8);
                        exchange.sendResponseHeaders(500, bytes.length);
                        exchange.getResponseBody().write(bytes);
                    }
                });
            }
        }
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "shiftlog-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private interface Body {
        byte[] get() throws IOException;
    }

    private void respond(HttpExchange exchange, String contentType, Body body) throws IOException {
        try (exchange) {
            if (!authorized(exchange)) {
                return;
            }
            byte[] bytes;
            try {
                bytes = body.get();
            } catch (RuntimeException | IOException e) {
                bytes = ("{\"error\": \"" + String.valueOf(e.getMessage()).replace("\"", "'") + "\"}").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(503, bytes.length);
                exchange.getResponseBody().write(bytes);
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void probe(HttpExchange exchange, boolean up) throws IOException {
        try (exchange) {
            byte[] body = (up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(up ? 200 : 503, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    /** Answers 401 and returns false when a token is required and the request does not carry it. */
    private boolean authorized(HttpExchange exchange) throws IOException {
        if (token == null) {
            return true;
        }
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        if (given != null && (MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8)) || basicCarriesToken(given))) {
            return true;
        }
        exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"shiftlog\"");
        exchange.sendResponseHeaders(401, -1);
        return false;
    }

    /**
     * Basic auth whose password is the token ({@code http://shiftlog:TOKEN@host:9464}): the only form some registry
     * clients (kcat {@code -r}) can send.
     */
    private boolean basicCarriesToken(String given) {
        if (!given.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        try {
            String decoded = new String(java.util.Base64.getDecoder().decode(given.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return false; // not user:password
            }
            byte[] password = decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
            return MessageDigest.isEqual(java.util.Arrays.copyOfRange(token, 7, token.length), password);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
