package dev.shiftlog.schemas.spec;

import java.util.List;

/**
 * One legacy table mapped onto one target table.
 *
 * @param source legacy table, {@code table} or {@code schema.table}
 * @param key target primary-key column that receives the new id
 * @param legacyKey target column that keeps the legacy key, or {@value #ID_MAP} to keep it in that table instead of
 *     a column of the target table; Optional: defaults to {@code legacy_id}
 * @param onError what a rejected row does; Optional: defaults to {@code dlq}
 * @param parkTimeout how long a row waits for the row it references to land before it goes to the DLQ with
 *     {@code parent <table>:<key> never landed}; Optional: defaults to 10 minutes. The default of each reference
 *     ({@link ReferenceDef#parkTimeout}), and how long the sink retries a row the target refuses
 * @param merged true when several legacy tables feed this target table (set by the parser): ids and legacy keys
 *     then include the source table so they cannot collide
 * @param matchOn a CEL expression whose value identifies the target row instead of the legacy primary key, so rows
 *     of several legacy tables with the same value consolidate into one target row (each mapping fills its own
 *     columns); Optional: null means one target row per legacy row
 * @param landNullThenPatch what a row whose parent never lands does after park-timeout: false (default,
 *     {@code on-missing-parent: dlq}) sends it to the DLQ; true ({@code land-null-then-patch}) lands it with the
 *     reference NULL and patches it when the parent lands after all, which is how a cycle can land whole; the
 *     default of each reference ({@link ReferenceDef#landNullThenPatch})
 * @param where a CEL condition a legacy row must meet to have a target row; Optional: null means every row. A row
 *     that stops meeting it (an update) loses its target row.
 * @param lookups legacy rows read beside the mapped row ({@link LookupDef}), in spec order (a lookup's {@code on}
 *     reads only the row and earlier lookups); empty for most tables
 * @param aggregates lists built from child rows of other legacy tables ({@link AggregateDef}); empty for most tables
 * @param linkKey for a link table ({@code key: [a, b]}), the reference columns whose new ids together form the
 *     target's primary key: no id and no legacy-key column of its own; empty for every other table
 */
public record TableMappingDef(
        String target,
        String source,
        String key,
        IdStrategy id,
        String legacyKey,
        List<ColumnDef> columns,
        OnError onError,
        ColumnDef where,
        java.time.Duration parkTimeout,
        boolean merged,
        ColumnDef matchOn,
        boolean landNullThenPatch,
        List<String> linkKey,
        List<LookupDef> lookups,
        List<AggregateDef> aggregates,
        Location location) {

    public TableMappingDef {
        linkKey = linkKey == null ? List.of() : List.copyOf(linkKey);
        lookups = lookups == null ? List.of() : List.copyOf(lookups);
        aggregates = aggregates == null ? List.of() : List.copyOf(aggregates);
    }

    /** A table that is not a link table. */
    public TableMappingDef(String target, String source, String key, IdStrategy id, String legacyKey, List<ColumnDef> columns,
                           OnError onError, ColumnDef where, java.time.Duration parkTimeout, boolean merged, ColumnDef matchOn,
                           boolean landNullThenPatch, Location location) {
        this(target, source, key, id, legacyKey, columns, onError, where, parkTimeout, merged, matchOn, landNullThenPatch, List.of(),
                List.of(), List.of(), location);
    }

    /** The same mapping with other column definitions (the parser resolves references and uploads). */
    public TableMappingDef withColumns(List<ColumnDef> resolved) {
        return new TableMappingDef(target, source, key, id, legacyKey, resolved, onError, where, parkTimeout, merged, matchOn,
                landNullThenPatch, linkKey, lookups, aggregates, location);
    }

    /** The field a link-table row carries its legacy key in: for the DLQ and verify, never written to the target. */
    public static final String LINK_LEGACY_KEY = "shiftlog_legacy_key";

    /**
     * The row field holding a legacy key that travels with the row but is no column of the target table: the
     * {@value #ID_MAP} field, or a link table's {@value #LINK_LEGACY_KEY}; null when the legacy key is a column.
     */
    public String legacyKeyOutsideTable() {
        return keepsLegacyKeyInIdMap() ? ID_MAP : isLinkTable() ? LINK_LEGACY_KEY : null;
    }

    /** A link table: its primary key is the new ids of the rows it links ({@link #linkKey}). */
    public boolean isLinkTable() {
        return !linkKey.isEmpty();
    }

    /** The columns that identify a target row in the log and in upserts: {@link #rowKeyColumn}, or a link table's key. */
    public List<String> rowKeyColumns() {
        return isLinkTable() ? linkKey : List.of(rowKeyColumn());
    }

    /** The table that keeps legacy keys for mappings whose target table has no column for them. */
    public static final String ID_MAP = "shiftlog_id_map";
    public static final String DEFAULT_KEY = "id";
    public static final String DEFAULT_LEGACY_KEY = "legacy_id";
    public static final java.time.Duration DEFAULT_PARK_TIMEOUT = java.time.Duration.ofMinutes(10);

    /** True when the legacy key is kept in {@value #ID_MAP} rather than in a column of the target table. */
    public boolean keepsLegacyKeyInIdMap() {
        return ID_MAP.equals(legacyKey);
    }

    /**
     * The column that identifies a target row in the log and in upserts: the id column, or the legacy-key column
     * when the database assigns the ids ({@code id: target}).
     */
    public String rowKeyColumn() {
        return id == IdStrategy.TARGET ? legacyKey : key;
    }

    /** The source table as written in the spec, qualified: {@code schema.table}. */
    public String qualifiedSource(String defaultSchema) {
        return sourceSchema(defaultSchema) + "." + sourceTable();
    }

    /**
     * The columns that reference other tables (this one too, for trees), in spec order: a row lands only after each
     * non-NULL one's parent has landed.
     */
    public List<ColumnDef> references() {
        return columns.stream().filter(ColumnDef::isReference).toList();
    }

    /** True when rows of this table are rendered with rows of other legacy tables (lookups or aggregates). */
    public boolean hasLookups() {
        return !lookups.isEmpty() || !aggregates.isEmpty();
    }

    /** True when a row of this table may wait for parents. */
    public boolean hasReferences() {
        return columns.stream().anyMatch(ColumnDef::isReference);
    }

    /** The legacy table's schema, defaulting to the connection's. */
    public String sourceSchema(String defaultSchema) {
        return source.contains(".") ? source.substring(0, source.indexOf('.')) : defaultSchema;
    }

    public String sourceTable() {
        return source.contains(".") ? source.substring(source.indexOf('.') + 1) : source;
    }
}
