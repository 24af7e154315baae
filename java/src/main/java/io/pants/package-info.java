// SPDX-License-Identifier: Apache-2.0
/**
 * The core of Pants for Java: an {@link io.pants.Engine} runs an event loop on one thread, and
 * the channels on it ({@link io.pants.Stream} for TCP and Unix domain stream sockets,
 * {@link io.pants.Datagram} for UDP and Unix domain datagram sockets) call back into your code
 * when something happens; a {@link io.pants.Server} makes one stream per accepted connection.
 *
 * <pre>{@code
 * class Echo extends Stream {
 *     @Override protected void onRead(byte[] data) { write(data); }
 * }
 * new Server(Echo::new).listen(4040);
 * Engine.instance().start();   // runs the loop on this thread
 * }</pre>
 *
 * Every callback runs on the loop thread and must not block; other threads hand work to the loop
 * with {@link io.pants.Engine#execute(Runnable)} or {@link io.pants.Engine#submit}. How input is
 * cut into {@code onRead} pieces is the stream's {@link io.pants.ReadDelimiter} (lines, sizes,
 * patterns, {@link io.pants.Struct} records, length-prefixed frames); timers and timeouts are
 * the engine's ({@link io.pants.Timer}, {@link io.pants.Deadline}). The backend the loop waits on
 * (epoll, kqueue, IOCP, NIO) is picked once per engine: {@link io.pants.Pollers} reports which
 * work here and why the others don't.
 *
 * @since 0.1
 */
package io.pants;
