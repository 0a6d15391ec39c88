package dev.shiftlog.schemas.spec;

/**
 * The S3-compatible object store that {@code upload} columns write into ({@code storage} in the spec).
 *
 * @param endpoint the S3 API's URL; null for AWS S3 itself
 * @param accessKey with {@code secretKey}, the credentials; {@link Secret#NONE} for the SDK's default chain
 * @param publicUrl where objects are read from; null: the endpoint, path style
 */
public record StorageDef(String endpoint, String region, Secret accessKey, Secret secretKey, String publicUrl, Location location) {
    public static final String DEFAULT_REGION = "us-east-1";

    /** The public URL of an object: {@code <public-url>/<bucket>/<key>}, or {@code {bucket}} in the public URL replaced. */
    public String urlOf(String bucket, String key) {
        String base = publicUrl != null ? publicUrl : endpoint != null ? endpoint : "https://s3." + region + ".amazonaws.com";
        base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return base.contains("{bucket}") ? base.replace("{bucket}", bucket) + "/" + key : base + "/" + bucket + "/" + key;
    }
}
