package dev.shiftlog.schemas.spec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A cycle in the spec's reference graph (tables as nodes, reference columns as edges): rows around it can wait for
 * each other forever, so {@code plan} names each one and checks that one edge can land NULL and be patched.
 *
 * @param edges the reference columns around the cycle, each pointing at the next edge's table; one edge for a tree
 *              (a table referencing itself)
 */
public record ReferenceCycle(List<Edge> edges) {

    /** One reference column of a cycle. */
    public record Edge(TableMappingDef table, ColumnDef column) {
        @Override
        public String toString() {
            return table.target() + "." + column.target() + " → " + column.ref();
        }
    }

    public ReferenceCycle {
        edges = List.copyOf(edges);
    }

    /** A table referencing itself: rows form trees, and a cycle only where the data has one. */
    public boolean tree() {
        return edges.size() == 1;
    }

    /** The edges that let the cycle land whole: {@code on-missing-parent: land-null-then-patch}. */
    public List<Edge> patchable() {
        return edges.stream().filter(e -> e.column().reference().landNullThenPatch()).toList();
    }

    @Override
    public String toString() {
        return edges.stream().map(Edge::toString).collect(Collectors.joining(", "));
    }

    /**
     * Every elementary cycle of the spec's reference graph, each once, starting at its table that comes first in
     * the spec (a small graph: a depth-first walk from each table over tables after it is enough).
     */
    public static List<ReferenceCycle> of(List<TableMappingDef> tables) {
        Map<String, Integer> order = new LinkedHashMap<>();
        Map<String, List<Edge>> out = new LinkedHashMap<>();
        for (TableMappingDef t : tables) {
            order.putIfAbsent(t.target(), order.size());
            for (ColumnDef c : t.references()) {
                out.computeIfAbsent(t.target(), k -> new ArrayList<>()).add(new Edge(t, c));
            }
        }
        List<ReferenceCycle> cycles = new ArrayList<>();
        for (String start : order.keySet()) {
            walk(start, start, order, out, new ArrayList<>(), cycles);
        }
        cycles.sort(Comparator.comparing((ReferenceCycle c) -> c.edges().size()));
        return List.copyOf(cycles);
    }

    private static void walk(String start, String at, Map<String, Integer> order, Map<String, List<Edge>> out, List<Edge> path,
                             List<ReferenceCycle> cycles) {
        for (Edge e : out.getOrDefault(at, List.of())) {
            String next = e.column().ref();
            Integer rank = order.get(next);
            if (rank == null || rank < order.get(start)) {
                continue; // a cycle through an earlier table was found from there
            }
            path.add(e);
            if (next.equals(start)) {
                cycles.add(new ReferenceCycle(path));
            } else if (path.stream().noneMatch(p -> p.table().target().equals(next))) {
                walk(start, next, order, out, path, cycles);
            }
            path.remove(path.size() - 1);
        }
    }
}
