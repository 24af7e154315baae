// SPDX-License-Identifier: Apache-2.0
package io.pants;

/**
 * What an engine has done since it was made: a snapshot, from {@link Engine#stats()}. Every
 * count only grows, except the gauges {@code timersPending} and {@code channelsOpen}.
 *
 * <p><b>How consistent it is.</b> The loop thread counts in plain fields and publishes them
 * before it waits for I/O and at the end of each turn; a snapshot taken on another thread sees
 * at least what was published last, and may see some fields a little further on (the fields are
 * read one after the other while the loop runs on): {@code bytesRead} of one moment beside
 * {@code messagesRead} of a slightly later one. Each value on its own is one the engine really
 * had. Taken on the loop thread, a snapshot is exact.
 *
 * <pre>{@code
 * EngineStats s = engine.stats();                      // from any thread
 * System.out.printf("%d turns, %.1f%% busy%n", s.turns(), 100.0 * s.busyNanos() / (s.busyNanos() + s.waitingNanos()));
 * }</pre>
 *
 * @param turns           loop turns begun ({@link Engine#poll} calls and iterations of {@link Engine#start})
 * @param busyNanos       time spent in turns outside the wait for I/O: running callbacks, reading, writing
 *                        (also the callbacks of reads a shim dispatches from inside its wait call)
 * @param waitingNanos    time spent in the poller's wait (asleep, or polling without blocking), until it
 *                        handed over its first event
 * @param tasksQueued     tasks handed in with {@link Engine#execute} or {@link Engine#submit}, from any thread
 * @param tasksRun        of those, the ones that have run ({@code tasksQueued - tasksRun} wait)
 * @param timersRun       timer, callback, loop and deadline tasks that have run
 * @param timersPending   timers ({@link Engine#defer}, {@link Engine#cycle}) and armed deadlines waiting, as of the last publication
 * @param channelsOpen    streams, listening sockets and datagram sockets registered right now
 * @param bytesRead       bytes received by streams and datagram sockets
 * @param bytesWritten    bytes the system took from streams' send queues and datagrams sent
 * @param messagesRead    {@code onRead} calls of streams and datagram sockets (pieces as the read delimiter cut them),
 *                        and calls of a stream's {@link ReadDelimiter#custom custom} decoder that took input
 * @param messagesWritten stream writes ({@code write}, {@code writeFile} calls that queued bytes) and datagrams sent
 * @param accepts         connections the engine's servers accepted and gave a stream (the sum of their {@link ServerStats#accepted()})
 * @param refused         connections the engine's servers lost instead of serving (the sum of their {@link ServerStats#refused()})
 * @param acceptPauses    times a server stopped accepting because the process ran out of descriptors (EMFILE, ENFILE)
 * @param flushes         stream send queues the engine tried to write (one per stream and flush)
 * @param partialWrites   of those, the ones the system did not take whole: bytes were left queued for later
 * @since 0.1
 */
public record EngineStats(long turns, long busyNanos, long waitingNanos, long tasksQueued, long tasksRun,
                          long timersRun, long timersPending, long channelsOpen,
                          long bytesRead, long bytesWritten, long messagesRead, long messagesWritten,
                          long accepts, long refused, long acceptPauses, long flushes, long partialWrites) {

    /** The snapshot as text, one {@code name value} line per field, in declaration order. */
    public String toText() {
        StringBuilder b = new StringBuilder(512);
        for (var c : EngineStats.class.getRecordComponents()) {
            try {
                b.append(c.getName()).append(' ').append(c.getAccessor().invoke(this)).append('\n');
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return b.toString();
    }
}
