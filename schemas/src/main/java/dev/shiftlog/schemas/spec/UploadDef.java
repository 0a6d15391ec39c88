package dev.shiftlog.schemas.spec;

/**
 * A column whose value is a binary value put into object storage, as its public URL ({@code upload} in the spec).
 *
 * @param expr CEL yielding the bytes
 * @param contentType CEL yielding the object's Content-Type; null for application/octet-stream
 * @param storage where the bucket lives (set by the parser from the spec's {@code storage})
 */
public record UploadDef(String expr, String bucket, String contentType, StorageDef storage) {
    public UploadDef withStorage(StorageDef resolved) {
        return new UploadDef(expr, bucket, contentType, resolved);
    }
}
