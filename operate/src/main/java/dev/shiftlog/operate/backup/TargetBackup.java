package dev.shiftlog.operate.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shiftlog.operate.audit.AuditLog;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Backs up and restores a spec's target database with pg_dump / pg_restore (custom format), recording each backup
 * with its SHA-256 in {@code backups.jsonl} under the migration's work directory, so {@code restore} refuses a file
 * that changed and {@code reset-target} knows whether this migration has a backup at all.
 *
 * <p>shiftlog's own audit table ({@value AuditLog#TABLE}) is left out of backups and survives restores: the trail of
 * what happened, the restore included, must outlive the rollback.
 */
public final class TargetBackup {
    /** The audit table and its id sequence, as pg_dump's --exclude-table pattern. */
    public static final String AUDIT_TABLE_PATTERN = AuditLog.TABLE + "*";
    private static final String MANIFEST = "backups.jsonl";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final MigrationDef spec;
    private final Path directory;
    private final PostgresClientTools tools;
    private final ObjectMapper json = new ObjectMapper();

    /** One backup: where it is, its checksum, and what it was taken for. */
    public record BackupRecord(String file, String sha256, long bytes, String takenAt, String database, String reason) {}

    public TargetBackup(MigrationDef spec, Path directory, PostgresClientTools tools) {
        this.spec = spec;
        this.directory = directory;
        this.tools = tools;
    }

    /** Dumps the target database; {@code extraArgs} narrow it (e.g. {@code --table=...} for what cleanup drops). */
    public BackupRecord backup(String reason, List<String> extraArgs) throws IOException {
        Path file = newFile(reason, "dump");
        List<String> args = new ArrayList<>(List.of("--format=custom", "--no-owner", "--exclude-table=" + AUDIT_TABLE_PATTERN,
                "--file=" + file.toAbsolutePath()));
        args.addAll(extraArgs);
        args.add(spec.target().database());
        tools.run(spec.target(), "pg_dump", args);
        return record(file, reason);
    }

    /** Where a new backup file goes: {@code <m>-<UTC stamp>-<reason>.<extension>} in the backup directory. */
    public Path newFile(String reason, String extension) throws IOException {
        Files.createDirectories(directory);
        return directory.resolve(spec.name() + "-" + STAMP.format(Instant.now()) + "-" + reason + "." + extension).toAbsolutePath();
    }

    /**
     * Records a finished backup file with its checksum in the manifest. A file ending in {@code .sql} is a psql
     * script (what cleanup writes for dropped columns); any other is a pg_dump custom-format archive.
     */
    public BackupRecord record(Path file, String reason) throws IOException {
        BackupRecord record = new BackupRecord(file.toAbsolutePath().toString(), sha256(file), Files.size(file),
                Instant.now().toString(), spec.target().database(), reason);
        Files.writeString(directory.resolve(MANIFEST), json.writeValueAsString(record) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return record;
    }

    /** Every recorded backup, oldest first. */
    public List<BackupRecord> list() throws IOException {
        Path manifest = directory.resolve(MANIFEST);
        List<BackupRecord> records = new ArrayList<>();
        if (Files.exists(manifest)) {
            for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    records.add(json.readValue(line, BackupRecord.class));
                }
            }
        }
        return records;
    }

    /** The newest full backup (not one of the narrow ones cleanup takes). */
    public Optional<BackupRecord> latestFull() throws IOException {
        List<BackupRecord> all = list().stream().filter(r -> !r.reason().startsWith("cleanup")).toList();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * Restores a backup into the target: checks the checksum first, then drops and recreates what the dump holds in
     * one transaction, so a failed restore leaves the target as it was.
     */
    public void restore(BackupRecord record) throws IOException {
        Path file = Path.of(record.file());
        if (!Files.exists(file)) {
            throw new IOException("backup " + file + " is gone; list the others in " + directory.resolve(MANIFEST));
        }
        String actual = sha256(file);
        if (!actual.equals(record.sha256())) {
            throw new IOException("backup " + file + " does not match its recorded checksum (sha256 " + actual + ", recorded "
                    + record.sha256() + "); refusing to restore a changed file");
        }
        if (file.toString().endsWith(".sql")) {
            tools.run(spec.target(), "psql", List.of("--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
                    "--dbname=" + spec.target().database(), "--file=" + file.toAbsolutePath()));
            return;
        }
        tools.run(spec.target(), "pg_restore", List.of("--clean", "--if-exists", "--single-transaction", "--no-owner",
                "--exit-on-error", "--dbname=" + spec.target().database(), file.toAbsolutePath().toString()));
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
