// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.pants.Engine;
import io.pants.http.client.HttpClient;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The closed-loop HTTP load of each client under test, written as each one's documentation
 * suggests: {@code connections} requests in flight, each followed by the next when it is
 * answered, {@code GET /} to 127.0.0.1 with keep-alive. Every client gets one thread for its
 * I/O and callbacks: Pants' engine, the JDK client's selector thread with a one-thread executor,
 * Netty's one-thread event loop.
 */
final class HttpClientLoads {
    private HttpClientLoads() {}

    /** Starts the load of {@code kind} on its own threads; it stops issuing when {@code loop} is stopped. */
    static void start(ClientKind kind, int port, int connections, ClosedLoop loop) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/");
        switch (kind) {
            case PANTS_EPOLL, PANTS_EPOLL_LIBC, PANTS_KQUEUE, PANTS_NIO, PANTS_IO_URING -> pants(kind, uri, connections, loop);
            case JDK -> jdk(uri, connections, loop);
            case NETTY_EPOLL, NETTY_NIO -> netty(kind == ClientKind.NETTY_EPOLL, port, connections, loop);
        }
    }

    // ---------------------------------------------------------------- Pants

    private static void pants(ClientKind kind, URI uri, int connections, ClosedLoop loop) {
        Engine engine = Engine.builder().poller(kind.pantsPoller).build();
        if (kind == ClientKind.PANTS_EPOLL && !engine.pollerDescription().contains("native shim")) {
            // measured so, the table would credit the shim with libc's numbers
            throw new IllegalStateException(kind + " must run on the shim, but runs " + engine.pollerDescription());
        }
        // no Accept-Encoding, as the JDK's and Netty's requests have none
        HttpClient client = HttpClient.create(engine).maxConnectionsPerOrigin(connections).maxConnections(connections).decompress(false);
        engine.execute(() -> {
            for (int i = 0; i < connections; i++) pantsNext(client, uri, loop);
        });
        daemon("pants-client-loop", engine::start);
    }

    private static void pantsNext(HttpClient client, URI uri, ClosedLoop loop) {
        if (loop.stopped()) return;
        long sent = System.nanoTime();
        client.request("GET", uri).send().whenComplete((response, error) -> { // on the loop thread
            if (error != null || response.status() != 200) loop.failed();
            else loop.answered(System.nanoTime() - sent);
            pantsNext(client, uri, loop);
        });
    }

    // ---------------------------------------------------------------- the JDK's client

    private static void jdk(URI uri, int connections, ClosedLoop loop) {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jdk-client-executor");
            t.setDaemon(true);
            return t;
        });
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).executor(executor).build();
        HttpRequest request = HttpRequest.newBuilder(uri).GET().build();
        for (int i = 0; i < connections; i++) jdkNext(client, request, loop);
    }

    private static void jdkNext(java.net.http.HttpClient client, HttpRequest request, ClosedLoop loop) {
        if (loop.stopped()) return;
        long sent = System.nanoTime();
        client.sendAsync(request, BodyHandlers.ofByteArray()).whenComplete((response, error) -> {
            if (error != null || response.statusCode() != 200) loop.failed();
            else loop.answered(System.nanoTime() - sent);
            jdkNext(client, request, loop);
        });
    }

    // ---------------------------------------------------------------- Netty

    private static void netty(boolean epoll, int port, int connections, ClosedLoop loop) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap b = new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new NettyRequester(loop, "127.0.0.1:" + port));
                    }
                });
        for (int i = 0; i < connections; i++) b.connect("127.0.0.1", port).sync();
    }

    /** One connection's loop: a request, its whole response (up to LastHttpContent), the next request. */
    private static final class NettyRequester extends ChannelInboundHandlerAdapter {
        private final ClosedLoop loop;
        private final String host;
        private long sent;
        private boolean bad;

        NettyRequester(ClosedLoop loop, String host) {
            this.loop = loop;
            this.host = host;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            if (loop.stopped()) {
                ctx.close();
                return;
            }
            DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
            request.headers().set(HttpHeaderNames.HOST, host);
            sent = System.nanoTime();
            ctx.writeAndFlush(request);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse r) bad = r.status().code() != 200;
                if (msg instanceof LastHttpContent) {
                    if (bad) loop.failed();
                    else loop.answered(System.nanoTime() - sent);
                    send(ctx);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            loop.failed();
            ctx.close();
        }
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }
}
