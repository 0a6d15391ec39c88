package dev.shiftlog.schemas.spec;

import dev.shiftlog.schemas.spec.SpecKey.Block;
import dev.shiftlog.schemas.spec.SpecKey.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every key a spec may hold, in the order the reference lists them: the one table that {@link SpecParser},
 * {@link SpecJsonSchema} and {@link SpecReference} read, so a key, its default and its doc cannot drift apart.
 * Defaults come from the constants of the records they end up in ({@link KafkaDef#DEFAULT_PARTITIONS} …).
 */
public final class SpecKeys {
    private static final List<SpecKey> KEYS = new ArrayList<>();

    public static final SpecKey MIGRATION = key(Block.TOP, "migration", Kind.NAME, true, null,
            "Name of the migration; prefixes every topic (<m>.src.*, <m>.out.*, <m>.dlq) and consumer group.");
    public static final SpecKey SOURCE = key(Block.TOP, "source", Kind.CONNECTION, true, null,
            "The legacy PostgreSQL database (wal_level=logical).");
    public static final SpecKey TARGET = key(Block.TOP, "target", Kind.CONNECTION, true, null,
            "The database the new rows are written to.");
    public static final SpecKey KAFKA = key(Block.TOP, "kafka", Kind.KAFKA, false, null,
            "Where the change log lives. Without it, an embedded broker is used (or $SHIFTLOG_BOOTSTRAP_SERVERS).");
    public static final SpecKey TABLES = key(Block.TOP, "tables", Kind.TABLES, true, null,
            "The table mappings, at least one.");
    public static final SpecKey SUCCESS_RATE = key(Block.TOP, "success-rate", Kind.PERCENT, false,
            plain(MigrationDef.DEFAULT_SUCCESS_RATE),
            "Percent of legacy rows that must land for 'verify' to pass (the rest are in the DLQ with reasons); S3 asks 99.5.");
    public static final SpecKey CLEANUP = key(Block.TOP, "cleanup", Kind.CLEANUP, false, null,
            "The post-migration step 'cleanup --confirm' runs after a clean verify and a backup of exactly what it drops.");

    public static final SpecKey STORAGE = key(Block.TOP, "storage", Kind.STORAGE, false, null,
            "An S3-compatible object store that 'upload' columns put binary values into, writing their public URL.");

    public static final SpecKey URL = key(Block.CONNECTION, "url", Kind.JDBC_URL, true, null,
            "JDBC URL without credentials, e.g. jdbc:postgresql://host:5432/db; a source may also be a SQLite file, "
                    + "jdbc:sqlite:path/to/legacy.db, and a target a folder of JSON Lines files, one per target table, "
                    + "jsonl:path/to/folder (both relative to the working directory).");
    public static final SpecKey USER = key(Block.CONNECTION, "user", Kind.STRING, false, null,
            "Database user; required for PostgreSQL (a SQLite file has none).");
    public static final SpecKey PASSWORD = key(Block.CONNECTION, "password", Kind.SECRET, false, null,
            "One environment reference, ${ENV_VAR} or ${ENV_VAR:-default}: plan refuses a password written into the file.");
    public static final SpecKey POLL = key(Block.CONNECTION, "poll", Kind.DURATION, false,
            SpecDuration.format(ConnectionDef.DEFAULT_POLL),
            "SQLite source only (it has no change log): how often a running producer reads the tables again and sends "
                    + "what changed since the previous read (inserts, updates, deletes).");
    public static final SpecKey TYPES = key(Block.CONNECTION, "types", Kind.STRING_MAP, false, null,
            "SQLite source: table.column: how its stored values are read, when the declared type does not say it "
                    + "(SQLite keeps any value in any column): integer, real, text, blob, boolean, date, timestamp, "
                    + "epoch-millis, epoch-seconds, or numeric(p,s). JSON Lines target: table.column: json for a text "
                    + "column whose value is JSON — a json or jsonb column, or an expression that yields JSON text — written as JSON "
                    + "rather than as a string.");
    public static final SpecKey SCHEMA = key(Block.CONNECTION, "schema", Kind.STRING, false, ConnectionDef.DEFAULT_SCHEMA,
            "Schema of unqualified table names.");

    public static final SpecKey BOOTSTRAP_SERVERS = key(Block.KAFKA, "bootstrap-servers", Kind.STRING, false, null,
            "host:port list; empty means an embedded broker.");
    public static final SpecKey PARTITIONS = new Builder(Block.KAFKA, "partitions", Kind.INTEGER)
            .defaultValue(String.valueOf(KafkaDef.DEFAULT_PARTITIONS)).range(1, 1024)
            .doc("Partitions of every topic the migration creates: the most transformer and sink instances that share work.").add();
    public static final SpecKey SCHEMA_REGISTRY = key(Block.KAFKA, "schema-registry", Kind.STRING, false,
            KafkaDef.DEFAULT_SCHEMA_REGISTRY, "'kafka' (schemas in a compacted topic, no extra server) or an http(s):// "
                    + "Confluent Schema Registry URL.");
    public static final SpecKey PROPERTIES = key(Block.KAFKA, "properties", Kind.STRING_MAP, false, null,
            "Passed to every Kafka client; wins over shiftlog's producer defaults (compression.type lz4, linger.ms 5, "
                    + "batch.size 262144).");

    public static final SpecKey STORAGE_ENDPOINT = key(Block.STORAGE, "endpoint", Kind.STRING, false, null,
            "The S3 API's URL, e.g. http://127.0.0.1:9000 for MinIO or s3proxy; unset: AWS S3 of the region.");
    public static final SpecKey STORAGE_REGION = key(Block.STORAGE, "region", Kind.STRING, false, StorageDef.DEFAULT_REGION,
            "The region signed into requests.");
    public static final SpecKey STORAGE_ACCESS_KEY = key(Block.STORAGE, "access-key", Kind.SECRET, false, null,
            "One environment reference, e.g. ${AWS_ACCESS_KEY_ID}; unset: the AWS SDK's default credentials chain.");
    public static final SpecKey STORAGE_SECRET_KEY = key(Block.STORAGE, "secret-key", Kind.SECRET, false, null,
            "One environment reference, e.g. ${AWS_SECRET_ACCESS_KEY}.");
    public static final SpecKey STORAGE_PUBLIC_URL = key(Block.STORAGE, "public-url", Kind.STRING, false, null,
            "Where the objects are read from: <public-url>/<bucket>/<key>, or with {bucket} in it, that replaced "
                    + "(https://{bucket}.example-cdn.com); unset: the endpoint, path style.");

    public static final SpecKey DROP_COLUMNS = key(Block.CLEANUP, "drop-columns", Kind.NAME_LIST, false, null,
            "Target columns as table.column.");
    public static final SpecKey DROP_TABLES = key(Block.CLEANUP, "drop-tables", Kind.NAME_LIST, false, null,
            "Tables of the target database (e.g. v1 tables), as table or schema.table.");

    public static final SpecKey TABLE_TARGET = key(Block.TABLE, "target", Kind.IDENTIFIER, true, null, "Target table.");
    public static final SpecKey TABLE_SOURCE = key(Block.TABLE, "source", Kind.IDENTIFIER, true, null,
            "Legacy table, 'table' or 'schema.table'.");
    public static final SpecKey ID = new Builder(Block.TABLE, "id", Kind.CHOICE).defaultValue(IdStrategy.DEFAULT.specName())
            .choices(Arrays.stream(IdStrategy.values()).map(IdStrategy::specName).toList())
            .doc("How the new primary key is made. uuid5 from migration, table and legacy key; preserve keeps the legacy key; "
                    + "uuid7 and cuid2 are random, assigned once and remembered; target lets the database assign it (rows "
                    + "are matched by the unique legacy-key column).").add();
    public static final SpecKey KEY = key(Block.TABLE, "key", Kind.IDENTIFIERS, false, TableMappingDef.DEFAULT_KEY,
            "Target primary-key column; for a link table, the list of its reference columns whose new ids form the key "
                    + "(no id or legacy-key column then).");
    public static final SpecKey LEGACY_KEY = key(Block.TABLE, "legacy-key", Kind.IDENTIFIER, false,
            TableMappingDef.DEFAULT_LEGACY_KEY, "Target column that keeps the legacy key; " + TableMappingDef.ID_MAP
                    + " keeps it in that table instead (created by the sink).");
    public static final SpecKey COLUMNS = key(Block.TABLE, "columns", Kind.COLUMNS, true, null,
            "target column: a source column, {from: column}, {expr: CEL expression} or {ref: table, from: column}.");
    public static final SpecKey ON_ERROR = new Builder(Block.TABLE, "on-error", Kind.CHOICE).defaultValue(OnError.DEFAULT.specName())
            .choices(Arrays.stream(OnError.values()).map(OnError::specName).toList())
            .doc("A row a rule rejects goes to <m>.dlq, or stops the stage.").add();
    public static final SpecKey WHERE = key(Block.TABLE, "where", Kind.EXPRESSION, false, null,
            "A CEL condition a legacy row must meet to have a target row here (splits: one legacy table into several targets).");
    public static final SpecKey PARK_TIMEOUT = key(Block.TABLE, "park-timeout", Kind.DURATION, false,
            SpecDuration.format(TableMappingDef.DEFAULT_PARK_TIMEOUT),
            "How long a row waits for the row it references to land (counted while no parent lands) before "
                    + "on-missing-parent applies.");
    public static final SpecKey MATCH_ON = key(Block.TABLE, "match-on", Kind.EXPRESSION, false, null,
            "A CEL expression (e.g. email.lowerAscii()) that identifies the target row; rows of several legacy tables with "
                    + "the same value consolidate into one target row.");
    public static final SpecKey ON_MISSING_PARENT = new Builder(Block.TABLE, "on-missing-parent", Kind.CHOICE).defaultValue("dlq")
            .choices(List.of("dlq", "land-null-then-patch"))
            .doc("A row whose parent has not landed after park-timeout goes to the DLQ, or lands with the reference NULL "
                    + "and is patched if the parent lands later (lets a cycle land whole).").add();

    public static final SpecKey LOOKUPS = key(Block.TABLE, "lookups", Kind.LOOKUPS, false, null,
            "name: {table, on}: legacy rows read beside the mapped row; expressions see each as <name>.<column>, and a "
                    + "change of a looked-up row renders the target rows that used it again.");

    public static final SpecKey AGGREGATES = key(Block.TABLE, "aggregates", Kind.AGGREGATES, false, null,
            "name: {table, on, value}: a list built from the child rows of a legacy table (sorted), which expressions see "
                    + "as <name>; a change of a child renders the row again.");

    public static final SpecKey FROM = key(Block.COLUMN, "from", Kind.IDENTIFIERS, false, null,
            "A source column; for a reference to a table with a composite legacy key, the list of columns holding it.");
    public static final SpecKey EXPR = key(Block.COLUMN, "expr", Kind.EXPRESSION, false, null,
            "A CEL expression over the source columns, e.g. enumMap(sex, {'M': 'male'}, 'other'); exactly one of from and expr.");
    public static final SpecKey REF = key(Block.COLUMN, "ref", Kind.IDENTIFIER, false, null,
            "With 'from': the column references this target table; it gets the new id of the referenced row, and the row "
                    + "waits until that row has landed. 'from: lookup.column' takes the parent's legacy key from a looked-up "
                    + "row (a reference through another legacy table).");
    public static final SpecKey REF_SOURCE = key(Block.COLUMN, "source", Kind.IDENTIFIER, false, null,
            "With 'ref' to a target several legacy tables feed: the legacy table the parent row comes from, since its "
                    + "legacy key alone may exist in each.");
    public static final SpecKey REF_MATCH = key(Block.COLUMN, "match", Kind.EXPRESSION, false, null,
            "With 'ref' to a target consolidated with 'match-on', instead of 'from': a CEL expression over the row and its "
                    + "lookups whose value is the parent's match value, e.g. sender.email.lowerAscii().");
    public static final SpecKey UPLOAD = key(Block.COLUMN, "upload", Kind.EXPRESSION, false, null,
            "A CEL expression yielding bytes (a bytea column, or one of a looked-up row: photo.data): the value is put "
                    + "into 'bucket' of 'storage' under its SHA-256 (so a re-run uploads nothing again) and the column gets "
                    + "its public URL; NULL stays NULL.");
    public static final SpecKey BUCKET = key(Block.COLUMN, "bucket", Kind.STRING, false, null,
            "With 'upload': the bucket the objects go to (created when missing).");
    public static final SpecKey CONTENT_TYPE = key(Block.COLUMN, "content-type", Kind.EXPRESSION, false, null,
            "With 'upload': a CEL expression for the object's Content-Type (e.g. photo.mime); unset or NULL: "
                    + "application/octet-stream.");
    public static final SpecKey COLUMN_PARK_TIMEOUT = key(Block.COLUMN, "park-timeout", Kind.DURATION, false, null,
            "With 'ref': this reference's park-timeout; defaults to the table's.");
    public static final SpecKey COLUMN_ON_MISSING_PARENT = new Builder(Block.COLUMN, "on-missing-parent", Kind.CHOICE)
            .choices(ON_MISSING_PARENT.choices())
            .doc("With 'ref': this reference's on-missing-parent; defaults to the table's.").add();

    public static final SpecKey LOOKUP_TABLE = key(Block.LOOKUP, "table", Kind.IDENTIFIER, true, null,
            "The legacy table looked up, 'table' or 'schema.table'.");
    public static final SpecKey LOOKUP_ON = key(Block.LOOKUP, "on", Kind.STRING_LIST, true, null,
            "The values matched against its primary key (or 'by'): columns of the mapped row (language_id) or of an "
                    + "earlier lookup (city.country_id); a list for a composite key.");
    public static final SpecKey LOOKUP_BY = key(Block.LOOKUP, "by", Kind.IDENTIFIERS, false, null,
            "Columns of the looked-up table matched instead of its primary key (a profile by its user_id); best unique: "
                    + "when several rows match, the one whose key sorts first (as text) is read.");
    public static final SpecKey LOOKUP_ON_MISSING = new Builder(Block.LOOKUP, "on-missing", Kind.CHOICE).defaultValue("null")
            .choices(List.of("null", "dlq"))
            .doc("When no row matches (or it is deleted): its columns read as NULL, or the row goes to the DLQ.").add();

    public static final SpecKey AGGREGATE_TABLE = key(Block.AGGREGATE, "table", Kind.IDENTIFIER, true, null,
            "The legacy child table, 'table' or 'schema.table'.");
    public static final SpecKey AGGREGATE_ON = key(Block.AGGREGATE, "on", Kind.STRING_LIST, true, null,
            "The child columns holding this row's legacy key; a list for a composite key.");
    public static final SpecKey AGGREGATE_VALUE = key(Block.AGGREGATE, "value", Kind.EXPRESSION, true, null,
            "A CEL expression over the child row's columns: one item per child, e.g. track_id or {'id': id, 'qty': qty}.");

    private SpecKeys() {
    }

    /** Every key, in reference order. */
    public static List<SpecKey> all() {
        return List.copyOf(KEYS);
    }

    /** The keys of one block. */
    public static List<SpecKey> of(Block block) {
        return KEYS.stream().filter(k -> k.block() == block).toList();
    }

    /** The names allowed in one block, for the parser's unknown-key check. */
    public static Set<String> names(Block block) {
        Set<String> names = new LinkedHashSet<>();
        of(block).forEach(k -> names.add(k.name()));
        return Set.copyOf(names);
    }

    private static SpecKey key(Block block, String name, Kind kind, boolean required, String defaultValue, String doc) {
        Builder b = new Builder(block, name, kind).defaultValue(defaultValue).doc(doc);
        b.required = required;
        return b.add();
    }

    /** 100.0 → "100", 99.5 → "99.5". */
    private static String plain(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    /** For the few keys with choices or a range. */
    private static final class Builder {
        private final Block block;
        private final String name;
        private final Kind kind;
        private boolean required;
        private String defaultValue;
        private String doc = "";
        private List<String> choices = List.of();
        private Integer minimum;
        private Integer maximum;

        Builder(Block block, String name, Kind kind) {
            this.block = block;
            this.name = name;
            this.kind = kind;
        }

        Builder defaultValue(String value) {
            this.defaultValue = value;
            return this;
        }

        Builder doc(String text) {
            this.doc = text;
            return this;
        }

        Builder choices(List<String> values) {
            this.choices = List.copyOf(values);
            return this;
        }

        Builder range(int min, int max) {
            this.minimum = min;
            this.maximum = max;
            return this;
        }

        SpecKey add() {
            SpecKey key = new SpecKey(block, name, kind, required, defaultValue, doc, choices, minimum, maximum);
            KEYS.add(key);
            return key;
        }
    }
}
