package dev.shiftlog.schemas;

/** The topic and consumer-group names of the contract in DESIGN.md, derived from the migration name. */
public record TopicNames(String migration) {

    public String source(String schema, String table) {
        return migration + ".src." + schema + "." + table;
    }

    public String out(String targetTable) {
        return migration + ".out." + targetTable;
    }

    public String landed() {
        return migration + ".landed";
    }

    /**
     * The same landings as {@link #landed()}, read whole by every transformer instance (a global store): a child whose
     * parent is there goes straight out instead of asking the parent's gate.
     */
    public String landedIds() {
        return migration + ".landed-ids";
    }

    /** Requests of a referencing table's rows to the parking gate, keyed by the row they reference. */
    public String references(String targetTable) {
        return migration + ".refs." + targetTable;
    }

    /** The parking gate's answers (the parent landed, or did not in time), sent back to each child's own partition. */
    public String parentAnswers(String targetTable) {
        return migration + ".parents." + targetTable;
    }

    /** Every change of a looked-up legacy table, re-keyed by (table, key) so lookup requests and rows meet in one task. */
    public String lookupRows() {
        return migration + ".lookup-rows";
    }

    /** Requests of a table's rows for the legacy rows they look up, keyed by the looked-up row. */
    public String lookups(String targetTable) {
        return migration + ".lookups." + targetTable;
    }

    /** The looked-up rows (and every later version of them), sent back to each requesting row's own partition. */
    public String lookupAnswers(String targetTable) {
        return migration + ".lookup-answers." + targetTable;
    }

    /** Subscriptions of a table's rows to their aggregates, keyed by the row. */
    public String aggregates(String targetTable) {
        return migration + ".aggregates." + targetTable;
    }

    /** Items of a table's aggregates (and their retractions), keyed by the row they belong to. */
    public String aggregateItems(String targetTable) {
        return migration + ".aggregate-items." + targetTable;
    }

    /** A row's aggregate items, sent to the row's own partition after every change. */
    public String aggregateAnswers(String targetTable) {
        return migration + ".aggregate-answers." + targetTable;
    }

    /**
     * The rows of a consolidated target's mappings ({@code match-on}), keyed by (match value, mapping, legacy key) and
     * partitioned by the match value, so every contribution to one target row meets in one task.
     */
    public String contributions(String targetTable) {
        return migration + ".contributions." + targetTable;
    }

    public String dlq() {
        return migration + ".dlq";
    }

    public String audit() {
        return migration + ".audit";
    }

    /** Debezium's source offsets, so a restarted producer resumes where it stopped. */
    public String producerOffsets() {
        return migration + ".producer.offsets";
    }

    /**
     * The chunked snapshot's plan and finished chunks, per legacy table (compacted): a restarted producer reads
     * again only the chunks no record here calls done.
     */
    public String snapshotProgress() {
        return migration + ".snapshot.progress";
    }

    /** Row topics keep the latest version of every key for good: a replay or a worker started later sees every row. */
    private static final java.util.Map<String, String> LATEST_PER_KEY_FOREVER = java.util.Map.of(
            "cleanup.policy", "compact", "retention.ms", "-1");
    /** Event topics (rejections, requests between transformer tasks) keep every message for good. */
    private static final java.util.Map<String, String> EVERY_MESSAGE_FOREVER = java.util.Map.of(
            "cleanup.policy", "delete", "retention.ms", "-1");

    /**
     * The topic settings shiftlog needs on one of the migration's topics: source, output, contribution and landed topics are
     * compacted without time-based deletion (the log outlives the run, so a target can be rebuilt from it); the DLQ,
     * the audit trail and the transformer's reference requests and answers keep every message.
     */
    public java.util.Map<String, String> settingsOf(String topic) {
        String prefix = migration + ".";
        if (topic.startsWith(prefix + "src.") || topic.startsWith(prefix + "out.") || topic.startsWith(prefix + "contributions.")
                || topic.equals(landed()) || topic.equals(landedIds()) || topic.equals(lookupRows()) || topic.equals(snapshotProgress())) {
            return LATEST_PER_KEY_FOREVER;
        }
        return EVERY_MESSAGE_FOREVER;
    }

    public String transformerGroup() {
        return migration + "-transformer";
    }

    public String sinkGroup() {
        return migration + "-sink";
    }
}
