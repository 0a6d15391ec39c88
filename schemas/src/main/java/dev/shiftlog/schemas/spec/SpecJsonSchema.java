package dev.shiftlog.schemas.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shiftlog.schemas.spec.SpecKey.Block;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The spec's JSON Schema (draft 2020-12, clean under ajv's strict mode), generated from {@link SpecKeys}: editors
 * validate and complete specs with it. {@code main} writes it to the file given (the checked-in copy under
 * {@code schemas/src/main/resources}); {@code SpecDocsTest} fails when that copy differs from what this produces.
 */
public final class SpecJsonSchema {
    /** An environment reference, which the parser resolves before it reads a number. */
    static final String ENV_REF = "^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$";
    private static final String IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?$";
    private static final String QUALIFIED_NAME = "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*){0,2}$";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private SpecJsonSchema() {
    }

    public static void main(String[] args) throws IOException {
        Files.writeString(Path.of(args[0]), text(), StandardCharsets.UTF_8);
    }

    /** The schema as the checked-in file holds it: two-space indent, a final newline. */
    public static String text() {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return new ObjectMapper().writer(printer).writeValueAsString(schema()) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode schema() {
        ObjectNode root = JSON.objectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.put("$id", "https://shiftlog.dev/schemas/shiftlog-spec.schema.json");
        root.put("title", "shiftlog migration spec");
        root.put("description", "One legacy database migrated into a new schema through Kafka. Generated from SpecKeys; "
                + "point your editor's YAML plugin at this file.");
        block(root, Block.TOP);
        ObjectNode defs = root.putObject("$defs");
        block(defs.putObject("connection"), Block.CONNECTION);
        block(defs.putObject("kafka"), Block.KAFKA);
        block(defs.putObject("cleanup"), Block.CLEANUP);
        block(defs.putObject("storage"), Block.STORAGE);
        block(defs.putObject("table"), Block.TABLE);
        block(defs.putObject("lookup"), Block.LOOKUP);
        block(defs.putObject("aggregate"), Block.AGGREGATE);
        ObjectNode column = defs.putObject("column");
        block(column, Block.COLUMN);
        ArrayNode exactlyOne = column.putArray("oneOf");
        // a reference into a consolidated target names its parent by 'match' instead of 'from'
        for (String form : new String[] {SpecKeys.FROM.name(), SpecKeys.EXPR.name(), SpecKeys.UPLOAD.name(), SpecKeys.REF_MATCH.name()}) {
            // 'properties' beside 'required' so that ajv's strictRequired finds the name defined
            ObjectNode branch = exactlyOne.addObject().put("type", "object");
            branch.putObject("properties").put(form, true);
            branch.putArray("required").add(form);
        }
        return root;
    }

    private static void block(ObjectNode node, Block block) {
        node.put("type", "object");
        node.put("additionalProperties", false);
        ArrayNode required = JSON.arrayNode();
        ObjectNode properties = node.putObject("properties");
        for (SpecKey key : SpecKeys.of(block)) {
            properties.set(key.name(), property(key));
            if (key.required()) {
                required.add(key.name());
            }
        }
        if (!required.isEmpty()) {
            node.set("required", required);
        }
    }

    private static ObjectNode property(SpecKey key) {
        ObjectNode p = JSON.objectNode();
        switch (key.kind()) {
            case NAME -> p.put("type", "string").put("pattern", "^[a-z][a-z0-9_-]{0,62}$");
            case CONNECTION -> p.put("$ref", "#/$defs/connection");
            case KAFKA -> p.put("$ref", "#/$defs/kafka");
            case CLEANUP -> p.put("$ref", "#/$defs/cleanup");
            case STORAGE -> p.put("$ref", "#/$defs/storage");
            case TABLES -> {
                p.put("type", "array").put("minItems", 1);
                p.putObject("items").put("$ref", "#/$defs/table");
            }
            case COLUMNS -> {
                p.put("type", "object");
                ArrayNode forms = p.putObject("additionalProperties").putArray("oneOf");
                forms.addObject().put("type", "string").put("description", "A source column.");
                forms.addObject().put("$ref", "#/$defs/column");
            }
            case LOOKUPS -> {
                p.put("type", "object");
                p.putObject("additionalProperties").put("$ref", "#/$defs/lookup");
            }
            case AGGREGATES -> {
                p.put("type", "object");
                p.putObject("additionalProperties").put("$ref", "#/$defs/aggregate");
            }
            case STRING_LIST -> {
                ArrayNode oneOf = p.putArray("oneOf");
                oneOf.addObject().put("type", "string");
                oneOf.addObject().put("type", "array").put("minItems", 1).putObject("items").put("type", "string");
            }
            case STRING, EXPRESSION -> p.put("type", "string");
            case IDENTIFIER -> p.put("type", "string").put("pattern", IDENTIFIER);
            case IDENTIFIERS -> {
                ArrayNode oneOf = p.putArray("oneOf");
                oneOf.addObject().put("type", "string").put("pattern", IDENTIFIER);
                ObjectNode list = oneOf.addObject().put("type", "array").put("minItems", 1);
                list.putObject("items").put("type", "string").put("pattern", IDENTIFIER);
            }
            case JDBC_URL -> p.put("type", "string").put("pattern", "^(jdbc:postgresql://|jdbc:sqlite:|jsonl:|\\$\\{)");
            case SECRET -> p.put("type", "string").put("pattern", ENV_REF);
            case INTEGER -> {
                ArrayNode any = p.putArray("anyOf");
                ObjectNode number = any.addObject().put("type", "integer");
                if (key.minimum() != null) {
                    number.put("minimum", key.minimum());
                }
                if (key.maximum() != null) {
                    number.put("maximum", key.maximum());
                }
                any.addObject().put("type", "string").put("pattern", ENV_REF);
            }
            case PERCENT -> {
                ArrayNode any = p.putArray("anyOf");
                any.addObject().put("type", "number").put("minimum", 0).put("maximum", 100);
                any.addObject().put("type", "string").put("pattern", "^[0-9]+(\\.[0-9]+)?%?$");
            }
            case DURATION -> p.put("type", "string").put("minLength", 1).put("pattern", SpecDuration.PATTERN);
            case CHOICE -> {
                ArrayNode values = p.putArray("enum");
                key.choices().forEach(values::add);
            }
            case NAME_LIST -> {
                p.put("type", "array");
                p.putObject("items").put("type", "string").put("pattern", QUALIFIED_NAME);
            }
            case STRING_MAP -> {
                p.put("type", "object");
                ArrayNode any = p.putObject("additionalProperties").putArray("anyOf");
                any.addObject().put("type", "string");
                any.addObject().put("type", "number");
                any.addObject().put("type", "boolean");
            }
            default -> throw new IllegalStateException("no schema for " + key.kind());
        }
        String doc = key.doc() + (key.defaultValue() == null ? "" : " Default: " + key.defaultValue() + ".");
        p.put("description", (key.required() ? "" : "Optional: ") + doc);
        return p;
    }
}
