package dev.shiftlog.schemas.rows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The precedence a consolidated row is made by, on literal rows: mapping order, then legacy key, first non-NULL wins. */
class ConsolidatedRowTest {
    private static final String SPEC = """
            migration: people
            source: { url: "jdbc:postgresql://legacy:5432/old", user: app }
            target: { url: "jdbc:postgresql://target:5432/app", user: app }
            tables:
              - target: User
                source: users
                legacy-key: email
                match-on: "email.lowerAscii()"
                columns: { username: name, passwordHash: hash }
              - target: User
                source: shows_users
                legacy-key: email
                match-on: "email.lowerAscii()"
                columns: { passwordHash: pw, phone: phone }
            """;
    private static final Schema USERS = record("users", "username", "passwordHash");
    private static final Schema SHOWS = record("shows", "passwordHash", "phone");

    private final ConsolidatedRow rows;

    ConsolidatedRowTest() {
        MigrationDef spec = new SpecParser(Map.of()).parse("spec.yaml", SPEC);
        rows = new ConsolidatedRow(spec.mappingsOf("User"));
    }

    @Test
    void theFirstMappingWinsThenTheLowestLegacyKeyAndANullGivesWayToTheNextValue() {
        // users 10 and 9 are one person (Ann@x, ann@x); 9 sorts first as a number although "10" < "9" as text
        List<GenericRecord> all = sorted(
                new Contribution(1, "4", row(SHOWS, "shows-hash", "555")),
                new Contribution(0, "10", row(USERS, "ann10", "hash10")),
                new Contribution(0, "9", row(USERS, "ann9", null)));

        GenericRecord merged = rows.merge("id-1", "ann@x", all);

        assertThat(text(merged)).isEqualTo("id=id-1 email=ann@x username=ann9 passwordHash=hash10 phone=555");
    }

    @Test
    void aColumnNoContributionHasIsNullAndLosingTheFirstGivesTheNextOnesValues() {
        GenericRecord onlyUsers = rows.merge("id-2", "bob@x", sorted(new Contribution(0, "3", row(USERS, "bob", "h3"))));
        assertThat(text(onlyUsers)).isEqualTo("id=id-2 email=bob@x username=bob passwordHash=h3 phone=null");

        GenericRecord onlyShows = rows.merge("id-2", "bob@x", sorted(new Contribution(1, "8", row(SHOWS, "s8", null))));
        assertThat(text(onlyShows)).isEqualTo("id=id-2 email=bob@x username=null passwordHash=s8 phone=null");
    }

    @Test
    void orderTextsSortAsPrecedence() {
        List<Contribution> keys = new ArrayList<>(List.of(new Contribution(1, "1", null), new Contribution(0, "10", null),
                new Contribution(0, "9", null), new Contribution(0, "a", null)));
        keys.sort(java.util.Comparator.comparing(c -> ConsolidatedRow.order(c.mapping(), c.legacyKey())));
        assertThat(keys).extracting(c -> c.mapping() + ":" + c.legacyKey())
                .containsExactly("0:9", "0:a", "0:10", "1:1");
    }

    /** A contributing row with the mapping and legacy key that decide its precedence. */
    private record Contribution(int mapping, String legacyKey, GenericRecord row) {}

    /** The rows in precedence order, as the consolidation's store lists them. */
    private static List<GenericRecord> sorted(Contribution... contributions) {
        java.util.TreeMap<String, GenericRecord> byOrder = new java.util.TreeMap<>();
        for (Contribution c : contributions) {
            byOrder.put(ConsolidatedRow.order(c.mapping(), c.legacyKey()), c.row());
        }
        return List.copyOf(byOrder.values());
    }

    private static String text(GenericRecord r) {
        StringBuilder out = new StringBuilder();
        for (Schema.Field f : r.getSchema().getFields()) {
            out.append(out.isEmpty() ? "" : " ").append(f.name()).append('=').append(r.get(f.pos()));
        }
        return out.toString();
    }

    private static Schema record(String name, String... columns) {
        List<Schema.Field> fields = new ArrayList<>();
        fields.add(new Schema.Field("id", Schema.create(Schema.Type.STRING)));
        fields.add(new Schema.Field("email", Schema.create(Schema.Type.STRING)));
        for (String c : columns) {
            fields.add(new Schema.Field(c, AvroValues.optional(Schema.create(Schema.Type.STRING)), null, Schema.Field.NULL_DEFAULT_VALUE));
        }
        return Schema.createRecord(name, null, "t", false, fields);
    }

    private static GenericRecord row(Schema schema, String... values) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", "contribution");
        r.put("email", "contribution");
        for (int i = 0; i < values.length; i++) {
            r.put(i + 2, values[i]);
        }
        return r;
    }
}
