// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * A horizontal bar chart in SVG, written by hand: one bar per server (the median), a whisker
 * from the slowest to the fastest round, the value at the end. Pants bars are blue, the peers
 * grey, so the comparison reads at a glance, like the talk's slides.
 */
final class BarChart {
    private static final int MIN_LABEL = 170, PLOT = 460, VALUE = 110, ROW = 30, TOP = 44, BOTTOM = 16;
    /** A generous average width of a 13-pixel sans-serif character, to fit the longest server name. */
    private static final double CHAR_WIDTH = 7.5;

    private BarChart() {}

    static String svg(Workload workload, List<Report.Row> rows, String subtitle) {
        int longest = rows.stream().mapToInt(r -> r.server().label().length()).max().orElse(0);
        int label = Math.max(MIN_LABEL, (int) Math.ceil(longest * CHAR_WIDTH) + 16);
        int width = label + PLOT + VALUE;
        int height = TOP + rows.size() * ROW + BOTTOM;
        double max = rows.stream().mapToDouble(r -> Math.max(r.maxPerSecond(), r.perSecond())).max().orElse(1);
        if (!(max > 0)) max = 1;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">%n",
                width, height, width, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">%s: %s</text>%n",
                escape(workload.id), escape(workload.unit())));
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"36\" font-size=\"11\" fill=\"#555\">%s</text>%n", escape(subtitle)));
        int y = TOP;
        for (Report.Row r : rows) {
            double w = r.perSecond() / max * PLOT;
            String fill = r.server().isPants() ? "#2b6cb0" : r.server() == workload.baseline() ? "#4a5568" : "#a0aec0";
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", label - 8, y + 19, escape(r.server().label())));
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n", label, y + 5, w, ROW - 10, fill));
            double x0 = label + r.minPerSecond() / max * PLOT, x1 = label + r.maxPerSecond() / max * PLOT;
            int mid = y + ROW / 2;
            s.append(String.format(Locale.ROOT, "<path d=\"M%.1f %dV%dM%.1f %dH%.1fM%.1f %dV%d\" stroke=\"black\" fill=\"none\"/>%n",
                    x0, mid - 5, mid + 5, x0, mid, x1, x1, mid - 5, mid + 5));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%,.0f</text>%n", Math.max(x1, label + w) + 6, y + 19, r.perSecond()));
            y += ROW;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String escape(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
