// SPDX-License-Identifier: Apache-2.0
package io.pants.benchmarks;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Netty 4.2 servers under test, written the way Netty's own examples are: one event-loop
 * group of a single thread that accepts and does all I/O, writes flushed once per read batch.
 */
final class NettyServers {
    private NettyServers() {}

    static final AtomicInteger OPEN = new AtomicInteger();

    /** Counts connections; shared by every channel. */
    @ChannelHandler.Sharable
    static final class Counter extends ChannelInboundHandlerAdapter {
        @Override public void channelActive(ChannelHandlerContext ctx) {
            OPEN.incrementAndGet();
            ctx.fireChannelActive();
        }
        @Override public void channelInactive(ChannelHandlerContext ctx) {
            OPEN.decrementAndGet();
            ctx.fireChannelInactive();
        }
    }

    /** Writes back what it reads; flushes when the read batch ends. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) { ctx.write(msg); }
        @Override public void channelReadComplete(ChannelHandlerContext ctx) { ctx.flush(); }
        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }

    /** Answers each request end with the prefabricated response, from one shared direct buffer. */
    static final class FakeHttpResponder extends ChannelInboundHandlerAdapter {
        private static final ByteBuf RESPONSE = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(FakeHttp.RESPONSE.length).writeBytes(FakeHttp.RESPONSE)).asReadOnly();
        private final FakeHttp.RequestCounter counter = new FakeHttp.RequestCounter();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++) {
                    if (counter.feed(in.getByte(i))) ctx.write(RESPONSE.duplicate());
                }
            } finally {
                in.release();
            }
        }
        @Override public void channelReadComplete(ChannelHandlerContext ctx) { ctx.flush(); }
        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }

    /**
     * Hello world on Netty's HTTP codec ({@link HttpServerCodec} in front): every request gets
     * {@code Hello, World!} with Content-Type, Content-Length and a Date (as Pants' and the JDK's
     * servers send one, so that all of them write comparable responses), keeping the connection
     * open unless the request says otherwise. Responses are flushed once per read batch.
     */
    @ChannelHandler.Sharable
    static final class HttpHello extends ChannelInboundHandlerAdapter {
        private static final ByteBuf BODY = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(FakeHttp.BODY.length).writeBytes(FakeHttp.BODY)).asReadOnly();
        /** The Date value, formatted once a second on the event loop rather than per response. */
        private volatile String date = now();

        private static String now() {
            return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        }

        /** Keeps {@link #date} current from the group's thread. */
        void tickOn(EventLoopGroup group) {
            group.scheduleAtFixedRate(() -> date = now(), 1, 1, TimeUnit.SECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                // the codec hands over the request head, then its content (empty for a GET); answer the head
                if (!(msg instanceof HttpRequest request)) return;
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK, BODY.duplicate());
                response.headers()
                        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, FakeHttp.BODY.length)
                        .set(HttpHeaderNames.DATE, date);
                if (!keepAlive) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.write(response).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                } else {
                    if (!request.protocolVersion().isKeepAliveDefault()) {
                        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                    }
                    ctx.write(response);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        @Override public void channelReadComplete(ChannelHandlerContext ctx) { ctx.flush(); }
        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }

    /**
     * Echoes WebSocket data frames, behind Netty's own handshake and control-frame handling
     * ({@link WebSocketServerProtocolHandler}, as in Netty's WebSocket server example); flushes
     * once per read batch.
     */
    @ChannelHandler.Sharable
    static final class WsEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof WebSocketFrame) ctx.write(msg); // the frame goes back out, and is released there
            else ReferenceCountUtil.release(msg);
        }
        @Override public void channelReadComplete(ChannelHandlerContext ctx) { ctx.flush(); }
        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }

    /** Netty's transports measured here, each with one event-loop thread (LOOPS: as many as asked for). */
    enum Transport { NIO, EPOLL, IO_URING }

    /** Listens on 127.0.0.1 with {@code loops} event-loop threads; returns the bound channel. The group's threads run until the process ends. */
    static Channel listen(Transport transport, boolean openSsl, Workload.Protocol protocol, int port, int loops) throws Exception {
        // TLS as Netty's examples do it: an SslHandler first in the pipeline, on the JDK's provider
        // (as Pants) or on OpenSSL (BoringSSL from netty-tcnative), the native reference
        if (openSsl) OpenSsl.ensureAvailability();
        SslContext tls = protocol.isTls()
                ? SslContextBuilder.forServer(BenchmarkCertificate.keyManagers())
                        .sslProvider(openSsl ? SslProvider.OPENSSL : SslProvider.JDK).build()
                : null;
        if (transport == Transport.EPOLL) Epoll.ensureAvailability();
        if (transport == Transport.IO_URING) IoUring.ensureAvailability();
        IoHandlerFactory io = switch (transport) {
            case NIO -> NioIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
        };
        Class<? extends ServerChannel> channel = switch (transport) {
            case NIO -> NioServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
        };
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, io);
        Counter counter = new Counter();
        Echo echo = new Echo();
        HttpHello hello = new HttpHello();
        WsEcho wsEcho = new WsEcho();
        if (protocol == Workload.Protocol.HTTP_HELLO || protocol == Workload.Protocol.HTTPS_HELLO) hello.tickOn(group);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(counter);
                        if (tls != null) ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        switch (protocol) {
                            case ECHO, TLS_ECHO -> ch.pipeline().addLast(echo);
                            case FAKE_HTTP -> ch.pipeline().addLast(new FakeHttpResponder());
                            case HTTP_HELLO, HTTPS_HELLO -> ch.pipeline().addLast(new HttpServerCodec(), hello);
                            case WS_ECHO -> ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                                    new WebSocketServerProtocolHandler("/"), wsEcho);
                            case JDK_API_HELLO -> throw new UnsupportedOperationException("Netty does not run the JDK-API application");
                            case HTTP_CLIENT -> throw new UnsupportedOperationException("the client workload's server is Pants' http-hello");
                        }
                    }
                });
        return b.bind("127.0.0.1", port).sync().channel();
    }
}
