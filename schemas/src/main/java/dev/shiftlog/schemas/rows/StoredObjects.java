package dev.shiftlog.schemas.rows;

import dev.shiftlog.schemas.spec.UploadDef;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * How a binary value of an {@code upload} column becomes an object and its URL, so the transformer that writes the
 * URL, the sink that puts the object and verify that fetches it agree: the object key is the value's SHA-256 (hex)
 * with an extension for common content types, so equal values share one object and a re-run puts nothing new. The
 * row carries the object beside the URL in a field the sink takes out before writing ({@link #FIELD_PREFIX}).
 */
public final class StoredObjects {
    /** Prefix of the row fields carrying the objects: {@code shiftlog_upload_<column>}; never written to the target. */
    public static final String FIELD_PREFIX = "shiftlog_upload_";
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    /** The object a row carries for one column: key (no bucket), content type, bytes. */
    public static final Schema OBJECT_SCHEMA = SchemaBuilder.record("stored_object").namespace("shiftlog").fields()
            .requiredString("key").requiredString("content_type").requiredBytes("data").endRecord();

    private static final Map<String, String> EXTENSIONS = Map.of("image/png", ".png", "image/jpeg", ".jpg", "image/gif", ".gif",
            "image/webp", ".webp", "image/svg+xml", ".svg", "application/pdf", ".pdf");

    private StoredObjects() {}

    /** The row field carrying the object of an upload column. */
    public static String fieldOf(String column) {
        return FIELD_PREFIX + column;
    }

    /** True for a row field that carries an object, not a target column. */
    public static boolean isObjectField(String field) {
        return field.startsWith(FIELD_PREFIX);
    }

    /** {@code <sha256 hex>[.ext]}. */
    public static String keyOf(byte[] data, String contentType) {
        try {
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
            return hash + EXTENSIONS.getOrDefault(contentType == null ? "" : contentType.toLowerCase(java.util.Locale.ROOT), "");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** The object record for a value, or null for NULL. */
    public static GenericRecord objectOf(byte[] data, String contentType) {
        if (data == null) {
            return null;
        }
        GenericRecord object = new GenericData.Record(OBJECT_SCHEMA);
        String type = contentType == null || contentType.isBlank() ? DEFAULT_CONTENT_TYPE : contentType;
        object.put("key", keyOf(data, type));
        object.put("content_type", type);
        object.put("data", ByteBuffer.wrap(data));
        return object;
    }

    /** The public URL of an object record under an upload column's bucket. */
    public static String urlOf(UploadDef upload, GenericRecord object) {
        return object == null ? null : upload.storage().urlOf(upload.bucket(), object.get("key").toString());
    }

    /** The bytes of an object record. */
    public static byte[] dataOf(GenericRecord object) {
        ByteBuffer b = ((ByteBuffer) object.get("data")).duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    /** The object fields of a row with a value, as (column, object) pairs. */
    public static List<Map.Entry<String, GenericRecord>> objectsOf(GenericRecord row) {
        List<Map.Entry<String, GenericRecord>> out = new java.util.ArrayList<>();
        for (Schema.Field f : row.getSchema().getFields()) {
            if (isObjectField(f.name()) && row.get(f.pos()) != null) {
                out.add(Map.entry(f.name().substring(FIELD_PREFIX.length()), (GenericRecord) row.get(f.pos())));
            }
        }
        return out;
    }
}
