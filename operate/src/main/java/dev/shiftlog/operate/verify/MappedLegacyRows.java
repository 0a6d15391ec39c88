package dev.shiftlog.operate.verify;

import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.operate.verify.VerifyReport.Finding;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * The target rows the live legacy rows of one mapping give, for every kind of target's verify: each legacy row read,
 * filtered by {@code where}, enriched by its lookups and mapped; rows the mapping rejects or the DLQ holds are counted,
 * not given, and a rejected row the DLQ does not hold is a finding.
 */
final class MappedLegacyRows {
    /** Receives the mapper once, then every row the target should hold. */
    interface Visitor {
        void start(RowMapper mapper) throws SQLException;

        /** @param parentKeys the legacy keys of the rows it references, one per reference (empty without references) */
        void row(String legacyKey, GenericRecord value, List<String> parentKeys) throws SQLException;
    }

    private MappedLegacyRows() {}

    static ExpectedTally visit(Connection source, MigrationDef spec, TableMappingDef mapping, DlqTally dlq, List<Finding> findings,
                               Visitor visitor) throws SQLException {
        long legacyRows = 0;
        long filtered = 0;
        long rejected = 0;
        LookedUpRows lookups = new LookedUpRows(source, spec);
        lookups.load(mapping);
        boolean references = !mapping.references().isEmpty();
        try (LegacyRowReader rows = LegacyRowReader.forMapping(source, spec, mapping)) {
            RowMapper mapper = rows.mapper(spec, mapping);
            visitor.start(mapper);
            for (LegacyRowReader.LegacyRow row = rows.next(); row != null; row = rows.next()) {
                legacyRows++;
                String legacyKey = mapper.rejectionKey(row.key()); // as the DLQ names it
                GenericRecord value;
                List<String> parentKeys;
                try {
                    if (row.refusal() != null) { // the SQLite capture sent it to the DLQ instead
                        throw new RowMapper.RowRejectedException("sqlite type", row.refusal());
                    }
                    if (!mapper.accepts(row.key(), row.value())) {
                        filtered++;
                        continue;
                    }
                    LookedUpRows.Found found = lookups.find(mapping, mapper, row.key(), row.value());
                    if (found.missing() != null) {
                        throw new RowMapper.RowRejectedException("lookup " + found.missing().name(), "lookup '" + found.missing().name()
                                + "' finds no row (on-missing: dlq)");
                    }
                    value = mapper.value(row.key(), row.value(), found.rows(), found.aggregates());
                    parentKeys = references ? mapper.referencedKeys(row.key(), row.value(), found.rows()) : List.of();
                } catch (RowMapper.RowRejectedException e) {
                    rejected++;
                    if (!dlq.contains(mapping.target(), legacyKey)) {
                        findings.add(new Finding(FindingKind.UNACCOUNTED, mapping.target(), legacyKey, null, null, null,
                                "the mapping rejects this row but the DLQ does not hold it: " + e.getMessage()));
                    }
                    continue;
                }
                if (dlq.contains(mapping.target(), legacyKey)) {
                    rejected++;
                    continue;
                }
                visitor.row(legacyKey, value, parentKeys);
            }
        }
        return new ExpectedTally(legacyRows, filtered, rejected);
    }
}
