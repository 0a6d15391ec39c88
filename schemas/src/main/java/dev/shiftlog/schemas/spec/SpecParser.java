package dev.shiftlog.schemas.spec;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Turns a YAML spec into a {@link MigrationDef}, collecting every shape error (unknown keys, missing keys,
 * bad values, unset environment variables) with its {@code file:line:col} before giving up.
 *
 * <p>Catalog checks (does the column exist?) are not done here: they need live connections and live in
 * {@code SpecValidator}.
 */
public final class SpecParser {
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    /** A password is one environment reference and nothing else: ${NAME} or ${NAME:-default}. */
    private static final Pattern SECRET_REF = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?}");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    // the keys each block allows, from the one table of keys
    static final Set<String> TOP_KEYS = SpecKeys.names(SpecKey.Block.TOP);
    static final Set<String> CLEANUP_KEYS = SpecKeys.names(SpecKey.Block.CLEANUP);
    static final Set<String> STORAGE_KEYS = SpecKeys.names(SpecKey.Block.STORAGE);
    static final Set<String> CONNECTION_KEYS = SpecKeys.names(SpecKey.Block.CONNECTION);
    static final Set<String> KAFKA_KEYS = SpecKeys.names(SpecKey.Block.KAFKA);
    static final Set<String> TABLE_KEYS = SpecKeys.names(SpecKey.Block.TABLE);
    static final Set<String> COLUMN_KEYS = SpecKeys.names(SpecKey.Block.COLUMN);
    static final Set<String> LOOKUP_KEYS = SpecKeys.names(SpecKey.Block.LOOKUP);
    static final Set<String> AGGREGATE_KEYS = SpecKeys.names(SpecKey.Block.AGGREGATE);

    private final Map<String, String> env;

    /** @param env where {@code ${NAME}} references are looked up; usually {@code System.getenv()} */
    public SpecParser(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public MigrationDef parse(Path file) {
        try {
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SpecException(List.of(new SpecError(new Location(file.toString(), 1, 1),
                    "cannot read the spec file (" + e.getMessage() + "); check the path given to -f")));
        }
    }

    public MigrationDef parse(String fileName, String yaml) {
        Run run = new Run(fileName);
        Node root;
        try (Reader reader = new StringReader(yaml)) {
            root = new Yaml(new LoaderOptions()).compose(reader);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new SpecException(List.of(new SpecError(run.at(mark), "not valid YAML: " + e.getProblem())));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (!(root instanceof MappingNode top)) {
            throw new SpecException(List.of(new SpecError(new Location(fileName, 1, 1),
                    "a spec is a YAML mapping with the keys " + sorted(TOP_KEYS))));
        }
        MigrationDef def = run.migration(top);
        if (!run.errors.isEmpty()) {
            throw new SpecException(run.errors);
        }
        return def;
    }

    private static String sorted(Set<String> keys) {
        return String.join(", ", keys.stream().sorted().toList());
    }

    /** State of one parse: the file name and the errors found so far. */
    private final class Run {
        final String file;
        final List<SpecError> errors = new ArrayList<>();

        Run(String file) {
            this.file = file;
        }

        Location at(Mark mark) {
            return mark == null ? new Location(file, 1, 1) : new Location(file, mark.getLine() + 1, mark.getColumn() + 1);
        }

        Location at(Node node) {
            return at(node.getStartMark());
        }

        void error(Node node, String message) {
            errors.add(new SpecError(at(node), message));
        }

        MigrationDef migration(MappingNode top) {
            Map<String, Node> keys = keys(top, TOP_KEYS, "the top level");
            String name = scalar(keys, "migration", top, true);
            if (name != null && !NAME.matcher(name).matches()) {
                error(keys.get("migration"), "migration name '" + name
                        + "' must be lower-case letters, digits, '-' or '_' (it prefixes topic names)");
            }
            ConnectionDef source = connection(keys.get("source"), "source", top);
            ConnectionDef target = connection(keys.get("target"), "target", top);
            KafkaDef kafka = kafka(keys.get("kafka"));
            List<TableMappingDef> tables = resolveReferences(tables(keys.get("tables"), top));
            double successRate = successRate(keys.get("success-rate"));
            CleanupDef cleanup = cleanup(keys.get("cleanup"), tables);
            StorageDef storage = storage(keys.get("storage"));
            tables = resolveUploads(tables, storage);
            if (target != null && target.isJsonLines()) {
                for (TableMappingDef t : tables) {
                    if (t.id() == IdStrategy.TARGET) {
                        errors.add(new SpecError(t.location(), "'id: target' lets a database assign ids, but the target is a folder of"
                                + " JSON Lines files (" + target.url() + "): use uuid5, uuid7, cuid2 or preserve"));
                    } else if (t.keepsLegacyKeyInIdMap()) {
                        errors.add(new SpecError(t.location(), "'legacy-key: " + TableMappingDef.ID_MAP + "' keeps legacy keys in a"
                                + " database table, but the target is a folder of JSON Lines files: keep it in a field, e.g. legacy-key: legacyId"));
                    }
                }
                if (keys.containsKey("cleanup")) {
                    error(keys.get("cleanup"), "'cleanup' drops columns of a target database; the target is a folder of JSON Lines files");
                }
            }
            return new MigrationDef(name, source, target, kafka, tables, successRate, cleanup, storage, file);
        }

        /** The share of legacy rows (percent) that must land for {@code verify} to pass; the rest sit in the DLQ. */
        double successRate(Node node) {
            if (node == null) {
                return MigrationDef.DEFAULT_SUCCESS_RATE;
            }
            String text = text(node);
            try {
                double rate = Double.parseDouble(text == null ? "" : text.strip().replaceAll("%$", ""));
                if (rate < 0 || rate > 100) {
                    throw new NumberFormatException();
                }
                return rate;
            } catch (NumberFormatException e) {
                error(node, "'success-rate' is a percentage from 0 to 100 (e.g. 99.5), not '" + text + "'");
                return MigrationDef.DEFAULT_SUCCESS_RATE;
            }
        }

        CleanupDef cleanup(Node node, List<TableMappingDef> tables) {
            if (node == null) {
                return CleanupDef.NONE;
            }
            MappingNode map = mapping(node, "'cleanup'");
            if (map == null) {
                return CleanupDef.NONE;
            }
            Map<String, Node> keys = keys(map, CLEANUP_KEYS, "'cleanup'");
            List<String> columns = names(keys.get("drop-columns"), "cleanup.drop-columns");
            for (String column : columns) {
                String table = column.contains(".") ? column.substring(0, column.lastIndexOf('.')) : "";
                if (table.isEmpty() || tables.stream().noneMatch(t -> t.target().equals(table))) {
                    error(keys.get("drop-columns"), "'cleanup.drop-columns' names target columns as table.column of a table "
                            + "the spec fills; '" + column + "' is not one");
                }
            }
            return new CleanupDef(columns, names(keys.get("drop-tables"), "cleanup.drop-tables"), at(map));
        }

        private List<String> names(Node node, String what) {
            if (node == null) {
                return List.of();
            }
            if (!(node instanceof SequenceNode seq)) {
                error(node, "'" + what + "' must be a list of names");
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (Node item : seq.getValue()) {
                String name = text(item);
                if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*){0,2}")) {
                    error(item, "'" + what + "' entries are plain identifiers like users.old_column, not '" + name + "'");
                } else {
                    out.add(name);
                }
            }
            return List.copyOf(out);
        }

        /**
         * Marks targets fed by several legacy tables as merged (their mappings must agree on key, legacy key and id
         * strategy) and gives every reference column the id strategy of the table it points at.
         */
        List<TableMappingDef> resolveReferences(List<TableMappingDef> tables) {
            Map<String, IdStrategy> strategies = new java.util.HashMap<>();
            Map<String, TableMappingDef> first = new java.util.HashMap<>();
            Set<String> merged = new HashSet<>();
            for (TableMappingDef t : tables) {
                strategies.putIfAbsent(t.target(), t.id());
                TableMappingDef earlier = first.putIfAbsent(t.target(), t);
                if (earlier != null && (earlier.matchOn() == null) != (t.matchOn() == null)) {
                    errors.add(new SpecError(t.location(), "either every mapping into '" + t.target() + "' has 'match-on' (to"
                            + " consolidate rows by it) or none has; see " + earlier.location()));
                }
                if (earlier != null) {
                    merged.add(t.target());
                    if (!earlier.key().equals(t.key()) || !earlier.legacyKey().equals(t.legacyKey()) || earlier.id() != t.id()) {
                        errors.add(new SpecError(t.location(), "mappings into '" + t.target() + "' disagree on key, legacy-key or id"
                                + " (see " + earlier.location() + "); every mapping into one target table must use the same ones"));
                    }
                    if (t.matchOn() == null && t.id() == IdStrategy.PRESERVE) {
                        errors.add(new SpecError(t.location(), "'" + t.target() + "' is fed by several legacy tables, so its ids"
                                + " must not be preserved legacy keys (they may collide); use uuid5, uuid7 or cuid2"));
                    }
                }
            }
            Set<String> linkTables = new HashSet<>();
            tables.stream().filter(TableMappingDef::isLinkTable).forEach(t -> linkTables.add(t.target()));
            List<TableMappingDef> resolved = new ArrayList<>();
            for (TableMappingDef t : tables) {
                if (t.keepsLegacyKeyInIdMap() && (t.id() == IdStrategy.TARGET || t.matchOn() != null)) {
                    errors.add(new SpecError(t.location(), "'legacy-key: " + TableMappingDef.ID_MAP + "' needs ids shiftlog makes"
                            + " from the legacy key; with 'id: target' or 'match-on' keep the legacy key in a column"));
                }
                if (t.matchOn() != null && t.id() == IdStrategy.TARGET) {
                    errors.add(new SpecError(t.location(), "'match-on' needs ids shiftlog makes (uuid5, uuid7, cuid2, preserve),"
                            + " not 'target'"));
                }
                for (String k : t.linkKey()) {
                    ColumnDef c = t.columns().stream().filter(col -> col.target().equals(k)).findFirst().orElse(null);
                    if (c == null || !c.isReference()) {
                        errors.add(new SpecError(t.location(), "link table '" + t.target() + "': key column '" + k + "' must be a"
                                + " reference column under 'columns' ({ ref: table, from: column }); its new id is part of the key"));
                    } else if (c.reference().landNullThenPatch()) {
                        errors.add(new SpecError(c.location(), "link table '" + t.target() + "': key column '" + k + "' cannot land"
                                + " NULL; remove on-missing-parent: land-null-then-patch"));
                    }
                }
                for (AggregateDef a : t.aggregates()) {
                    if (t.lookups().stream().anyMatch(l -> l.name().equals(a.name()))) {
                        errors.add(new SpecError(a.location(), "aggregate '" + a.name() + "' of '" + t.target() + "' has the name of a lookup"));
                    }
                }
                if (t.hasLookups() && (t.matchOn() != null || merged.contains(t.target()))) {
                    errors.add(new SpecError(t.location(), "'lookups' and 'aggregates' of '" + t.target() + "': a table fed by several legacy tables"
                            + " or consolidated with 'match-on' cannot look rows up yet; map the looked-up values into a table of their own"));
                }
                if (t.isLinkTable() && merged.contains(t.target())) {
                    errors.add(new SpecError(t.location(), "link table '" + t.target() + "' is fed by one legacy table only"));
                }
                List<ColumnDef> columns = new ArrayList<>();
                for (ColumnDef c : t.columns()) {
                    if (c.isReference()) {
                        IdStrategy strategy = strategies.get(c.ref());
                        if (linkTables.contains(c.ref())) {
                            errors.add(new SpecError(c.location(), "column '" + c.target() + "' references link table '" + c.ref()
                                    + "', whose rows have no id of their own; reference the rows it links instead"));
                        }
                        ReferenceDef reference = parentRowNaming(c, tables, merged);
                        if (strategy == null) {
                            errors.add(new SpecError(c.location(), "column '" + c.target() + "' references '" + c.ref()
                                    + "', which is not a target table of this spec; targets are " + strategies.keySet()));
                        }
                        if (strategy == IdStrategy.PRESERVE && c.reference().from().stream().anyMatch(f -> LookupDef.lookupOf(f) != null)) {
                            errors.add(new SpecError(c.location(), "column '" + c.target() + "' references '" + c.ref() + "' (id: preserve)"
                                    + " through a lookup; the column's type would be the looked-up column's, which only the legacy rows"
                                    + " know: give '" + c.ref() + "' a uuid5, uuid7, cuid2 or target id"));
                        }
                        columns.add(c.withReference(reference.withParentId(strategy)));
                    } else {
                        columns.add(c);
                    }
                }
                resolved.add(new TableMappingDef(t.target(), t.source(), t.key(), t.id(), t.legacyKey(), List.copyOf(columns),
                        t.onError(), t.where(), t.parkTimeout(), merged.contains(t.target()), t.matchOn(),
                        t.landNullThenPatch(), t.linkKey(), t.lookups(), t.aggregates(), t.location()));
            }
            return List.copyOf(resolved);
        }

        /**
         * Checks how a reference names its parent row: a target several legacy tables feed keeps legacy keys as
         * {@code <source>:<key>}, so the reference says which {@code source}; a target consolidated with
         * {@code match-on} is keyed by the match value, so the reference gives it ({@code match}). Returns the
         * reference with {@code source} as the parent mapping's table name, the form its legacy keys carry.
         */
        ReferenceDef parentRowNaming(ColumnDef c, List<TableMappingDef> tables, Set<String> merged) {
            ReferenceDef r = c.reference();
            List<TableMappingDef> parents = tables.stream().filter(p -> p.target().equals(c.ref())).toList();
            String where = "column '" + c.target() + "' references '" + c.ref() + "'";
            TableMappingDef consolidated = parents.stream().filter(p -> p.matchOn() != null).findFirst().orElse(null);
            if (consolidated != null) {
                if (!r.byMatch()) {
                    errors.add(new SpecError(c.location(), where + ", whose rows are consolidated by match-on ("
                            + consolidated.matchOn().expr() + "); name the parent by its match value: { ref: " + c.ref()
                            + ", match: \"<an expression over this row or its lookups>\" }"));
                }
                return r;
            }
            if (r.byMatch()) {
                errors.add(new SpecError(c.location(), where + " by 'match', which is for a parent consolidated with match-on; "
                        + c.ref() + " has none: use 'from'"));
                return r;
            }
            List<String> sources = parents.stream().map(TableMappingDef::sourceTable).toList();
            if (!merged.contains(c.ref())) {
                if (r.source() != null) {
                    errors.add(new SpecError(c.location(), where + " with 'source', which is for a target several legacy tables"
                            + " feed; " + c.ref() + " is fed by " + String.join(", ", sources) + " alone: drop 'source'"));
                }
                return r;
            }
            if (r.source() == null) {
                errors.add(new SpecError(c.location(), where + ", which several legacy tables feed (" + String.join(", ", sources)
                        + "); a legacy key alone cannot say which row it means: add 'source: <one of them>'"));
                return r;
            }
            TableMappingDef parent = parents.stream().filter(p -> p.source().equals(r.source()) || p.sourceTable().equals(r.source()))
                    .findFirst().orElse(null);
            if (parent == null) {
                errors.add(new SpecError(c.location(), where + " from 'source: " + r.source() + "', which is not one of the legacy tables"
                        + " feeding " + c.ref() + ": " + String.join(", ", sources)));
                return r;
            }
            return new ReferenceDef(r.table(), r.from(), parent.sourceTable(), null, r.parentId(), r.parkTimeout(), r.landNullThenPatch());
        }

        ConnectionDef connection(Node node, String block, Node parent) {
            if (node == null) {
                error(parent, "missing '" + block + "' block (a database connection with keys " + sorted(CONNECTION_KEYS) + ")");
                return null;
            }
            MappingNode map = mapping(node, "'" + block + "'");
            if (map == null) {
                return null;
            }
            Map<String, Node> keys = keys(map, CONNECTION_KEYS, "'" + block + "'");
            String url = scalar(keys, "url", map, true);
            boolean sqlite = url != null && url.startsWith("jdbc:sqlite:") && block.equals("source");
            boolean jsonLines = url != null && url.startsWith("jsonl:") && block.equals("target");
            if (url != null && !url.startsWith("jdbc:postgresql://") && !sqlite && !jsonLines) {
                error(keys.get("url"), "'" + block + ".url' must be a PostgreSQL JDBC URL like jdbc:postgresql://host:5432/db"
                        + (block.equals("source") ? " or a SQLite file like jdbc:sqlite:legacy.db"
                        : " or a folder of JSON Lines files like jsonl:out/files"));
            }
            if (jsonLines) {
                return jsonLinesTarget(url, keys, map);
            }
            if (sqlite && !java.nio.file.Files.isRegularFile(ConnectionDef.sqliteFileOf(url))) {
                error(keys.get("url"), "'" + block + ".url' names the SQLite file " + ConnectionDef.sqliteFileOf(url)
                        + ", which does not exist (relative paths start in " + java.nio.file.Path.of("").toAbsolutePath() + ")");
            }
            if (!sqlite) {
                for (String only : List.of("poll", "types")) {
                    if (keys.containsKey(only) && block.equals("target") && only.equals("types")) {
                        error(keys.get(only), "'target.types' is for a folder of JSON Lines files (url: jsonl:<folder>) only;"
                                + " a database target has its column types");
                    } else if (keys.containsKey(only)) {
                        error(keys.get(only), "'" + block + "." + only + "' is for a SQLite source only; PostgreSQL changes are"
                                + " captured from its log");
                    }
                }
            }
            if (url != null && url.matches("(?i).*[?&]password=.*")) {
                error(keys.get("url"), "put the password in '" + block + ".password' (e.g. ${PGPASSWORD}), not in the URL");
            }
            String user = scalar(keys, "user", map, !sqlite);
            Node passwordNode = keys.get("password");
            if (passwordNode instanceof ScalarNode raw && !raw.getValue().isEmpty() && !SECRET_REF.matcher(raw.getValue()).matches()) {
                // never echo the value: it is a secret
                error(passwordNode, "'" + block + ".password' must come from the environment, e.g. password: ${"
                        + block.toUpperCase(java.util.Locale.ROOT) + "_PASSWORD}; a password written into the spec ends up in"
                        + " version control and in every copy of the file");
            }
            String password = scalar(keys, "password", map, false);
            String schema = scalar(keys, "schema", map, false);
            if (sqlite) {
                if (schema != null && !schema.equals(ConnectionDef.SQLITE_SCHEMA)) {
                    error(keys.get("schema"), "a SQLite file has the one schema '" + ConnectionDef.SQLITE_SCHEMA + "'");
                }
                java.time.Duration poll = duration(keys, "poll", map);
                Map<String, String> types = stringMap(keys.get("types"), "'" + block + ".types'");
                for (Map.Entry<String, String> e : types.entrySet()) {
                    if (!e.getKey().matches("[^.]+\\.[^.]+")) {
                        error(keys.get("types"), "'" + block + ".types' keys are table.column, not '" + e.getKey() + "'");
                    }
                    if (!dev.shiftlog.schemas.rows.SqliteType.isKnown(e.getValue())) {
                        error(keys.get("types"), "'" + block + ".types' of " + e.getKey() + ": unknown kind '" + e.getValue()
                                + "'; allowed: " + dev.shiftlog.schemas.rows.SqliteType.KINDS);
                    }
                }
                return new ConnectionDef(url, user == null ? "" : user, password == null ? Secret.NONE : new Secret(password),
                        ConnectionDef.SQLITE_SCHEMA, poll == null ? ConnectionDef.DEFAULT_POLL : poll, types, at(map));
            }
            return new ConnectionDef(url, user, password == null ? Secret.NONE : new Secret(password),
                    schema == null ? ConnectionDef.DEFAULT_SCHEMA : schema, at(map));
        }

        /** A folder of JSON Lines files: no login, no schema; {@code types} says which text columns hold JSON. */
        private ConnectionDef jsonLinesTarget(String url, Map<String, Node> keys, MappingNode map) {
            if (url.length() == "jsonl:".length()) {
                error(keys.get("url"), "'target.url' jsonl: names no folder; e.g. jsonl:out/files (relative to the working directory)");
            }
            for (String only : List.of("user", "password", "schema", "poll")) {
                if (keys.containsKey(only)) {
                    error(keys.get(only), "'target." + only + "' does not apply to a folder of JSON Lines files (" + url + ")");
                }
            }
            Map<String, String> types = stringMap(keys.get("types"), "'target.types'");
            for (Map.Entry<String, String> e : types.entrySet()) {
                if (!e.getKey().matches("[^.]+\\.[^.]+")) {
                    error(keys.get("types"), "'target.types' keys are table.column, not '" + e.getKey() + "'");
                }
                if (!e.getValue().equals(ConnectionDef.JSON_TYPE)) {
                    error(keys.get("types"), "'target.types' of " + e.getKey() + ": unknown kind '" + e.getValue() + "'; a JSON Lines"
                            + " target knows '" + ConnectionDef.JSON_TYPE + "' (the column's text is JSON, written as JSON, not as a string)");
                }
            }
            return new ConnectionDef(url, "", Secret.NONE, ConnectionDef.DEFAULT_SCHEMA, ConnectionDef.DEFAULT_POLL, types, at(map));
        }

        KafkaDef kafka(Node node) {
            if (node == null) {
                return new KafkaDef(null, KafkaDef.DEFAULT_PARTITIONS, KafkaDef.DEFAULT_SCHEMA_REGISTRY, Map.of());
            }
            MappingNode map = mapping(node, "'kafka'");
            if (map == null) {
                return null;
            }
            Map<String, Node> keys = keys(map, KAFKA_KEYS, "'kafka'");
            String servers = scalar(keys, "bootstrap-servers", map, false);
            String partitionsText = scalar(keys, "partitions", map, false);
            int partitions = KafkaDef.DEFAULT_PARTITIONS;
            if (partitionsText != null) {
                try {
                    partitions = Integer.parseInt(partitionsText);
                    if (partitions < SpecKeys.PARTITIONS.minimum() || partitions > SpecKeys.PARTITIONS.maximum()) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    error(keys.get("partitions"), "'kafka.partitions' must be a whole number from " + SpecKeys.PARTITIONS.minimum() + " to "
                            + SpecKeys.PARTITIONS.maximum() + ", not '" + partitionsText + "'");
                }
            }
            String registry = scalar(keys, "schema-registry", map, false);
            if (registry != null && !registry.equals("kafka") && !registry.startsWith("http://") && !registry.startsWith("https://")) {
                error(keys.get("schema-registry"), "'kafka.schema-registry' is 'kafka' or an http(s):// URL of a Confluent Schema Registry");
            }
            Map<String, String> props = stringMap(keys.get("properties"), "'kafka.properties'");
            return new KafkaDef(servers, partitions, registry == null ? KafkaDef.DEFAULT_SCHEMA_REGISTRY : registry, Map.copyOf(props));
        }

        /** A block of {@code key: value} texts, in spec order; empty when absent. */
        Map<String, String> stringMap(Node node, String what) {
            Map<String, String> out = new LinkedHashMap<>();
            MappingNode map = node == null ? null : mapping(node, what);
            if (map != null) {
                for (NodeTuple t : map.getValue()) {
                    String k = text(t.getKeyNode());
                    String v = text(t.getValueNode());
                    if (k != null && v != null) {
                        out.put(k, v);
                    }
                }
            }
            return out;
        }

        List<TableMappingDef> tables(Node node, Node parent) {
            if (node == null) {
                error(parent, "missing 'tables': list at least one table mapping");
                return List.of();
            }
            if (!(node instanceof SequenceNode seq)) {
                error(node, "'tables' must be a list of table mappings (each '- target: ...')");
                return List.of();
            }
            List<TableMappingDef> result = new ArrayList<>();
            Set<String> targets = new HashSet<>();
            for (Node item : seq.getValue()) {
                TableMappingDef t = table(item);
                if (t != null) {
                    if (t.target() != null && !targets.add(t.target() + " from " + t.source())) {
                        error(item, "target table '" + t.target() + "' is mapped from '" + t.source()
                                + "' twice; merge the two mappings into one");
                    }
                    result.add(t);
                }
            }
            if (result.isEmpty() && seq.getValue().isEmpty()) {
                error(node, "'tables' is empty: list at least one table mapping");
            }
            return List.copyOf(result);
        }

        TableMappingDef table(Node node) {
            MappingNode map = mapping(node, "a table mapping");
            if (map == null) {
                return null;
            }
            Map<String, Node> keys = keys(map, TABLE_KEYS, "table mapping");
            String target = identifier(keys, "target", map, true);
            String source = identifier(keys, "source", map, true);
            List<String> linkKey = keys.get("key") instanceof SequenceNode ? names(keys.get("key"), "key") : List.of();
            if (!linkKey.isEmpty()) {
                for (String other : List.of("id", "legacy-key", "match-on")) {
                    if (keys.containsKey(other)) {
                        error(keys.get(other), "a link table (key: " + linkKey + ") is keyed by the new ids of the rows it links;"
                                + " it has no '" + other + "'");
                    }
                }
            }
            String key = linkKey.isEmpty() ? identifier(keys, "key", map, false) : null;
            String legacyKey = identifier(keys, "legacy-key", map, false);
            if (legacyKey != null && legacyKey.equals(key == null ? TableMappingDef.DEFAULT_KEY : key)) {
                error(keys.get("legacy-key"), "'legacy-key: " + legacyKey + "' names the key column itself; the legacy key needs a"
                        + " column of its own (default " + TableMappingDef.DEFAULT_LEGACY_KEY + "), or 'legacy-key: " + TableMappingDef.ID_MAP + "' to keep it in"
                        + " shiftlog's id map" + " (with 'id: preserve' the key already is the legacy key: leave legacy-key out)");
                legacyKey = null;
            }
            IdStrategy id = choice(keys, "id", map, IdStrategy.class, IdStrategy.DEFAULT, "id strategy", IdStrategy.allowed());
            OnError onError = choice(keys, "on-error", map, OnError.class, OnError.DEFAULT, "on-error policy", OnError.allowed());
            java.time.Duration ownTimeout = duration(keys, "park-timeout", map);
            java.time.Duration parkTimeout = ownTimeout == null ? TableMappingDef.DEFAULT_PARK_TIMEOUT : ownTimeout;
            String missingParent = scalar(keys, "on-missing-parent", map, false);
            if (missingParent != null && !SpecKeys.ON_MISSING_PARENT.choices().contains(missingParent)) {
                error(keys.get("on-missing-parent"), "unknown on-missing-parent policy '" + missingParent
                        + "'; allowed: " + String.join(", ", SpecKeys.ON_MISSING_PARENT.choices()));
            }
            String matchText = scalar(keys, "match-on", map, false);
            ColumnDef matchOn = matchText == null ? null : new ColumnDef("match-on", null, matchText, at(keys.get("match-on")));
            String whereText = scalar(keys, "where", map, false);
            ColumnDef where = whereText == null ? null : new ColumnDef("where", null, whereText, at(keys.get("where")));
            List<ColumnDef> columns = new ArrayList<>();
            Node colsNode = keys.get("columns");
            if (colsNode == null) {
                error(map, "table mapping '" + target + "' has no 'columns' (target column: source column or {expr: ...})");
            } else {
                MappingNode cols = mapping(colsNode, "'columns' of '" + target + "'");
                if (cols != null) {
                    Set<String> seen = new HashSet<>();
                    for (NodeTuple t : cols.getValue()) {
                        ColumnDef c = column(t, parkTimeout, "land-null-then-patch".equals(missingParent));
                        if (c != null) {
                            if (!seen.add(c.target())) {
                                error(t.getKeyNode(), "column '" + c.target() + "' is listed twice");
                            }
                            columns.add(c);
                        }
                    }
                }
            }
            List<LookupDef> lookups = lookups(keys.get("lookups"), target);
            for (ColumnDef c : columns) {
                for (String part : c.isReference() ? c.reference().from() : List.<String>of()) {
                    String through = LookupDef.lookupOf(part);
                    if (through != null && lookups.stream().noneMatch(l -> l.name().equals(through))) {
                        error(colsNode, "reference '" + c.target() + "' of '" + target + "' takes its parent's key from '" + part
                                + "', but '" + through + "' is not a lookup of this table; add it under 'lookups'");
                    }
                }
            }
            return new TableMappingDef(target, source, key == null ? TableMappingDef.DEFAULT_KEY : key, id,
                    !linkKey.isEmpty() ? TableMappingDef.LINK_LEGACY_KEY : legacyKey == null ? TableMappingDef.DEFAULT_LEGACY_KEY : legacyKey, List.copyOf(columns), onError, where, parkTimeout, false, matchOn,
                    "land-null-then-patch".equals(missingParent), linkKey, lookups,
                    aggregates(keys.get("aggregates"), target), at(map));
        }

        /** One column; a reference's waiting policy defaults to the table's {@code tableTimeout} and {@code tableLandNull}. */
        ColumnDef column(NodeTuple tuple, java.time.Duration tableTimeout, boolean tableLandNull) {
            String name = text(tuple.getKeyNode());
            Node value = tuple.getValueNode();
            if (name == null) {
                return null;
            }
            if (!IDENTIFIER.matcher(name).matches()) {
                error(tuple.getKeyNode(), "'" + name + "' is not a valid column name");
            }
            if (value instanceof ScalarNode) {
                String from = text(value);
                if (from == null || from.isBlank()) {
                    error(value, "column '" + name + "' needs a source column name or {expr: ...}");
                    return null;
                }
                return new ColumnDef(name, from, null, at(value));
            }
            MappingNode map = mapping(value, "column '" + name + "'");
            if (map == null) {
                return null;
            }
            Map<String, Node> keys = keys(map, COLUMN_KEYS, "column '" + name + "'");
            if (keys.containsKey("upload")) {
                return uploadColumn(name, keys, map);
            }
            for (String only : List.of("bucket", "content-type")) {
                if (keys.containsKey(only)) {
                    error(keys.get(only), "'" + only + "' of column '" + name + "' applies to upload columns only ({upload: data,"
                            + " bucket: images})");
                }
            }
            String ref = scalar(keys, "ref", map, false);
            List<String> fromList = keys.get("from") instanceof SequenceNode ? names(keys.get("from"), "from") : null;
            if (fromList != null && ref == null) {
                error(keys.get("from"), "column '" + name + "': a list of source columns is only for a reference ({ref: table,"
                        + " from: [a, b]}) to a table with a composite legacy key; a plain column has one 'from'");
                return null;
            }
            String from = fromList != null ? (fromList.isEmpty() ? null : fromList.get(0)) : scalar(keys, "from", map, false);
            String expr = scalar(keys, "expr", map, false);
            String refSource = identifier(keys, "source", map, false);
            String match = scalar(keys, "match", map, false);
            if (ref != null && match != null) {
                if (from != null || expr != null) {
                    error(map, "reference column '" + name + "' names its parent by 'match' (the parent's match value); drop '"
                            + (from != null ? "from" : "expr") + "'");
                    return null;
                }
                if (refSource != null) {
                    error(keys.get("source"), "reference column '" + name + "': 'source' names the legacy table of a parent in a target"
                            + " several legacy tables feed; a consolidated parent is named by 'match' alone");
                }
                return new ColumnDef(name, null, null, new ReferenceDef(ref, List.of(), null, match, null, referenceTimeout(keys, map, tableTimeout),
                        referenceLandsNull(keys, map, tableLandNull)), at(keys.get("match")));
            }
            if ((from == null) == (expr == null)) {
                error(map, "column '" + name + "' needs exactly one of 'from' (a source column) or 'expr' (a CEL expression)");
                return null;
            }
            Node where = keys.get(from != null ? "from" : "expr");
            if (ref == null) {
                for (String only : List.of("park-timeout", "on-missing-parent", "source", "match")) {
                    if (keys.containsKey(only)) {
                        error(keys.get(only), "'" + only + "' of column '" + name + "' applies to references only ({ref: table, from: column})");
                    }
                }
                return new ColumnDef(name, from, expr, at(where));
            }
            if (from == null) {
                error(keys.get("ref"), "reference column '" + name + "' needs 'from': the source column holding the legacy key of the "
                        + ref + " row (or, for a target consolidated with match-on, 'match': the parent's match value)");
                return null;
            }
            ReferenceDef reference = new ReferenceDef(ref, fromList != null ? fromList : List.of(from), refSource, null, null,
                    referenceTimeout(keys, map, tableTimeout), referenceLandsNull(keys, map, tableLandNull));
            return new ColumnDef(name, from, null, reference, at(where));
        }

        /** A column filled with the public URL of a binary value put into object storage; its storage is resolved later. */
        ColumnDef uploadColumn(String name, Map<String, Node> keys, MappingNode map) {
            for (String other : List.of("from", "expr", "ref", "source", "match", "park-timeout", "on-missing-parent")) {
                if (keys.containsKey(other)) {
                    error(keys.get(other), "column '" + name + "' is filled by 'upload' (the object's public URL); drop '" + other + "'");
                }
            }
            String expr = scalar(keys, "upload", map, true);
            String bucket = scalar(keys, "bucket", map, false);
            if (bucket == null) {
                error(map, "upload column '" + name + "' needs 'bucket': the bucket its objects go to");
            } else if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                error(keys.get("bucket"), "bucket '" + bucket + "' of column '" + name + "' is not an S3 bucket name (3 to 63 lower-case"
                        + " letters, digits, '.' and '-')");
            }
            return new ColumnDef(name, null, null, null, new UploadDef(expr, bucket, scalar(keys, "content-type", map, false), null),
                    at(keys.get("upload")));
        }

        StorageDef storage(Node node) {
            if (node == null) {
                return null;
            }
            MappingNode map = mapping(node, "'storage'");
            if (map == null) {
                return null;
            }
            Map<String, Node> keys = keys(map, STORAGE_KEYS, "'storage'");
            String endpoint = scalar(keys, "endpoint", map, false);
            if (endpoint != null && !endpoint.isEmpty() && !endpoint.matches("https?://.+")) {
                error(keys.get("endpoint"), "'storage.endpoint' is the S3 API's http(s):// URL, not '" + endpoint + "'");
            }
            String region = scalar(keys, "region", map, false);
            Secret[] credentials = new Secret[2];
            String[] names = {"access-key", "secret-key"};
            for (int i = 0; i < 2; i++) {
                Node raw = keys.get(names[i]);
                if (raw instanceof ScalarNode scalarNode && !scalarNode.getValue().isEmpty() && !SECRET_REF.matcher(scalarNode.getValue()).matches()) {
                    // never echo the value: it is a secret
                    error(raw, "'storage." + names[i] + "' must come from the environment, e.g. ${" + (i == 0 ? "AWS_ACCESS_KEY_ID"
                            : "AWS_SECRET_ACCESS_KEY") + "}; a key written into the spec ends up in version control");
                }
                String value = scalar(keys, names[i], map, false);
                credentials[i] = value == null || value.isEmpty() ? Secret.NONE : new Secret(value);
            }
            if ((credentials[0] == Secret.NONE) != (credentials[1] == Secret.NONE)) {
                error(map, "'storage' needs both 'access-key' and 'secret-key', or neither (the AWS SDK's default credentials)");
            }
            String publicUrl = scalar(keys, "public-url", map, false);
            return new StorageDef(endpoint == null || endpoint.isEmpty() ? null : endpoint, region == null ? StorageDef.DEFAULT_REGION : region,
                    credentials[0], credentials[1], publicUrl == null || publicUrl.isEmpty() ? null : publicUrl, at(map));
        }

        /** Gives every upload column the spec's storage; an upload without one is an error. */
        List<TableMappingDef> resolveUploads(List<TableMappingDef> tables, StorageDef storage) {
            List<TableMappingDef> out = new ArrayList<>();
            for (TableMappingDef t : tables) {
                if (t.columns().stream().noneMatch(ColumnDef::isUpload)) {
                    out.add(t);
                    continue;
                }
                List<ColumnDef> columns = new ArrayList<>();
                for (ColumnDef c : t.columns()) {
                    if (c.isUpload() && storage == null) {
                        errors.add(new SpecError(c.location(), "column '" + c.target() + "' uploads objects, but the spec has no 'storage'"
                                + " block (endpoint, region, access-key, secret-key)"));
                    }
                    columns.add(c.isUpload() ? c.withUpload(c.upload().withStorage(storage)) : c);
                }
                out.add(t.withColumns(columns));
            }
            return out;
        }

        /** A reference's park-timeout: its own, else the table's. */
        java.time.Duration referenceTimeout(Map<String, Node> keys, Node map, java.time.Duration tableTimeout) {
            java.time.Duration timeout = duration(keys, "park-timeout", map);
            return timeout == null ? tableTimeout : timeout;
        }

        /** A reference's on-missing-parent (whether it lands NULL then patched): its own, else the table's. */
        boolean referenceLandsNull(Map<String, Node> keys, Node map, boolean tableLandNull) {
            String missingParent = scalar(keys, "on-missing-parent", map, false);
            if (missingParent != null && !SpecKeys.ON_MISSING_PARENT.choices().contains(missingParent)) {
                error(keys.get("on-missing-parent"), "unknown on-missing-parent policy '" + missingParent
                        + "'; allowed: " + String.join(", ", SpecKeys.ON_MISSING_PARENT.choices()));
            }
            return missingParent == null ? tableLandNull : "land-null-then-patch".equals(missingParent);
        }

        /** The lookups of a table, in spec order; each {@code on} may read only the row and earlier lookups. */
        List<LookupDef> lookups(Node node, String target) {
            if (node == null) {
                return List.of();
            }
            List<LookupDef> out = new ArrayList<>();
            for (NamedEntry named : namedEntries(node, "lookups", "lookup", target, ".column")) {
                String name = named.name();
                MappingNode body = named.body();
                Map<String, Node> keys = keys(body, LOOKUP_KEYS, "lookup '" + name + "'");
                String table = identifier(keys, "table", body, true);
                List<String> on = onList(keys, body);
                for (String entry : on) {
                    String from = LookupDef.lookupOf(entry);
                    if (from != null && out.stream().noneMatch(l -> l.name().equals(from))) {
                        error(keys.get("on"), "lookup '" + name + "' reads '" + entry + "', but '" + from + "' is not a lookup listed"
                                + " before it; list the lookups of '" + target + "' in the order they are read");
                    }
                }
                List<String> by = nameOrList(keys, "by", body, false);
                if (!by.isEmpty() && by.size() != on.size()) {
                    error(keys.get("by"), "lookup '" + name + "' matches " + on.size() + " value(s) of 'on' against " + by.size()
                            + " column(s) of 'by'; give one column of " + table + " per value");
                }
                String missing = scalar(keys, "on-missing", body, false);
                if (missing != null && !SpecKeys.LOOKUP_ON_MISSING.choices().contains(missing)) {
                    error(keys.get("on-missing"), "unknown on-missing policy '" + missing + "'; allowed: "
                            + String.join(", ", SpecKeys.LOOKUP_ON_MISSING.choices()));
                }
                if (out.stream().anyMatch(l -> l.name().equals(name))) {
                    error(named.keyNode(), "lookup '" + name + "' is listed twice");
                }
                if (table != null && !on.isEmpty()) {
                    out.add(new LookupDef(name, table, on, by, "dlq".equals(missing), at(body)));
                }
            }
            return List.copyOf(out);
        }

        /** One entry of a block of named entries ({@code lookups:}, {@code aggregates:}). */
        record NamedEntry(String name, Node keyNode, MappingNode body) {
        }

        /**
         * The entries of a block of named entries, each name a plain identifier since expressions read it as
         * {@code name + readAs}; malformed entries are reported and left out.
         */
        List<NamedEntry> namedEntries(Node node, String block, String kind, String target, String readAs) {
            MappingNode map = mapping(node, "'" + block + "' of '" + target + "'");
            if (map == null) {
                return List.of();
            }
            List<NamedEntry> entries = new ArrayList<>();
            for (NodeTuple t : map.getValue()) {
                String name = text(t.getKeyNode());
                if (name == null || !IDENTIFIER.matcher(name).matches() || name.contains(".")) {
                    error(t.getKeyNode(), kind + " name '" + name + "' must be a plain identifier: expressions read it as " + name + readAs);
                    continue;
                }
                MappingNode body = mapping(t.getValueNode(), kind + " '" + name + "'");
                if (body != null) {
                    entries.add(new NamedEntry(name, t.getKeyNode(), body));
                }
            }
            return entries;
        }

        /** An {@code on} key: one name ({@code column} or {@code lookup.column}) or a list of them. */
        List<String> onList(Map<String, Node> keys, Node body) {
            return nameOrList(keys, "on", body, true);
        }

        /** A key holding one name ({@code column} or {@code lookup.column}) or a list of them; empty when absent. */
        List<String> nameOrList(Map<String, Node> keys, String key, Node body, boolean required) {
            if (keys.get(key) instanceof SequenceNode) {
                return names(keys.get(key), key);
            }
            String single = scalar(keys, key, body, required);
            if (single != null && !single.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?")) {
                error(keys.get(key), "'" + key + "' names a column (or lookup.column), not '" + single + "'");
                return List.of();
            }
            return single == null ? List.of() : List.of(single);
        }

        /** The aggregates of a table, in spec order. */
        List<AggregateDef> aggregates(Node node, String target) {
            if (node == null) {
                return List.of();
            }
            List<AggregateDef> out = new ArrayList<>();
            for (NamedEntry named : namedEntries(node, "aggregates", "aggregate", target, "")) {
                String name = named.name();
                MappingNode body = named.body();
                Map<String, Node> keys = keys(body, AGGREGATE_KEYS, "aggregate '" + name + "'");
                String table = identifier(keys, "table", body, true);
                List<String> on = onList(keys, body);
                String value = scalar(keys, "value", body, true);
                if (out.stream().anyMatch(a -> a.name().equals(name))) {
                    error(named.keyNode(), "aggregate '" + name + "' is listed twice");
                }
                if (table != null && !on.isEmpty() && value != null) {
                    out.add(new AggregateDef(name, table, on, value, at(body)));
                }
            }
            return List.copyOf(out);
        }

        /** A duration key, null when absent (or, with an error, malformed). */
        java.time.Duration duration(Map<String, Node> keys, String key, Node parent) {
            String text = scalar(keys, key, parent, false);
            if (text == null) {
                return null;
            }
            java.time.Duration parsed = SpecDuration.parse(text);
            if (parsed == null) {
                error(keys.get(key), "'" + key + "' is a duration like 30s, 10m, 2h or 1h30m, not '" + text + "'");
            }
            return parsed;
        }

        /** An enum-valued key: its constant, the fallback when absent, or an error listing the allowed values. */
        <E extends Enum<E>> E choice(Map<String, Node> keys, String key, Node parent, Class<E> type, E fallback, String what,
                                     String allowed) {
            String text = scalar(keys, key, parent, false);
            if (text == null) {
                return fallback;
            }
            try {
                return Enum.valueOf(type, text.toUpperCase());
            } catch (IllegalArgumentException e) {
                error(keys.get(key), "unknown " + what + " '" + text + "'; allowed: " + allowed);
                return fallback;
            }
        }

        MappingNode mapping(Node node, String what) {
            if (node instanceof MappingNode m) {
                return m;
            }
            error(node, what + " must be a mapping of key: value");
            return null;
        }

        Map<String, Node> keys(MappingNode map, Set<String> allowed, String block) {
            Map<String, Node> result = new LinkedHashMap<>();
            for (NodeTuple t : map.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
                if (key == null || !allowed.contains(key)) {
                    error(t.getKeyNode(), "unknown key '" + key + "' in " + block + "; allowed keys: " + sorted(allowed));
                } else if (result.put(key, t.getValueNode()) != null) {
                    error(t.getKeyNode(), "key '" + key + "' appears twice in " + block);
                }
            }
            return result;
        }

        String scalar(Map<String, Node> keys, String key, Node parent, boolean required) {
            Node node = keys.get(key);
            if (node == null) {
                if (required) {
                    error(parent, "missing required key '" + key + "'");
                }
                return null;
            }
            if (!(node instanceof ScalarNode)) {
                error(node, "'" + key + "' must be a single value");
                return null;
            }
            return text(node);
        }

        String identifier(Map<String, Node> keys, String key, Node parent, boolean required) {
            String value = scalar(keys, key, parent, required);
            if (value != null && !IDENTIFIER.matcher(value).matches()) {
                error(keys.get(key), "'" + value + "' is not a valid table or column name for '" + key + "'");
                return null;
            }
            return value;
        }

        /** The scalar's text with {@code ${ENV}} references resolved; null (and an error) when one is unset. */
        String text(Node node) {
            if (!(node instanceof ScalarNode s)) {
                error(node, "expected a single value here");
                return null;
            }
            String raw = s.getValue();
            Matcher m = ENV_REF.matcher(raw);
            StringBuilder out = new StringBuilder();
            boolean ok = true;
            while (m.find()) {
                String value = env.get(m.group(1));
                if (value == null) {
                    value = m.group(2);
                }
                if (value == null) {
                    error(node, "environment variable " + m.group(1) + " is not set; export it or write ${"
                            + m.group(1) + ":-default}");
                    ok = false;
                    value = "";
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            return ok ? out.toString() : null;
        }
    }
}
