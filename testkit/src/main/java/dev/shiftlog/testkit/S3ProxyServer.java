package dev.shiftlog.testkit;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real S3-compatible server (s3proxy over a folder) for the demo and the tests, as a process of its own so its
 * Jetty and jclouds stay off our classpath. Anonymous requests are allowed, so public URLs can be fetched with a plain
 * GET; signed requests (any key) are served too. The jar comes from {@code shiftlog.s3proxy.jar} /
 * {@code SHIFTLOG_S3PROXY_JAR}, from beside the running jar ({@code s3proxy/s3proxy.jar}), or from the local Maven
 * repository, where the build put it.
 */
public final class S3ProxyServer implements AutoCloseable {
    /** The version the build fetches (the parent pom's s3proxy.version). */
    public static final String VERSION = "2.6.0";
    public static final String ACCESS_KEY = "local-identity";
    public static final String SECRET_KEY = "local-credential";

    private final Process process;
    private final int port;
    private final Path storage;

    private S3ProxyServer(Process process, int port, Path storage) {
        this.process = process;
        this.port = port;
        this.storage = storage;
    }

    /** Starts s3proxy on a free port, its buckets as folders under {@code workDir/buckets}; waits until it answers. */
    public static S3ProxyServer start(Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path buckets = workDir.resolve("buckets");
        Files.createDirectories(buckets);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path conf = workDir.resolve("s3proxy.conf");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=none",
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + buckets.toAbsolutePath(),
                ""));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar().toString(), "--properties", conf.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("s3proxy.log").toFile())).start();
        S3ProxyServer server = new S3ProxyServer(process, port, buckets);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!server.answers()) {
            if (!process.isAlive()) {
                throw new IOException("s3proxy stopped at start (exit " + process.exitValue() + "); see " + workDir.resolve("s3proxy.log"));
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IOException("s3proxy did not answer on port " + port + " within 60 s; see " + workDir.resolve("s3proxy.log"));
            }
            Thread.sleep(200);
        }
        return server;
    }

    private boolean answers() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            c.getResponseCode();
            c.disconnect();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The s3proxy jar: configured, beside the running jar, or in the local Maven repository. */
    static Path jar() throws IOException {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getProperty("shiftlog.s3proxy.jar", System.getenv("SHIFTLOG_S3PROXY_JAR"));
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
        }
        try {
            Path code = Path.of(S3ProxyServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(code) ? code : code.getParent(); // target/classes, or lib/ of the shiftlog jar
            candidates.add(dir.resolveSibling("s3proxy").resolve("s3proxy.jar"));
            candidates.add(dir.resolve("s3proxy").resolve("s3proxy.jar"));
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // no code source: the other places
        }
        candidates.add(Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "gaul", "s3proxy", VERSION,
                "s3proxy-" + VERSION + "-jar-with-dependencies.jar"));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IOException("no s3proxy jar in " + candidates + "; `mvn -B install -DskipTests` fetches it (org.gaul:s3proxy:"
                + VERSION + ":jar-with-dependencies), or set SHIFTLOG_S3PROXY_JAR");
    }

    /** The S3 API's URL, e.g. {@code http://127.0.0.1:41234}; also the public URL base (path style). */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** The folder the buckets are kept in: one sub-folder per bucket, a file per object. */
    public Path storage() {
        return storage;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
