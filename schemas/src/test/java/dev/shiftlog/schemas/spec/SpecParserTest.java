package dev.shiftlog.schemas.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecParserTest {
    private static final Map<String, String> ENV = Map.of("SRC_PW", "hunter2-secret", "TGT_URL", "jdbc:postgresql://db:5433/app");

    private static final String VALID = """
            migration: coaching
            source:
              url: jdbc:postgresql://legacy:5432/old
              user: app
              password: ${SRC_PW}
            target:
              url: ${TGT_URL}
              user: app
            kafka:
              partitions: 8
            tables:
              - target: coaches
                source: legacy.tls_coach
                id: preserve
                key: coach_id
                columns:
                  name: name
                  bio: { from: description }
                  shout: { expr: "name + '!'" }
            """;

    private List<SpecError> errorsOf(String yaml) {
        try {
            new SpecParser(ENV).parse("spec.yaml", yaml);
        } catch (SpecException e) {
            return e.errors();
        }
        throw new AssertionError("expected errors");
    }

    @Test
    void shouldParseAValidSpecIntoImmutableDefinitions() {
        MigrationDef def = new SpecParser(ENV).parse("spec.yaml", VALID);

        assertThat(def.name()).isEqualTo("coaching");
        assertThat(def.source().password().reveal()).isEqualTo("hunter2-secret");
        assertThat(def.source().host()).isEqualTo("legacy");
        assertThat(def.target().port()).isEqualTo(5433);
        assertThat(def.target().database()).isEqualTo("app");
        assertThat(def.kafka().partitions()).isEqualTo(8);
        assertThat(def.kafka().embedded()).isTrue();
        TableMappingDef t = def.tables().get(0);
        assertThat(t.sourceSchema("public")).isEqualTo("legacy");
        assertThat(t.sourceTable()).isEqualTo("tls_coach");
        assertThat(t.id()).isEqualTo(IdStrategy.PRESERVE);
        assertThat(t.key()).isEqualTo("coach_id");
        assertThat(t.legacyKey()).isEqualTo("legacy_id");
        assertThat(t.columns()).extracting(ColumnDef::target).containsExactly("name", "bio", "shout");
        assertThat(t.columns().get(1).from()).isEqualTo("description");
        assertThat(t.columns().get(2).expr()).isEqualTo("name + '!'");
        assertThat(t.columns().get(2).location()).hasToString("spec.yaml:19:22");
    }

    @Test
    void shouldNeverPrintThePasswordWhenTheDefinitionIsPrinted() {
        MigrationDef def = new SpecParser(ENV).parse("spec.yaml", VALID);

        assertThat(def.toString()).doesNotContain("hunter2-secret").contains("******");
    }

    @Test
    void shouldReportEveryErrorAtOnceWithFileLineAndColumn() {
        String yaml = """
                migration: coaching
                source:
                  url: jdbc:postgresql://legacy:5432/old
                  user: app
                  pasword: x
                target:
                  url: jdbc:postgresql://t:5432/new
                  user: app
                tables:
                  - target: coaches
                    source: tls_coach
                    id: uuid9
                    colums: {}
                """;

        List<SpecError> errors = errorsOf(yaml);

        assertThat(errors).extracting(SpecError::toString).containsExactly(
                "spec.yaml:5:3: unknown key 'pasword' in 'source'; allowed keys: password, poll, schema, types, url, user",
                "spec.yaml:13:5: unknown key 'colums' in table mapping; allowed keys: aggregates, columns, id, key, legacy-key, lookups, match-on, on-error, on-missing-parent, park-timeout, source, target, where",
                "spec.yaml:12:9: unknown id strategy 'uuid9'; allowed: preserve, uuid5, uuid7, cuid2, target",
                "spec.yaml:10:5: table mapping 'coaches' has no 'columns' (target column: source column or {expr: ...})");
    }

    @Test
    void shouldNameTheUnsetEnvironmentVariable() {
        String yaml = VALID.replace("${SRC_PW}", "${MISSING_PASSWORD}");

        assertThat(errorsOf(yaml)).extracting(SpecError::toString).containsExactly(
                "spec.yaml:5:13: environment variable MISSING_PASSWORD is not set; export it or write ${MISSING_PASSWORD:-default}");
    }

    @Test
    void shouldUseTheDefaultOfAnEnvironmentReference() {
        MigrationDef def = new SpecParser(Map.of()).parse("spec.yaml",
                VALID.replace("${SRC_PW}", "${NOPE:-fallback}").replace("${TGT_URL}", "${NOPE2:-jdbc:postgresql://h/db}"));

        assertThat(def.source().password().reveal()).isEqualTo("fallback");
        assertThat(def.target().url()).isEqualTo("jdbc:postgresql://h/db");
    }

    @Test
    void shouldRejectAColumnWithBothFromAndExpr() {
        String yaml = VALID.replace("bio: { from: description }", "bio: { from: description, expr: \"1\" }");

        assertThat(errorsOf(yaml)).extracting(SpecError::toString).containsExactly(
                "spec.yaml:18:12: column 'bio' needs exactly one of 'from' (a source column) or 'expr' (a CEL expression)");
    }

    @Test
    void shouldGiveEachReferenceItsOwnPolicyOrTheTables() {
        MigrationDef spec = new SpecParser(ENV).parse("spec.yaml", VALID.replace("shout: { expr: \"name + '!'\" }", """
                shout: { expr: "name + '!'" }
                      boss: { ref: coaches, from: boss_id }
                      pair: { ref: coaches, from: [a, b], park-timeout: 30s, on-missing-parent: land-null-then-patch }""")
                .replace("    id: preserve", "    id: preserve\n    park-timeout: 2m"));
        List<ColumnDef> refs = spec.tables().get(0).references();
        assertThat(refs).extracting(c -> c.target() + " " + c.reference().from() + " " + c.reference().parkTimeout() + " "
                + c.reference().landNullThenPatch() + " " + c.refId().specName()).containsExactly("boss [boss_id] PT2M false preserve",
                "pair [a, b] PT30S true preserve");
    }

    @Test
    void shouldRefuseReferencePoliciesAndListsOnPlainColumns() {
        String yaml = VALID.replace("bio: { from: description }", "bio: { from: [description, name], park-timeout: 1m }");

        assertThat(errorsOf(yaml)).extracting(SpecError::toString).containsExactly("spec.yaml:18:20: column 'bio': a list of source"
                + " columns is only for a reference ({ref: table, from: [a, b]}) to a table with a composite legacy key; a plain column has one 'from'");
    }

    @Test
    void shouldReportInvalidYamlWithItsPosition() {
        assertThatThrownBy(() -> new SpecParser(ENV).parse("spec.yaml", "migration: [unclosed\n"))
                .isInstanceOf(SpecException.class)
                .hasMessageStartingWith("spec.yaml:2:1: not valid YAML");
    }

    @Test
    void shouldRefuseAPasswordInsideTheUrl() {
        String yaml = VALID.replace("jdbc:postgresql://legacy:5432/old", "jdbc:postgresql://legacy:5432/old?password=oops");

        assertThat(errorsOf(yaml)).extracting(SpecError::message)
                .containsExactly("put the password in 'source.password' (e.g. ${PGPASSWORD}), not in the URL");
    }

    private static final String PARENTS = """
              - target: contacts
                source: customers
                columns: { name: name }
              - target: contacts
                source: legacy.suppliers
                columns: { name: name }
              - target: users
                source: shows_users
                match-on: "email.lowerAscii()"
                columns: { name: name }
              - target: users
                source: community_users
                match-on: "email.lowerAscii()"
                columns: { handle: handle }
            """;

    @Test
    void shouldNameAParentInAMergedTargetBySourceAndAConsolidatedOneByMatch() {
        MigrationDef spec = new SpecParser(ENV).parse("spec.yaml", VALID.replace("shout: { expr: \"name + '!'\" }", """
                shout: { expr: "name + '!'" }
                      seller: { ref: contacts, source: suppliers, from: supplier_id }
                      sender: { ref: users, match: "sender_email.lowerAscii()" }""") + PARENTS);
        assertThat(spec.tables().get(0).references()).extracting(c -> c.target() + " " + c.reference().from() + " "
                + c.reference().source() + " " + c.reference().match()).containsExactly("seller [supplier_id] suppliers null",
                "sender [] null sender_email.lowerAscii()");
    }

    @Test
    void shouldRefuseAReferenceThatCannotSayWhichParentRowItMeans() {
        String yaml = VALID.replace("shout: { expr: \"name + '!'\" }", """
                shout: { expr: "name + '!'" }
                      a: { ref: contacts, from: contact_id }
                      b: { ref: contacts, source: vendors, from: contact_id }
                      c: { ref: users, from: user_id }
                      d: { ref: coaches, source: tls_coach, from: boss_id }
                      e: { ref: coaches, match: "boss" }
                      f: { ref: users, match: "email", from: user_id }""") + PARENTS;

        assertThat(errorsOf(yaml)).extracting(SpecError::toString).containsExactly(
                "spec.yaml:25:10: reference column 'f' names its parent by 'match' (the parent's match value); drop 'from'",
                "spec.yaml:20:33: column 'a' references 'contacts', which several legacy tables feed (customers, suppliers); a legacy"
                        + " key alone cannot say which row it means: add 'source: <one of them>'",
                "spec.yaml:21:50: column 'b' references 'contacts' from 'source: vendors', which is not one of the legacy tables"
                        + " feeding contacts: customers, suppliers",
                "spec.yaml:22:30: column 'c' references 'users', whose rows are consolidated by match-on (email.lowerAscii()); name"
                        + " the parent by its match value: { ref: users, match: \"<an expression over this row or its lookups>\" }",
                "spec.yaml:23:51: column 'd' references 'coaches' with 'source', which is for a target several legacy tables feed;"
                        + " coaches is fed by tls_coach alone: drop 'source'",
                "spec.yaml:24:33: column 'e' references 'coaches' by 'match', which is for a parent consolidated with match-on;"
                        + " coaches has none: use 'from'");
    }

    @Test
    void shouldTakeAFolderOfJsonLinesFilesAsTargetAndRefuseWhatOnlyADatabaseCanDo() {
        String files = VALID.replace("""
                target:
                  url: ${TGT_URL}
                  user: app
                """, """
                target:
                  url: jsonl:out/files
                  types: { coaches.bio: json }
                """);
        MigrationDef def = new SpecParser(ENV).parse("spec.yaml", files);
        assertThat(def.target().isJsonLines()).isTrue();
        assertThat(def.target().jsonLinesFile("coaches")).isEqualTo(java.nio.file.Path.of("out/files/coaches.jsonl"));
        assertThat(def.target().isJsonColumn("coaches", "bio")).isTrue();
        assertThat(def.target().isJsonColumn("coaches", "name")).isFalse();

        assertThat(errorsOf(files.replace("id: preserve", "id: target").replace("types: { coaches.bio: json }",
                "types: { coaches.bio: jsonb }\n  user: app"))).extracting(Object::toString).containsExactly(
                "spec.yaml:9:9: 'target.user' does not apply to a folder of JSON Lines files (jsonl:out/files)",
                "spec.yaml:8:10: 'target.types' of coaches.bio: unknown kind 'jsonb'; a JSON Lines target knows 'json' (the column's text"
                        + " is JSON, written as JSON, not as a string)",
                "spec.yaml:13:5: 'id: target' lets a database assign ids, but the target is a folder of JSON Lines files (jsonl:out/files):"
                        + " use uuid5, uuid7, cuid2 or preserve");
        assertThat(errorsOf(files.replace("url: jsonl:out/files", "url: csv:out"))).extracting(Object::toString).contains(
                "spec.yaml:8:10: 'target.types' is for a folder of JSON Lines files (url: jsonl:<folder>) only; a database target has"
                        + " its column types",
                "spec.yaml:7:8: 'target.url' must be a PostgreSQL JDBC URL like jdbc:postgresql://host:5432/db or a folder of JSON"
                        + " Lines files like jsonl:out/files");
    }

    @Test
    void shouldRefuseAnUploadWithoutStorageOrBucketAndKeysWrittenIntoTheSpec() {
        String uploads = VALID.replace("      shout: { expr: \"name + '!'\" }", "      photo: { upload: data, content-type: mime }");
        assertThat(errorsOf(uploads)).extracting(Object::toString).containsExactly(
                "spec.yaml:19:14: upload column 'photo' needs 'bucket': the bucket its objects go to",
                "spec.yaml:19:24: column 'photo' uploads objects, but the spec has no 'storage' block (endpoint, region, access-key,"
                        + " secret-key)");
        String stored = uploads.replace("content-type: mime", "bucket: Photos").replace("kafka:", """
                storage:
                  endpoint: s3.local
                  access-key: AKIAEXAMPLE
                  secret-key: ${SRC_PW}
                kafka:""");
        assertThat(errorsOf(stored)).extracting(Object::toString).containsExactly(
                "spec.yaml:23:38: bucket 'Photos' of column 'photo' is not an S3 bucket name (3 to 63 lower-case letters, digits, '.'"
                        + " and '-')",
                "spec.yaml:10:13: 'storage.endpoint' is the S3 API's http(s):// URL, not 's3.local'",
                "spec.yaml:11:15: 'storage.access-key' must come from the environment, e.g. ${AWS_ACCESS_KEY_ID}; a key written into"
                        + " the spec ends up in version control");
        assertThat(errorsOf(stored).toString()).as("the key itself is never echoed").doesNotContain("AKIAEXAMPLE");
    }
}
