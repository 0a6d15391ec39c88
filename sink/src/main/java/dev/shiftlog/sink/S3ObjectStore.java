package dev.shiftlog.sink;

import dev.shiftlog.schemas.spec.Secret;
import dev.shiftlog.schemas.spec.StorageDef;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The S3 API (AWS S3, MinIO, s3proxy …) through the AWS SDK: the sink's object store for {@code upload} columns. */
final class S3ObjectStore implements AutoCloseable {
    private final S3Client client;
    private final StorageDef storage;

    S3ObjectStore(StorageDef storage) {
        this.storage = storage;
        AwsCredentialsProvider credentials = storage.accessKey() == Secret.NONE ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(storage.accessKey().reveal(), storage.secretKey().reveal()));
        var builder = S3Client.builder().region(Region.of(storage.region())).credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                // plain Content-MD5-free PUTs that every S3-compatible server takes (no aws-chunked trailers)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (storage.endpoint() != null) {
            builder.endpointOverride(URI.create(storage.endpoint())).forcePathStyle(true);
        }
        this.client = builder.build();
    }

    /** Where it writes, for messages (never the credentials). */
    String where() {
        return storage.endpoint() != null ? storage.endpoint() : "AWS S3 (" + storage.region() + ")";
    }

    /** Creates the bucket when it does not exist. */
    void ensureBucket(String bucket) {
        try {
            client.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            client.createBucket(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            client.createBucket(b -> b.bucket(bucket));
        }
    }

    boolean exists(String bucket, String key) {
        try {
            client.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    void put(String bucket, String key, String contentType, byte[] data) {
        client.putObject(b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(data));
    }

    @Override
    public void close() {
        client.close();
    }
}
