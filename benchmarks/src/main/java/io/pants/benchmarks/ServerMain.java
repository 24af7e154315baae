package io.pants.benchmarks;

import io.pants.Engine;
import io.pants.Server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * One server under test, in a process of its own:
 * {@code java -cp benchmarks.jar io.pants.benchmarks.ServerMain SERVER WORKLOAD [PORT]}. It
 * listens on 127.0.0.1 and prints {@code benchmark server listening on port N (SERVER)}.
 *
 * <p>Its standard input is a control channel for {@link LoadRunner}: the line {@code stats}
 * answers {@code stats connections=N heap=BYTES rss=BYTES}, the heap measured after a full
 * collection and the resident set read from /proc/self/status. End of input ends the process, so
 * a server never outlives the runner that started it.
 */
public final class ServerMain {
    private ServerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: ServerMain SERVER WORKLOAD [PORT]");
            System.exit(2);
        }
        ServerKind kind = ServerKind.byId(args[0]);
        Workload.Protocol protocol = Workload.byId(args[1]).protocol;
        int port = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        if (!kind.speaks(protocol)) throw new IllegalArgumentException(kind + " does not speak " + protocol);

        String poller = kind.pantsPoller();
        if (poller != null) {
            Engine engine = Engine.builder().poller(poller).build();
            // "epoll" falls back to libc when the shim does not load; measured so, the table
            // would credit the shim with libc's numbers
            if (kind == ServerKind.PANTS_EPOLL && !engine.pollerDescription().contains("native shim")) {
                throw new IllegalStateException("pants-epoll must run on the shim, but runs " + engine.pollerDescription());
            }
            Server server = PantsServers.listen(engine, protocol, port);
            control(kind, server.port(), PantsServers.OPEN::get);
            engine.start();
        } else if (kind == ServerKind.JDK_HTTP) {
            var server = JdkHttpServers.listen(protocol, port);
            control(kind, server.getAddress().getPort(), () -> -1); // it does not tell
        } else {
            var channel = NettyServers.listen(kind == ServerKind.NETTY_EPOLL, protocol, port);
            control(kind, ((java.net.InetSocketAddress) channel.localAddress()).getPort(), NettyServers.OPEN::get);
            channel.closeFuture().sync();
        }
    }

    /** Announces the port, then answers the runner's requests on a daemon thread. */
    private static void control(ServerKind kind, int port, IntSupplier connections) {
        // The first reading is megabytes too high (the management beans set themselves up
        // during it); take it now so that every reading the runner gets is comparable.
        heapAfterGc();
        System.out.println("benchmark server listening on port " + port + " (" + kind + ")");
        System.out.flush();
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.equals("stats")) {
                        System.out.println("stats connections=" + connections.getAsInt()
                                + " heap=" + heapAfterGc() + " rss=" + residentSet());
                        System.out.flush();
                    }
                }
            } catch (IOException e) {
                e.printStackTrace();
            }
            System.exit(0);
        }, "benchmark control");
        t.setDaemon(true);
        t.start();
    }

    /** Heap in use once garbage is gone: what the live connections hold. */
    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc(); // the first may leave floating garbage behind
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** VmRSS from /proc/self/status, in bytes; -1 where there is no such file. */
    static long residentSet() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return -1;
        for (String l : Files.readAllLines(status)) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
        }
        return -1;
    }
}
