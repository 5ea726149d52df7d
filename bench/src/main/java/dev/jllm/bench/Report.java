package dev.jllm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Regenerates {@code jmh-results/README.md} and {@code jmh-results/kernels.svg} from the JMH
 * JSON files in the folder (named {@code DATE_CPU.json}, so the newest sorts last), keeping the
 * newest result of every benchmark and parameter set:
 * a table of every result with its auxiliary rate (GB/s, GMAC/s, values/s), and a hand-written
 * SVG bar chart of the matrix-vector kernels' GB/s against the measured single-thread read
 * bandwidth. Run by bench/run: {@code java -cp benchmarks.jar dev.jllm.bench.Report jmh-results}.
 */
public final class Report {
    private Report() {}

    record Row(String benchmark, Map<String, String> params, double score, double error, String unit,
               String auxName, double aux, double auxError, Map<String, Double> secondary, String run) {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "jmh-results");
        List<Path> runs;
        try (Stream<Path> s = Files.list(dir)) {
            runs = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
        if (runs.isEmpty()) throw new IllegalStateException("no JMH JSON files in " + dir);
        Path latest = runs.getLast();
        // the newest result of every (benchmark, parameters): a run of a few benchmarks updates only those
        Map<String, Row> newest = new LinkedHashMap<>();
        for (Path run : runs) {
            for (Row r : read(run)) newest.put(r.benchmark + r.params, r);
        }
        List<Row> rows = new ArrayList<>(newest.values());
        rows.sort(Comparator.comparing(Row::benchmark));
        Files.writeString(dir.resolve("kernels.svg"), chart(rows));
        Files.writeString(dir.resolve("README.md"), readme(latest, runs, rows));
    }

    static List<Row> read(Path file) throws IOException {
        List<Row> out = new ArrayList<>();
        for (JsonNode r : new ObjectMapper().readTree(file.toFile())) {
            Map<String, String> params = new LinkedHashMap<>();
            r.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
            JsonNode pm = r.path("primaryMetric");
            String auxName = null;
            double aux = Double.NaN, auxErr = Double.NaN;
            Map<String, Double> secondary = new LinkedHashMap<>();
            var it = r.path("secondaryMetrics").fields();
            while (it.hasNext()) {
                var e = it.next();
                double score = e.getValue().path("score").asDouble();
                secondary.put(e.getKey(), score);
                // the batched products are judged by multiply-adds per second, the others by their
                // only counter; a benchmark class's counters that one method leaves at 0 are not its rate
                if (score > 0 && (auxName == null || e.getKey().equals("macs"))) {
                    auxName = e.getKey();
                    aux = e.getValue().path("score").asDouble();
                    auxErr = e.getValue().path("scoreError").asDouble();
                }
            }
            String name = r.path("benchmark").asText().replaceFirst("^dev\\.jllm\\.(bench|model)\\.", "");
            String run = file.getFileName().toString().replaceFirst("^(\\d{4}-\\d{2}-\\d{2})_(\\d{2})(\\d{2})(\\d{2}).*", "$1 $2:$3");
            out.add(new Row(name, params, pm.path("score").asDouble(), pm.path("scoreError").asDouble(), pm.path("scoreUnit").asText(), auxName, aux, auxErr, secondary, run));
        }
        return out;
    }

    /** An auxiliary rate in its natural unit: bytes → GB/s, multiply-adds → GMAC/s, else M/s. */
    static String rate(String name, double v, double err) {
        if (name == null || Double.isNaN(v)) return "";
        String e = Double.isNaN(err) ? "" : String.format(Locale.ROOT, " ± %.2f", err / scale(name));
        return String.format(Locale.ROOT, "%.2f%s %s", v / scale(name), e, unit(name));
    }

    static double scale(String name) {
        return name.toLowerCase(Locale.ROOT).contains("bytes") || name.equals("macs") ? 1e9 : 1e6;
    }

    static String unit(String name) {
        return switch (name) {
            case "weightBytes" -> "GB/s of weights";
            case "kvBytes" -> "GB/s of K+V";
            case "bytes" -> "GB/s";
            case "macs" -> "GMAC/s";
            default -> "M " + name + "/s";
        };
    }

    static double bandwidth(List<Row> rows) {
        return rows.stream().filter(r -> r.benchmark.startsWith("BandwidthBenchmark")).mapToDouble(r -> r.aux / 1e9).findFirst().orElse(Double.NaN);
    }

    static String readme(Path latest, List<Path> runs, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("# jmh-results/\n\n");
        sb.append("Committed JMH results, one JSON file per run (named by date and CPU), written by `bench/run`,\n");
        sb.append("which also regenerates this summary and `kernels.svg` (`dev.jllm.bench.Report`).\n");
        sb.append("All kernels run single-threaded. Rates come from JMH auxiliary counters (`@AuxCounters`):\n");
        sb.append("`weightBytes` is the matrix size × calls per second, `macs` rows × cols × tokens × calls per second.\n");
        sb.append("The machine these ran on has 2 cores shared with other jobs: see the load averages at the end.\n\n");
        sb.append("The table holds the newest result of every benchmark and parameter set over all runs (").append(runs.size())
          .append(" recorded, the latest `").append(latest.getFileName()).append("`); the chart and its bandwidth line come from the same rows.\n\n");
        sb.append("![matrix-vector kernels against memory bandwidth](kernels.svg)\n\n");
        sb.append("| benchmark | parameters | rate | score | run |\n|---|---|---|---|---|\n");
        for (Row r : rows) {
            String params = String.join(", ", r.params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
            String rate = rate(r.auxName, r.aux, r.auxError);
            if ("macs".equals(r.auxName) && r.secondary.containsKey("weightBytes") && r.params.containsKey("tokens")) {
                // weights swept per second × tokens: the rate a matrix-vector product would need to match it
                rate += String.format(Locale.ROOT, " (= %.1f GB/s of weights × tokens)", r.secondary.get("weightBytes") * Integer.parseInt(r.params.get("tokens")) / 1e9);
            }
            sb.append("| ").append(r.benchmark).append(" | ").append(params).append(" | ").append(rate)
              .append(" | ").append(String.format(Locale.ROOT, "%.4g ± %.2g %s", r.score, r.error, r.unit)).append(" | ").append(r.run).append(" |\n");
        }
        sb.append("\nAll runs (`runs.log`: profile, cores, load average before and after):\n\n```\n").append(runLog(latest.getParent())).append("```\n");
        return sb.toString();
    }

    static String runLog(Path dir) {
        try {
            Path log = dir.resolve("runs.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Horizontal bars: matvec GB/s per type and shape, with the read bandwidth as a dashed line. */
    static String chart(List<Row> rows) {
        List<Row> mv = rows.stream().filter(r -> r.benchmark.startsWith("MatVecBenchmark"))
                .sorted(Comparator.comparing((Row r) -> r.params.getOrDefault("type", "")).thenComparing(r -> r.params.getOrDefault("shape", ""))).toList();
        double bw = bandwidth(rows);
        double max = Math.max(bw, mv.stream().mapToDouble(r -> r.aux / 1e9).max().orElse(1));
        if (Double.isNaN(max) || max <= 0) max = 1;
        int left = 190, width = 520, bar = 16, gap = 6, top = 40;
        int height = top + mv.size() * (bar + gap) + 40;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", left + width + 80, height));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">matvec, 1 thread: GB/s of weights (bars) vs memory read bandwidth (dashed)</text>%n", 10));
        String[] colors = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"};
        List<String> types = mv.stream().map(r -> r.params.getOrDefault("type", "")).distinct().toList();
        int y = top;
        for (Row r : mv) {
            double v = r.aux / 1e9;
            int w = (int) Math.round(width * v / max);
            String color = colors[types.indexOf(r.params.getOrDefault("type", "")) % colors.length];
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s %s</text>%n", left - 6, y + bar - 4, r.params.get("type"), r.params.get("shape")));
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n", left, y, Math.max(w, 1), bar, color));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%.1f</text>%n", left + w + 4, y + bar - 4, v));
            y += bar + gap;
        }
        if (!Double.isNaN(bw)) {
            int x = left + (int) Math.round(width * bw / max);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\" stroke-dasharray=\"5,4\"/>%n", x, top - 6, x, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">read bandwidth %.1f GB/s</text>%n", x, y + 16, bw));
        }
        s.append("</svg>\n");
        return s.toString();
    }
}
