// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.pants.Pollers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every JMH benchmark runs: one short measured iteration each, in this JVM, on the backends this
 * machine has. Not a measurement (no warm-up, no fork); it keeps the README's JMH command working.
 */
class MicrobenchmarksTest {
    private static final List<String> BENCHMARKS = List.of("PollTurnBenchmark", "WakeupBenchmark", "NativeCallBenchmark",
            "DelimiterBenchmark", "HttpBenchmark", "DeadlineBenchmark");

    @Test
    void everyBenchmarkRunsAndScores() throws Exception {
        String backends = String.join(",", Pollers.available().stream().filter(b -> !b.equals("kqueue") && !b.equals("iocp")).toList());
        OptionsBuilder options = new OptionsBuilder();
        for (String b : BENCHMARKS) options.include("\\." + b + "\\.");
        Options o = options
                .param("backend", backends.split(","))
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .verbosity(VerboseMode.SILENT)
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(o).run();

        Set<String> ran = new TreeSet<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            ran.add(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1, name.lastIndexOf('.')));
            double score = r.getPrimaryResult().getScore();
            assertTrue(score > 0 && Double.isFinite(score), name + " " + r.getParams() + " scored " + score);
        }
        assertEquals(new TreeSet<>(BENCHMARKS), ran, "benchmarks that ran");
    }

    /** A load run's JMH part: JMH writes its JSON beside the report, and the report's table has a row per result. */
    @Test
    void resultsAreSavedAsJsonBesideTheReport(@TempDir Path out) throws Exception {
        OptionsBuilder options = new OptionsBuilder();
        options.include("\\.DelimiterBenchmark\\.").forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100)).verbosity(VerboseMode.SILENT).shouldFailOnError(true);
        Collection<RunResult> results = Microbenchmarks.run(options, out);
        assertTrue(!results.isEmpty(), "no results");

        String json = Files.readString(out.resolve(Microbenchmarks.RESULT_FILE));
        assertTrue(json.trim().startsWith("[") && json.contains("\"benchmark\" : \"io.pants.DelimiterBenchmark."),
                "not JMH's JSON results:\n" + json);
        String table = Microbenchmarks.table(results);
        assertEquals(results.size() + 2, table.lines().count(), "a header, a rule and a row per result:\n" + table);
        assertTrue(table.contains("| DelimiterBenchmark."), table);
    }
}
