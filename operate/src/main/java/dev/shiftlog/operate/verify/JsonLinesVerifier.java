package dev.shiftlog.operate.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.operate.verify.VerifyReport.Finding;
import dev.shiftlog.operate.verify.VerifyReport.TableCounts;
import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.ConsolidatedRow;
import dev.shiftlog.schemas.rows.JsonLineValues;
import dev.shiftlog.schemas.rows.JsonLinesTable;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.rows.Uuid5;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.IdStrategy;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * {@code verify} for a JSON Lines target: renders the lines the live legacy rows give through the mapping, as the
 * sink writes them ({@link JsonLinesTable}), and compares each with the file's line of the same legacy key, field by
 * field. Every line must be one JSON object (UTF-8, no NaN: what an import tool reads). Ids shiftlog draws at random
 * (uuid7, cuid2) cannot be recomputed: they are not compared, and references to such rows are resolved through the
 * parent's file by its legacy key. Holds one table's lines in memory at a time.
 */
final class JsonLinesVerifier {
    private static final ObjectMapper JSON = new ObjectMapper().setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final MigrationDef spec;
    private final DlqTally dlq;
    private final StoredObjectCheck objects;
    /** parent target table → legacy key → id, read from the parent's file when its ids cannot be recomputed. */
    private final Map<String, Map<String, String>> parentIds = new HashMap<>();

    JsonLinesVerifier(MigrationDef spec, DlqTally dlq, StoredObjectCheck objects) {
        this.spec = spec;
        this.dlq = dlq;
        this.objects = objects;
    }

    TableCounts verifyTable(String table, Connection source, List<Finding> findings) throws SQLException {
        List<TableMappingDef> mappings = spec.mappingsOf(table);
        JsonLinesTable expected = new JsonLinesTable(table, mappings, spec.target());
        ExpectedTally tally = new ExpectedTally(0, 0, 0);
        // a consolidated target's rows are made from all their contributions at once, as the transformer makes them
        Map<String, java.util.TreeMap<String, GenericRecord>> contributions = new java.util.TreeMap<>(); // match → order → row
        for (TableMappingDef mapping : mappings) {
            tally = tally.plus(render(mapping, mappings.indexOf(mapping), source, expected, contributions, findings));
        }
        if (!contributions.isEmpty()) {
            ConsolidatedRow rows = new ConsolidatedRow(mappings);
            contributions.forEach((match, byOrder) -> {
                List<GenericRecord> ordered = List.copyOf(byOrder.values());
                GenericRecord row = rows.merge(ordered.get(0).get(mappings.get(0).key()), match, ordered);
                apply(mappings.get(0), expected, row, match, findings);
            });
        }
        TableMappingDef first = expected.mapping();
        boolean randomIds = !first.isLinkTable() && (first.id() == IdStrategy.UUID7 || first.id() == IdStrategy.CUID2);
        Map<String, JsonNode> actual = readFile(expected, findings);
        long matching = 0;
        long missing = 0;
        long changed = 0;
        int samples = 0;
        for (String key : expected.keys()) {
            JsonNode want = parse(expected.line(key));
            JsonNode have = actual.remove(key);
            if (have == null) {
                missing++;
                if (samples++ < TargetVerifier.SAMPLES) {
                    findings.add(new Finding(FindingKind.MISSING, table, key, null, null, null, "the legacy rows give this line; "
                            + spec.target().jsonLinesFile(table) + " has none with this key"));
                }
                continue;
            }
            List<String> differing = new ArrayList<>();
            for (Iterator<String> names = want.fieldNames(); names.hasNext(); ) {
                String field = names.next();
                if (randomIds && field.equals(first.key())) {
                    continue; // drawn at random when the row first went through the transformer
                }
                if (!want.get(field).equals(have.get(field))) {
                    differing.add(field);
                }
            }
            if (differing.isEmpty()) {
                matching++;
            } else {
                changed++;
                if (samples++ < TargetVerifier.SAMPLES) {
                    String field = differing.get(0);
                    findings.add(new Finding(FindingKind.CHANGED, table, key, field, String.valueOf(want.get(field)),
                            String.valueOf(have.get(field)), differing.size() + " field(s) differ: " + differing));
                }
            }
        }
        for (String key : actual.keySet()) {
            if (samples++ < TargetVerifier.SAMPLES) {
                findings.add(new Finding(FindingKind.EXTRA, table, key, null, null, null, "the file has this line; no legacy row gives it"));
            }
        }
        long actualRows = spec.target().jsonLinesRows(table);
        return new TableCounts(table, tally.legacyRows(), tally.filtered(), tally.rejected(), expected.size(), actualRows,
                matching, missing, actual.size(), changed);
    }

    /** Maps every legacy row of one mapping into {@code expected}, keyed by its legacy key (or a link table's key). */
    private ExpectedTally render(TableMappingDef mapping, int index, Connection source, JsonLinesTable expected,
                                 Map<String, java.util.TreeMap<String, GenericRecord>> contributions, List<Finding> findings) throws SQLException {
        List<ColumnDef> references = mapping.references();
        long[] noJson = {0};
        ExpectedTally tally = MappedLegacyRows.visit(source, spec, mapping, dlq, findings, objects.around(mapping, findings,
                new MappedLegacyRows.Visitor() {
            @Override
            public void start(RowMapper mapper) {
                // the lines take every field the row has
            }

            @Override
            public void row(String legacyKey, GenericRecord value, List<String> parentKeys) {
                for (int i = 0; i < references.size(); i++) {
                    Schema.Field f = value.getSchema().getField(references.get(i).target());
                    value.put(f.pos(), parentId(references.get(i), parentKeys.get(i), f.schema()));
                }
                if (mapping.matchOn() != null) {
                    contributions.computeIfAbsent(value.get(mapping.legacyKey()).toString(), m -> new java.util.TreeMap<>())
                            .put(ConsolidatedRow.order(index, legacyKey), value);
                } else if (!apply(mapping, expected, value, legacyKey, findings)) {
                    noJson[0]++;
                }
            }
        }));
        return new ExpectedTally(tally.legacyRows(), tally.filtered(), tally.rejected() + noJson[0]);
    }

    /** Adds one expected line; false (and a finding) when the row has no JSON form but the DLQ does not hold it. */
    private static boolean apply(TableMappingDef mapping, JsonLinesTable expected, GenericRecord value, String legacyKey, List<Finding> findings) {
        try {
            expected.apply(lineKey(mapping, value), value);
            return true;
        } catch (JsonLineValues.NotJsonException e) { // the sink refuses it the same way, into the DLQ
            findings.add(new Finding(FindingKind.UNACCOUNTED, mapping.target(), legacyKey, null, null, null,
                    "the row has no JSON form but the DLQ does not hold it: " + e.getMessage()));
            return false;
        }
    }

    /** The key lines are matched by: the legacy key, which every line carries; a link table's pair of ids. */
    private static String lineKey(TableMappingDef mapping, GenericRecord value) {
        List<String> columns = mapping.isLinkTable() ? mapping.linkKey() : List.of(mapping.legacyKey());
        List<String> parts = new ArrayList<>();
        for (String column : columns) {
            Schema.Field f = value.getSchema().getField(column);
            String text = AvroValues.text(f.schema(), value.get(f.pos()));
            parts.add(text == null ? "null" : text);
        }
        return String.join("/", parts);
    }

    /** The new id of a referenced row: computed from its legacy key where it can be, else read from the parent's file. */
    private Object parentId(ColumnDef column, String parentKey, Schema field) {
        if (parentKey == null) {
            return null;
        }
        TableMappingDef parent = spec.mappingsOf(column.ref()).get(0);
        String id;
        if (!parent.merged() && parent.id() == IdStrategy.UUID5 && parent.matchOn() == null) {
            id = Uuid5.forRow(spec.name(), RowMapper.uuid5Table(parent), parentKey).toString();
        } else if (!parent.merged() && parent.id() == IdStrategy.PRESERVE) {
            id = parentKey;
        } else {
            id = parentIdsOf(parent).get(parentKey);
        }
        if (id == null) {
            return null; // the parent is not in its file: the line cannot match, which the comparison names
        }
        Schema s = AvroValues.nonNull(field);
        return switch (s.getType()) {
            case INT -> Integer.valueOf(id);
            case LONG -> Long.valueOf(id);
            default -> id;
        };
    }

    private Map<String, String> parentIdsOf(TableMappingDef parent) {
        return parentIds.computeIfAbsent(parent.target(), t -> {
            Map<String, String> ids = new HashMap<>();
            Path file = spec.target().jsonLinesFile(t);
            if (Files.exists(file)) {
                try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        JsonNode node = parse(line);
                        JsonNode legacy = node.get(parent.legacyKey());
                        JsonNode id = node.get(parent.key());
                        if (legacy != null && id != null) {
                            ids.put(legacy.asText(), id.asText());
                        }
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
                }
            }
            return ids;
        });
    }

    /**
     * The file's lines by key. A line that is not one JSON object, or bytes that are not UTF-8, are findings: an
     * import tool would refuse the file.
     */
    private Map<String, JsonNode> readFile(JsonLinesTable expected, List<Finding> findings) {
        Map<String, JsonNode> lines = new LinkedHashMap<>();
        Path file = spec.target().jsonLinesFile(expected.table());
        if (!Files.exists(file)) {
            return lines;
        }
        TableMappingDef mapping = expected.mapping();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), decoder))) {
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    node = null;
                }
                if (node == null || !node.isObject()) {
                    findings.add(new Finding(FindingKind.EXTRA, expected.table(), "line " + number, null, null, null, file
                            + " line " + number + " is not one JSON object: " + (line.length() > 80 ? line.substring(0, 80) + "…" : line)));
                    continue;
                }
                List<String> columns = mapping.isLinkTable() ? mapping.linkKey() : List.of(mapping.legacyKey());
                List<String> parts = new ArrayList<>();
                for (String column : columns) {
                    JsonNode v = node.get(column);
                    parts.add(v == null || v.isNull() ? "null" : v.asText());
                }
                lines.put(String.join("/", parts), node);
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            findings.add(new Finding(FindingKind.EXTRA, expected.table(), null, null, null, null, file + " is not UTF-8: " + e));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        return lines;
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            return JsonNodeFactory.instance.missingNode();
        }
    }
}
