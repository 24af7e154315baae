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
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

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

    /** Listens on 127.0.0.1; returns the bound channel. The group's thread runs until the process ends. */
    static Channel listen(boolean nativeEpoll, Workload.Protocol protocol, int port) throws InterruptedException {
        if (nativeEpoll) Epoll.ensureAvailability();
        IoHandlerFactory io = nativeEpoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channel = nativeEpoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
        Counter counter = new Counter();
        Echo echo = new Echo();
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(counter);
                        switch (protocol) {
                            case ECHO -> ch.pipeline().addLast(echo);
                            case FAKE_HTTP -> ch.pipeline().addLast(new FakeHttpResponder());
                            case HTTP_HELLO -> throw new UnsupportedOperationException("no Netty HTTP hello yet");
                        }
                    }
                });
        return b.bind("127.0.0.1", port).sync().channel();
    }
}
