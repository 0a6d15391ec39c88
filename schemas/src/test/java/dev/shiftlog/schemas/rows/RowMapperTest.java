package dev.shiftlog.schemas.rows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.IdStrategy;
import dev.shiftlog.schemas.spec.Location;
import dev.shiftlog.schemas.spec.OnError;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class RowMapperTest {
    private static final Location AT = new Location("spec.yaml", 1, 1);
    private static final Schema KEY = SchemaBuilder.record("k").fields().requiredInt("id").endRecord();
    private static final Schema ROW = SchemaBuilder.record("r").fields()
            .requiredInt("id").optionalString("name").optionalInt("image_id").endRecord();

    private static TableMappingDef table(IdStrategy id, ColumnDef... columns) {
        return new TableMappingDef("coaches", "tls_coach", "id", id, "legacy_id", List.of(columns), OnError.DLQ, null, java.time.Duration.ofMinutes(10), false, null, false, AT);
    }

    private static GenericRecord key(int id) {
        GenericRecord k = new GenericData.Record(KEY);
        k.put("id", id);
        return k;
    }

    private static GenericRecord row(int id, String name, Integer imageId) {
        GenericRecord r = new GenericData.Record(ROW);
        r.put("id", id);
        r.put("name", name);
        r.put("image_id", imageId);
        return r;
    }

    @Test
    void shouldReadLookedUpRowsTwoLevelsDeepAndNullsWhenNothingMatches() {
        Schema city = SchemaBuilder.record("city").fields().requiredInt("city_id").optionalString("city").optionalInt("country_id").endRecord();
        Schema country = SchemaBuilder.record("country").fields().requiredInt("country_id").optionalString("country").endRecord();
        List<dev.shiftlog.schemas.spec.LookupDef> lookups = List.of(
                new dev.shiftlog.schemas.spec.LookupDef("city", "city", List.of("image_id"), List.of(), false, AT),
                new dev.shiftlog.schemas.spec.LookupDef("country", "country", List.of("city.country_id"), List.of(), false, AT));
        TableMappingDef t = table(IdStrategy.PRESERVE, new ColumnDef("city_name", null, "city.city", AT),
                new ColumnDef("place", null, "{'city': city.city, 'country': country.country}", AT));
        t = new TableMappingDef(t.target(), t.source(), t.key(), t.id(), t.legacyKey(), t.columns(), t.onError(), t.where(),
                t.parkTimeout(), false, null, false, List.of(), lookups, List.of(), AT);
        RowMapper mapper = new RowMapper("m", t, KEY, ROW, null);
        GenericRecord lethbridge = new GenericData.Record(city);
        lethbridge.put("city_id", 3);
        lethbridge.put("city", "Lethbridge");
        lethbridge.put("country_id", 20);
        GenericRecord canada = new GenericData.Record(country);
        canada.put("country_id", 20);
        canada.put("country", "Canada");

        assertThat(mapper.lookupKey(lookups.get(0), row(1, "a", 3), Map.of())).isEqualTo("3");
        assertThat(mapper.lookupKey(lookups.get(1), row(1, "a", 3), Map.of("city", lethbridge))).isEqualTo("20");
        assertThat(mapper.lookupKey(lookups.get(1), row(1, "a", 3), Map.of())).as("the city found nothing").isNull();
        GenericRecord out = mapper.value(key(1), row(1, "a", 3), Map.of("city", lethbridge, "country", canada));
        assertThat(out.get("city_name")).isEqualTo("Lethbridge");
        assertThat(out.get("place")).isEqualTo("{\"city\":\"Lethbridge\",\"country\":\"Canada\"}");
        GenericRecord none = mapper.value(key(2), row(2, "b", null));
        assertThat(none.get("city_name")).isNull();
        assertThat(none.get("place")).isEqualTo("{\"city\":null,\"country\":null}");
    }

    @Test
    void shouldMapColumnsByNameAndExpressionUnderAUuid5Key() {
        RowMapper mapper = new RowMapper("m", table(IdStrategy.UUID5,
                new ColumnDef("title", "name", null, AT),
                new ColumnDef("photo_url", null, "image_id == null ? null : dyn('img://' + string(image_id))", AT)), KEY, ROW, null);

        GenericRecord out = mapper.value(key(7), row(7, "Daniel", 3));
        GenericRecord noPhoto = mapper.value(key(8), row(8, "Ana", null));

        String id = Uuid5.forRow("m", "coaches", "7").toString();
        assertThat(mapper.key(key(7)).get("id")).isEqualTo(id);
        assertThat(out.get("id")).isEqualTo(id);
        assertThat(out.get("legacy_id")).isEqualTo(7);
        assertThat(out.get("title")).isEqualTo("Daniel");
        assertThat(out.get("photo_url")).isEqualTo("img://3");
        assertThat(noPhoto.get("photo_url")).isNull();
    }

    @Test
    void shouldKeepTheLegacyKeyAsTheNewKeyWhenPreserving() {
        RowMapper mapper = new RowMapper("m", table(IdStrategy.PRESERVE, new ColumnDef("title", "name", null, AT)), KEY, ROW, null);

        assertThat(mapper.key(key(9)).get("id")).isEqualTo(9);
        assertThat(mapper.keySchema().getField("id").schema().getType()).isEqualTo(Schema.Type.INT);
    }

    @Test
    void shouldAssignARandomIdOnceAndReuseItForUpdatesAndDeletes() {
        Map<String, String> remembered = new HashMap<>();
        IdRegistry ids = new IdRegistry() {
            @Override
            public String existing(String legacyKey) {
                return remembered.get(legacyKey);
            }

            @Override
            public String assign(String legacyKey) {
                return remembered.computeIfAbsent(legacyKey, k -> RandomIds.next(IdStrategy.UUID7));
            }
        };
        RowMapper mapper = new RowMapper("m", table(IdStrategy.UUID7, new ColumnDef("title", "name", null, AT)), KEY, ROW, ids);

        assertThat(mapper.key(key(3))).as("a delete of a row never seen has no key").isNull();
        Object first = mapper.value(key(3), row(3, "a", null)).get("id");
        Object second = mapper.value(key(3), row(3, "b", null)).get("id");

        assertThat(java.util.UUID.fromString(first.toString()).version()).isEqualTo(7);
        assertThat(second).isEqualTo(first);
        assertThat(mapper.key(key(3)).get("id")).isEqualTo(first);
        assertThat(mapper.value(key(4), row(4, "c", null)).get("id")).isNotEqualTo(first);
    }

    @Test
    void shouldRefuseAWhereThatIsNotACondition() {
        TableMappingDef t = new TableMappingDef("coaches", "tls_coach", "id", IdStrategy.UUID5, "legacy_id",
                List.of(new ColumnDef("title", "name", null, AT)), OnError.DLQ, new ColumnDef("where", null, "name", AT), java.time.Duration.ofMinutes(10), false, null, false, AT);

        assertThatThrownBy(() -> new RowMapper("m", t, KEY, ROW, null))
                .hasMessage("spec.yaml:1:1: 'where' of 'coaches' must be a condition (bool), not string");
    }

    @Test
    void shouldNameTheColumnWhenAnExpressionDoesNotTypeCheck() {
        assertThatThrownBy(() -> new RowMapper("m", table(IdStrategy.UUID5, new ColumnDef("x", null, "name * 2", AT)), KEY, ROW, null))
                .hasMessageStartingWith("spec.yaml:1:1: expression for 'coaches.x' does not compile: found no matching overload for '_*_'");
    }

    @Test
    void shouldNameTheRowWhenAnExpressionFailsAtRuntime() {
        RowMapper mapper = new RowMapper("m", table(IdStrategy.UUID5, new ColumnDef("x", null, "name + '!'", AT)), KEY, ROW, null);

        assertThatThrownBy(() -> mapper.value(key(5), row(5, null, null)))
                .isInstanceOfSatisfying(RowMapper.RowRejectedException.class, e -> assertThat(e.rule()).isEqualTo("expr coaches.x"))
                .hasMessageStartingWith("row tls_coach:5 → coaches.x: ");
    }

    private static final Schema TAGGED = SchemaBuilder.record("r").fields().requiredInt("id").optionalString("name")
            .name("tags").type().optional().array().items(Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)))
            .endRecord();

    private GenericRecord tagged(int id, String name, List<String> tags) {
        GenericRecord r = new GenericData.Record(TAGGED);
        r.put("id", id);
        r.put("name", name);
        r.put("tags", tags);
        return r;
    }

    @Test
    void shouldWriteAListResultAsAPostgresArrayNotJavaText() {
        RowMapper mapper = new RowMapper("m", table(IdStrategy.UUID5,
                new ColumnDef("tags", null, "coalesce(tags, [])", AT),
                new ColumnDef("upper_tags", null, "tags == null ? [] : tags.map(t, t == null ? 'none' : t)", AT)), KEY, TAGGED, null);

        java.util.ArrayList<String> withNull = new java.util.ArrayList<>(List.of("Deleted Scenes", "a,\"b\"\\"));
        withNull.add(null);
        GenericRecord out = mapper.value(key(1), tagged(1, "x", withNull));
        GenericRecord empty = mapper.value(key(2), tagged(2, "x", null));

        StringBuilder copy = new StringBuilder();
        PgCopyText.append(copy, out.getSchema().getField("tags").schema(), out.get("tags"));
        assertThat(copy.toString()).isEqualTo("{\"Deleted Scenes\",\"a,\\\\\"b\\\\\"\\\\\\\\\",NULL}");
        StringBuilder mapped = new StringBuilder();
        PgCopyText.append(mapped, out.getSchema().getField("upper_tags").schema(), out.get("upper_tags"));
        assertThat(mapped.toString()).isEqualTo("{\"Deleted Scenes\",\"a,\\\\\"b\\\\\"\\\\\\\\\",\"none\"}");
        StringBuilder none = new StringBuilder();
        PgCopyText.append(none, empty.getSchema().getField("tags").schema(), empty.get("tags"));
        assertThat(none.toString()).isEqualTo("{}");
    }

    @Test
    void shouldLowerAndUpperUnicodeAndTypeCheckANullBranch() {
        RowMapper mapper = new RowMapper("m", table(IdStrategy.UUID5,
                new ColumnDef("lower", null, "lower(trim(name))", AT),
                new ColumnDef("upper", null, "upper(name)", AT),
                new ColumnDef("maybe", null, "name == null || name == 'x' ? null : name + '!'", AT),
                new ColumnDef("count", null, "name == null || name == 'x' ? null : size(name)", AT)), KEY, ROW, null);

        GenericRecord out = mapper.value(key(1), row(1, "  ÉMILE Straße ", null));
        GenericRecord x = mapper.value(key(2), row(2, "x", null));
        GenericRecord none = mapper.value(key(3), row(3, null, null));

        assertThat(out.get("lower")).isEqualTo("émile straße");
        assertThat(out.get("upper")).isEqualTo("  ÉMILE STRASSE ");
        assertThat(out.get("maybe")).isEqualTo("  ÉMILE Straße !");
        assertThat(String.valueOf(out.get("count"))).isEqualTo("15");
        assertThat(x.get("maybe")).isNull();
        assertThat(x.get("count")).isNull();
        assertThat(none.get("lower")).isNull();
    }

    @Test
    void anUploadColumnGetsThePublicUrlOfItsContentHashAndTheRowCarriesTheObject() {
        dev.shiftlog.schemas.spec.MigrationDef spec = new dev.shiftlog.schemas.spec.SpecParser(Map.of("K", "k", "S", "s")).parse("spec.yaml", """
                migration: m
                source: { url: "jdbc:postgresql://legacy:5432/old", user: app }
                target: { url: "jdbc:postgresql://new:5432/app", user: app }
                storage: { endpoint: "http://s3:9000", access-key: "${K}", secret-key: "${S}", public-url: "https://cdn.example/{bucket}" }
                tables:
                  - target: images
                    source: tls_image
                    id: preserve
                    columns: { url: { upload: data, bucket: coach-images, content-type: mime } }
                """);
        Schema image = SchemaBuilder.record("tls_image").fields().requiredInt("id").optionalBytes("data").optionalString("mime").endRecord();
        RowMapper mapper = new RowMapper("m", spec.tables().get(0), KEY, image, null);
        GenericRecord png = new GenericData.Record(image);
        png.put("id", 1);
        png.put("data", java.nio.ByteBuffer.wrap("\u0089PNG-1".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
        png.put("mime", "image/png");

        GenericRecord out = mapper.value(key(1), png);

        // the SHA-256 of the bytes by Python's hashlib, not by shiftlog
        assertThat(out.get("url")).isEqualTo("https://cdn.example/coach-images/762812c6d9ce655ad4971b0474719b99358cb17cbed12302f837fa3fd4e23d46.png");
        GenericRecord object = (GenericRecord) out.get(StoredObjects.fieldOf("url"));
        assertThat(object.get("content_type")).isEqualTo("image/png");
        assertThat(StoredObjects.dataOf(object)).isEqualTo("\u0089PNG-1".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        png.put("data", null);
        assertThat(mapper.value(key(1), png).get("url")).as("NULL stays NULL").isNull();

        assertThatThrownBy(() -> new RowMapper("m", spec.tables().get(0), KEY,
                SchemaBuilder.record("tls_image").fields().requiredInt("id").optionalString("data").optionalString("mime").endRecord(), null))
                .isInstanceOf(RowMapper.RowMappingException.class)
                .hasMessage("spec.yaml:9:31: 'upload' of 'images.url' yields string; it must yield bytes (a bytea column, or one of a"
                        + " looked-up row)");
    }
}
