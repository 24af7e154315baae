// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A one-line description of the machine, for the report: numbers mean little without it. */
final class Machine {
    private Machine() {}

    static String describe() {
        String cpu = "unknown CPU";
        // counted from /proc/cpuinfo: availableProcessors() sees only the CPUs taskset left us
        long cpus = Runtime.getRuntime().availableProcessors();
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            cpus = lines.stream().filter(l -> l.startsWith("processor")).count();
            cpu = lines.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException ignored) { // not Linux: the model stays unknown
        }
        return cpu + ", " + cpus + " CPUs, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version")
                + ", Java " + System.getProperty("java.version");
    }
}
