package dev.shiftlog.schemas.spec;

/**
 * A database the migration reads from or writes to.
 *
 * @param url JDBC URL without credentials, e.g. {@code jdbc:postgresql://host:5432/db}
 * @param schema the schema that unqualified table names live in; defaults to {@value #DEFAULT_SCHEMA}
 */
public record ConnectionDef(String url, String user, Secret password, String schema, Location location) {
    public static final String DEFAULT_SCHEMA = "public";

    /** Host of the JDBC URL, for tools (Debezium) that want it split. */
    public String host() {
        return hostPort().split(":")[0];
    }

    public int port() {
        String[] parts = hostPort().split(":");
        return parts.length > 1 ? Integer.parseInt(parts[1]) : 5432;
    }

    public String database() {
        String rest = url.substring(url.indexOf("//") + 2);
        String path = rest.contains("/") ? rest.substring(rest.indexOf('/') + 1) : "";
        return path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    }

    private String hostPort() {
        String rest = url.substring(url.indexOf("//") + 2);
        return rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
    }
}
