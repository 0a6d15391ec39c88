package dev.shiftlog.schemas;

import dev.shiftlog.schemas.spec.AggregateDef;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The names of the transformer's state stores, their changelog topics and its per-table processors, in one place
 * (a table's names depend on the table alone; changelogs and the per-spec lists on the spec), so the topology and the
 * tools that read its state ({@code status}) name the same things and nothing parses a changelog name back. The store names are part of the contract: renaming one orphans its state (ids handed
 * out, rows waiting), so they change only with a migration of that state.
 */
public final class TransformerLayout {
    /** Every looked-up legacy row, shared by the lookup gates of every table. */
    public static final String LOOKUP_ROWS = "lookup-rows";
    /** The new ids of landed rows, shared by the parking gates of every table. */
    public static final String LANDED_IDS = "landed-ids";
    /**
     * The same landings, whole, on every instance (a global store fed by {@code <m>.landed-ids}): a child whose parent
     * is there goes straight out instead of asking the parent's gate.
     */
    public static final String LANDED_EVERYWHERE = "landed-everywhere";

    private final MigrationDef spec;
    private final TopicNames topics;

    public TransformerLayout(MigrationDef spec) {
        this.spec = spec;
        this.topics = new TopicNames(spec.name());
    }

    public TopicNames topics() {
        return topics;
    }

    /** The suffix that tells apart the mappings of a target fed by several legacy tables. */
    public static String suffix(TableMappingDef table) {
        return table.merged() ? "-from-" + table.source() : "";
    }

    /** A mapping's processor: legacy change → target row. */
    public static String mapper(TableMappingDef table) {
        return "map-" + table.target() + suffix(table);
    }

    /** Assigned ids (uuid7, cuid2) by legacy key. */
    public static String ids(TableMappingDef table) {
        return "ids-" + table.target() + suffix(table);
    }

    /** The match value of the consolidated row each legacy row fills ({@code match-on}). */
    public static String matches(TableMappingDef table) {
        return "matches-" + table.target() + suffix(table);
    }

    /** Every legacy row contributing to a consolidated target's rows, by match value, mapping and legacy key. */
    public static String consolidated(String target) {
        return "consolidated-" + target;
    }

    /** Assigned ids (uuid7, cuid2) of a consolidated target's rows, by match value: one owner per value. */
    public static String consolidatedIds(String target) {
        return "ids-" + target;
    }

    /** What each child's current version references (one slot per reference). */
    public static String references(TableMappingDef table) {
        return "refs-" + table.target();
    }

    /** Rows waiting for a parent, by child legacy key. */
    public static String parked(TableMappingDef table) {
        return "parked-" + table.target();
    }

    /** The parking gate's subscriptions, by parent. */
    public static String waiting(TableMappingDef table) {
        return "waiting-" + table.target();
    }

    public static String lookupStates(TableMappingDef table) {
        return "lookup-states-" + table.target();
    }

    public static String lookupFound(TableMappingDef table) {
        return "lookup-found-" + table.target();
    }

    public static String lookupSources(TableMappingDef table) {
        return "lookup-sources-" + table.target();
    }

    public static String lookupSubscribers(TableMappingDef table) {
        return "lookup-subscribers-" + table.target();
    }

    /** The matched value of every row of a table looked up {@code by} columns, by its legacy key. */
    public static String lookupMembers(String rowsName) {
        return "lookup-members-" + rowsName.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    public static String aggregateItems(TableMappingDef table) {
        return "aggregate-items-" + table.target();
    }

    public static String aggregateSubscribers(TableMappingDef table) {
        return "aggregate-subscribers-" + table.target();
    }

    public static String aggregatePending(TableMappingDef table) {
        return "aggregate-pending-" + table.target();
    }

    /** The parent each child row of an aggregate is under, by the child's legacy key. */
    public static String aggregateMembers(String parentTarget, AggregateDef aggregate) {
        return "aggregate-members-" + parentTarget + "-" + aggregate.name();
    }

    /**
     * The feature a store serves, by its name: {@code references}, {@code lookups}, {@code aggregates},
     * {@code assigned ids}, {@code consolidation}; null for a store this layout does not name.
     */
    public static String featureOf(String store) {
        if (store.startsWith("lookup-")) {
            return "lookups";
        }
        if (store.startsWith("aggregate-")) {
            return "aggregates";
        }
        if (store.startsWith("ids-")) {
            return "assigned ids";
        }
        if (store.startsWith("matches-") || store.startsWith("consolidated-")) {
            return "consolidation";
        }
        return store.startsWith("refs-") || store.startsWith("parked-") || store.startsWith("waiting-") || store.equals(LANDED_IDS)
                || store.equals(LANDED_EVERYWHERE)
                ? "references" : null;
    }

    /** The changelog topic Kafka Streams keeps a store in. */
    public String changelog(String store) {
        return topics.transformerGroup() + "-" + store + "-changelog";
    }

    /** Target table → the changelog of its parked rows, for every table with references. */
    public Map<String, String> parkedChangelogs() {
        Map<String, String> out = new LinkedHashMap<>();
        spec.tables().stream().filter(TableMappingDef::hasReferences).forEach(t -> out.putIfAbsent(t.target(), changelog(parked(t))));
        return out;
    }
}
