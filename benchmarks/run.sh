#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs the load scenarios and writes benchmarks/results/<date>/ (report.md, one SVG chart per
# workload, samples.csv). From a fresh clone:
#
#   benchmarks/run.sh                          # the full run: 3 rounds, 5 s warm-up + 15 s each
#   ROUNDS=1 DURATION=3 WARMUP=1 benchmarks/run.sh    # a quick check that everything works
#   benchmarks/run.sh WORKLOADS=echo-100 SERVERS=pants-epoll,netty-epoll
#   benchmarks/run.sh WORKLOADS=http-hello-100,http-hello-1000,jdk-api-hello-100   # the HTTP hello worlds
#   benchmarks/run.sh WORKLOADS=http-client-100 CLIENTS=pants-client-epoll,jdk-client,netty-client-epoll   # the HTTP clients
#   benchmarks/run.sh WORKLOADS=none JMH=PollTurn   # only microbenchmarks, saved as jmh.json
#   LOOPS=2 SERVER_CPUS=0-1 CLIENT_CPUS=2-3 benchmarks/run.sh WORKLOADS=echo-1000,http-hello-1000 \
#       SERVERS=pants-epoll,netty-epoll             # servers on 2 event loops, on their own 2 CPUs
#
# Settings (environment or KEY=VALUE arguments): ROUNDS, DURATION, WARMUP (seconds), WORKLOADS,
# SERVERS, CLIENTS (comma-separated ids), SERVER_CPUS (alias SERVER_CPU; a CPU set for taskset -c, such as
# 0-3; default 0), CLIENT_CPUS (alias CLIENT_CPU; default 1), LOOPS (event loops per server: Pants
# on an EngineGroup, Netty with as many event-loop threads; default 1), SERVER_JVM_OPTS,
# OUT (results directory), JMH (a regex of microbenchmarks to run after the load, results in jmh.json).
# See LoadRunner.java. Each server runs in its own process pinned to
# SERVER_CPUS; the load (the Java echo client, wrk) runs pinned to CLIENT_CPUS. Run it on an
# otherwise quiet machine: anything else running makes the numbers worthless. For the scaling
# benchmark on a bigger machine, give the server cores 0..N-1 and the load the rest, and raise
# LOOPS with N: LOOPS=8 SERVER_CPUS=0-7 CLIENT_CPUS=8-15 (wrk's threads follow CLIENT_CPUS).
set -eu

cd "$(dirname "$0")/.."
SERVER_CPU=${SERVER_CPUS-${SERVER_CPU-0}}
CLIENT_CPU=${CLIENT_CPUS-${CLIENT_CPU-1}}
LOOPS=${LOOPS-1}
export SERVER_CPU LOOPS

# wrk makes the HTTP load; Debian packages it.
if ! command -v wrk >/dev/null 2>&1; then
    echo "run.sh: installing wrk" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -y -q"
    $APT install --no-install-recommends wrk >/dev/null \
        || { $APT update >/dev/null && $APT install --no-install-recommends wrk >/dev/null; } \
        || echo "run.sh: could not install wrk; the HTTP workloads will be skipped" >&2
fi

# 10,000 idle connections need as many descriptors in the runner and in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10500 ]; then
    echo "run.sh: only $(ulimit -n) descriptors allowed; the many-connections workload needs 10,500" >&2
fi

if [ ! -f benchmarks/target/benchmarks.jar ] || [ -n "${REBUILD-}" ] || [ -n "$(find java/src benchmarks/src native -newer benchmarks/target/benchmarks.jar -type f 2>/dev/null | head -1)" ]; then
    mvn -B -q package -pl benchmarks -am -DskipTests
fi

PIN=
if command -v taskset >/dev/null 2>&1 && [ -n "$CLIENT_CPU" ]; then
    PIN="taskset -c $CLIENT_CPU"
else
    echo "run.sh: no taskset (or CLIENT_CPU empty): the load generator is not pinned" >&2
fi
exec $PIN java -cp benchmarks/target/benchmarks.jar io.pants.benchmarks.LoadRunner "$@"
