package dev.shiftlog.operate.verify;

import dev.shiftlog.operate.verify.VerifyReport.Finding;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.rows.StoredObjects;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;

/**
 * Fetches the public URL of every object an {@code upload} column gives — as a reader of the target would, with a
 * plain GET — and compares its bytes with the legacy value it was made from: the URLs in the target are compared
 * with the other columns, this shows that each one serves the right bytes. It rides along the pass that renders
 * the expected rows ({@link #around}), so the legacy tables are read once.
 */
final class StoredObjectCheck {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Set<String> fetched = new HashSet<>();
    private int reported;

    /** {@code visitor}, also fetching the objects of each row it is given; {@code visitor} itself when the mapping uploads nothing. */
    MappedLegacyRows.Visitor around(TableMappingDef mapping, List<Finding> findings, MappedLegacyRows.Visitor visitor) {
        List<ColumnDef> uploads = mapping.columns().stream().filter(ColumnDef::isUpload).toList();
        if (uploads.isEmpty()) {
            return visitor;
        }
        return new MappedLegacyRows.Visitor() {
            @Override
            public void start(RowMapper mapper) throws SQLException {
                visitor.start(mapper);
            }

            @Override
            public void row(String legacyKey, GenericRecord value, List<String> parentKeys) throws SQLException {
                for (ColumnDef column : uploads) {
                    GenericRecord object = (GenericRecord) value.get(StoredObjects.fieldOf(column.target()));
                    String url = StoredObjects.urlOf(column.upload(), object);
                    if (url == null || !fetched.add(url)) {
                        continue;
                    }
                    String problem = problem(url, StoredObjects.dataOf(object));
                    if (problem != null && reported++ < TargetVerifier.SAMPLES) {
                        findings.add(new Finding(FindingKind.CHANGED, mapping.target(), legacyKey, column.target(), null, url, problem));
                    }
                }
                visitor.row(legacyKey, value, parentKeys);
            }
        };
    }

    /** Distinct objects fetched so far. */
    long fetched() {
        return fetched.size();
    }

    /** What is wrong with the object at {@code url}, or null when it serves exactly {@code expected}. */
    private String problem(String url, byte[] expected) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                return "GET " + url + " answers " + response.statusCode() + (response.statusCode() == 403
                        ? " (is the bucket readable by the public, as storage.public-url promises?)" : "");
            }
            return Arrays.equals(response.body(), expected) ? null : "GET " + url + " serves " + response.body().length
                    + " bytes that differ from the legacy value's " + expected.length;
        } catch (IOException e) {
            return "GET " + url + " failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "GET " + url + " interrupted";
        }
    }
}
