// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JMH part of a load run ({@code JMH=regex}): the matching benchmarks with short, fixed
 * settings (one fork, 3 × 1 s warm-up, 5 × 1 s measured), their results saved by JMH itself as
 * {@code jmh.json} beside {@code report.md} (the format JMH's own tools and visualisers read), and
 * a Markdown table of the scores for the report.
 */
final class Microbenchmarks {
    static final String RESULT_FILE = "jmh.json";

    private Microbenchmarks() {}

    /** Runs the benchmarks whose names match {@code include}; returns the report's section. */
    static String run(String include, Path out) throws RunnerException {
        return table(run(new OptionsBuilder().include(include)
                .forks(1)
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                .shouldFailOnError(true), out));
    }

    /** Runs with the given options, saving the results as JSON in {@code out}. */
    static Collection<RunResult> run(ChainedOptionsBuilder options, Path out) throws RunnerException {
        Options o = options.resultFormat(ResultFormatType.JSON).result(out.resolve(RESULT_FILE).toString()).build();
        return new Runner(o).run();
    }

    /** One row per benchmark and parameter set: score ± error (99.9%), as JMH reports it. */
    static String table(Collection<RunResult> results) {
        StringBuilder b = new StringBuilder("| benchmark | parameters | mode | score | error (99.9%) | unit |\n|---|---|---|---:|---:|---|\n");
        for (RunResult r : results) {
            Map<String, String> params = new TreeMap<>();
            for (String key : r.getParams().getParamsKeys()) params.put(key, r.getParams().getParam(key));
            String name = r.getParams().getBenchmark();
            var primary = r.getPrimaryResult();
            b.append("| ").append(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1))
             .append(" | ").append(params.isEmpty() ? "–" : params.toString().replaceAll("[{}]", ""))
             .append(" | ").append(r.getParams().getMode().shortLabel())
             .append(" | ").append(String.format(Locale.ROOT, "%,.3f", primary.getScore()))
             .append(" | ").append(Double.isNaN(primary.getScoreError()) ? "–" : String.format(Locale.ROOT, "±%,.3f", primary.getScoreError()))
             .append(" | ").append(primary.getScoreUnit()).append(" |\n");
        }
        return b.toString();
    }
}
