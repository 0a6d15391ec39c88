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

    /** Requests of a referencing table's rows to the parking gate, keyed by the row they reference. */
    public String references(String targetTable) {
        return migration + ".refs." + targetTable;
    }

    /** The parking gate's answers (the parent landed, or did not in time), sent back to each child's own partition. */
    public String parentAnswers(String targetTable) {
        return migration + ".parents." + targetTable;
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

    public String transformerGroup() {
        return migration + "-transformer";
    }

    public String sinkGroup() {
        return migration + "-sink";
    }
}
