// SPDX-License-Identifier: Apache-2.0
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The README's one chart, drawn from a run's {@code report.md} (the numbers measured there, nothing
 * else): per workload, the throughput of Pants epoll (shim) and Pants NIO as a ratio to the
 * workload's baseline (Netty epoll; the JDK's own server for the JDK-API workload), so that every
 * workload fits one axis. Run it after {@code benchmarks/run.sh}, from the checkout's root:
 *
 * <pre>
 * java benchmarks/SummaryChart.java benchmarks/results/DATE/report.md benchmarks/summary.svg
 * </pre>
 *
 * The per-workload charts with absolute numbers are the report's own ({@code BarChart}).
 */
public class SummaryChart {
    /** The rows charted, as the report labels them; the JDK-API workload prefixes "JDK API on ". */
    private static final List<String> SERIES = List.of("Pants epoll (shim)", "Pants NIO");
    private static final String[] FILLS = {"#2b6cb0", "#90cdf4"};
    private static final int LABEL = 150, PLOT = 480, VALUE = 60, BAR = 14, GROUP = 2 * BAR + 14, TOP = 64;

    record Bar(String workload, String series, double ratio) {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java benchmarks/SummaryChart.java REPORT.md OUT.svg");
            System.exit(2);
        }
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        List<Bar> bars = bars(lines);
        if (bars.isEmpty()) throw new IllegalArgumentException(args[0] + " has no rows for " + SERIES);
        String run = lines.get(0).replaceFirst("^# ", "");
        Files.writeString(Path.of(args[1]), svg(bars, run));
    }

    /** The ratio column (the last) of the charted rows of every workload's table. */
    static List<Bar> bars(List<String> lines) {
        List<Bar> bars = new ArrayList<>();
        String workload = null;
        for (String line : lines) {
            if (line.startsWith("## ")) workload = line.substring(3).trim();
            if (workload == null || !line.startsWith("| ")) continue;
            String[] cells = line.split("\\|");
            String server = cells[1].trim().replaceFirst("^JDK API on ", "");
            if (!SERIES.contains(server)) continue;
            // the "vs ..." column: the last one in most tables; many-connections adds two after it
            for (int i = cells.length - 1; i > 1; i--) {
                String cell = cells[i].trim();
                if (cell.endsWith("×")) {
                    bars.add(new Bar(workload, server, Double.parseDouble(cell.substring(0, cell.length() - 1))));
                    break;
                }
            }
        }
        return bars;
    }

    static String svg(List<Bar> bars, String run) {
        List<String> workloads = bars.stream().map(Bar::workload).distinct().toList();
        double max = Math.max(1.5, Math.ceil(bars.stream().mapToDouble(Bar::ratio).max().orElse(1) * 2) / 2);
        int width = LABEL + PLOT + VALUE, height = TOP + workloads.size() * GROUP + 24;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">%n", width, height, width, height));
        s.append("<!-- SPDX-License-Identifier: Apache-2.0; made by benchmarks/SummaryChart.java -->\n");
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        s.append("<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">Throughput relative to Netty epoll"
                + " (jdk-api: to the JDK's HttpServer)</text>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"36\" font-size=\"11\" fill=\"#555\">%s; medians of"
                + " 3 rounds; longer is faster</text>%n", escape(run)));
        for (int i = 0; i < SERIES.size(); i++) {
            int x = LABEL + i * 170;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"44\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"55\">%s</text>%n", x, FILLS[i], x + 18, escape(SERIES.get(i))));
        }
        int y = TOP;
        for (String workload : workloads) {
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    LABEL - 8, y + BAR + 5, escape(workload)));
            for (int i = 0; i < SERIES.size(); i++) {
                String series = SERIES.get(i);
                int top = y + i * BAR;
                bars.stream().filter(b -> b.workload().equals(workload) && b.series().equals(series)).findFirst()
                        .ifPresent(b -> {
                            double w = b.ratio() / max * PLOT;
                            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\""
                                    + " fill=\"%s\"/>%n", LABEL, top, w, BAR - 2, FILLS[SERIES.indexOf(series)]));
                            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%.2f×</text>%n",
                                    LABEL + w + 4, top + BAR - 3, b.ratio()));
                        });
            }
            y += GROUP;
        }
        double one = LABEL + 1 / max * PLOT;
        s.append(String.format(Locale.ROOT, "<path d=\"M%.1f %dV%d\" stroke=\"#4a5568\" stroke-dasharray=\"4 3\"/>%n",
                one, TOP - 4, y));
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\""
                + " fill=\"#4a5568\">1.00× = baseline</text>%n", one, y + 14));
        s.append("</svg>\n");
        return s.toString();
    }

    private static String escape(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
