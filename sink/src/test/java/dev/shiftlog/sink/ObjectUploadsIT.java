package dev.shiftlog.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shiftlog.schemas.rows.StoredObjects;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import dev.shiftlog.testkit.S3ProxyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Objects of upload columns against a real S3-compatible server (s3proxy): put once, served at their URL, rows stripped. */
class ObjectUploadsIT {
    private static S3ProxyServer s3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyServer.start(Files.createTempDirectory(Path.of("target"), "s3-"));
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    private static MigrationDef spec(String endpoint) {
        return new SpecParser(Map.of("KEY", S3ProxyServer.ACCESS_KEY, "SECRET", S3ProxyServer.SECRET_KEY)).parse("uploads.yaml", """
                migration: uploads
                source: { url: "jdbc:postgresql://legacy:5432/old", user: app }
                target: { url: "jdbc:postgresql://new:5432/app", user: app }
                storage: { endpoint: "%s", access-key: "${KEY}", secret-key: "${SECRET}" }
                tables:
                  - target: images
                    source: tls_image
                    columns:
                      url: { upload: data, bucket: coach-images, content-type: mime }
                """.formatted(endpoint));
    }

    private static GenericRecord row(byte[] data, String mime) {
        Schema schema = Schema.createRecord("images", null, "t", false, List.of(
                new Schema.Field("id", Schema.create(Schema.Type.STRING)),
                new Schema.Field("url", Schema.create(Schema.Type.STRING)),
                new Schema.Field(StoredObjects.fieldOf("url"), dev.shiftlog.schemas.rows.AvroValues.optional(StoredObjects.OBJECT_SCHEMA),
                        null, Schema.Field.NULL_DEFAULT_VALUE)));
        GenericRecord r = new GenericData.Record(schema);
        GenericRecord object = StoredObjects.objectOf(data, mime);
        r.put("id", "a");
        r.put("url", object == null ? null : "ignored");
        r.put(StoredObjects.fieldOf("url"), object);
        return r;
    }

    @Test
    void anObjectIsPutOnceServedAtItsPublicUrlAndTheRowLeavesWithoutIt() throws Exception {
        byte[] png = "\u0089PNG fake image bytes".getBytes(StandardCharsets.ISO_8859_1);
        MigrationDef spec = spec(s3.endpoint());
        GenericRecord stripped;
        try (ObjectUploads uploads = ObjectUploads.of(spec)) {
            uploads.start();
            stripped = uploads.put("images", row(png, "image/png"));
            uploads.put("images", row(png, "image/png"));
            assertThat(uploads.puts()).as("equal bytes share one object").isEqualTo(1);
            assertThat(uploads.put("images", row(null, null)).get("url")).isNull();
        }
        assertThat(stripped.getSchema().getFields()).extracting(Schema.Field::name).containsExactly("id", "url");

        // the object's name: the bytes' SHA-256 by the JDK, not by shiftlog, and the type's extension
        String key = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(png)) + ".png";
        String url = spec.storage().urlOf("coach-images", key);
        assertThat(url).isEqualTo(s3.endpoint() + "/coach-images/" + key);
        HttpResponse<byte[]> got = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(png);
        assertThat(got.headers().firstValue("Content-Type")).hasValue("image/png");

        try (ObjectUploads again = ObjectUploads.of(spec)) { // a new process: the object is found, not put again
            again.start();
            again.put("images", row(png, "image/png"));
            assertThat(again.puts()).isZero();
            assertThat(again.alreadyStored()).isEqualTo(1);
        }
    }

    @Test
    void anUnreachableStoreFailsAtStartNamingTheBucketAndEndpoint() {
        try (ObjectUploads uploads = ObjectUploads.of(spec("http://127.0.0.1:1"))) {
            assertThatThrownBy(uploads::start).isInstanceOf(SinkException.class)
                    .hasMessageStartingWith("cannot reach bucket 'coach-images' at http://127.0.0.1:1: ")
                    .hasMessageContaining("check storage.endpoint").hasMessageNotContaining(S3ProxyServer.SECRET_KEY);
        }
    }
}
