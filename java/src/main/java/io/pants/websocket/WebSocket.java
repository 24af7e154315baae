// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.Engine;
import io.pants.Stream;
import io.pants.Timer;
import io.pants.Tls;
import io.pants.TlsConfig;
import io.pants.http.ConnectionProtocol;
import io.pants.http.HttpRequest;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * A WebSocket connection (RFC 6455), server or client side: subclass it and override the
 * callbacks you need; they all run on the engine's loop thread.
 *
 * <pre>{@code
 * class Echo extends WebSocket {
 *     @Override protected void onText(String text) { send(text); }
 * }
 * new HttpServer(request -> new Echo().accept(request)).listen(8080);   // or app.websocket("/echo", Echo::new)
 *
 * new WebSocket() {
 *     @Override protected void onOpen() { send("hello"); }
 *     @Override protected void onText(String text) { System.out.println(text); close(); }
 * }.connect("ws://127.0.0.1:8080/echo");
 * Engine.instance().start();
 * }</pre>
 *
 * <h2>Opening</h2>
 * A server side is made by an HTTP handler: {@link #accept(HttpRequest)} checks the client's
 * handshake, asks {@link #acceptOrigin} and {@link #selectSubprotocol}, and answers {@code 101},
 * after which the connection is this WebSocket's. A client side {@link #connect(String)}s.
 * {@link #onOpen()} follows either way.
 *
 * <h2>Messages</h2>
 * {@link #onText(String)} and {@link #onBinary(byte[])} get whole messages, however the peer cut
 * them into frames; text is checked to be UTF-8 (across the fragments, as they come). Pings are
 * answered with a pong at once ({@link #onPing} tells you); {@link #onPong} gets the answers to
 * {@link #ping}. {@link #send(String)} and {@link #send(byte[])} send a message as one frame;
 * {@link #sendPart(String, boolean)} and {@link #sendPart(byte[], boolean)} send one in fragments.
 * Messages and frames over {@link #maxMessageSize(int)} and {@link #maxFrameSize(int)} (1 MiB
 * by default) close the connection with 1009; a peer that breaks the protocol (an unmasked frame
 * to a server, a fragmented ping, a reserved bit) with 1002, text that is not UTF-8 with 1007.
 *
 * <p>{@link #permessageDeflate(boolean)} compresses messages (RFC 7692) when the peer agrees.
 *
 * <h2>Flow</h2>
 * Sending queues on the connection, as {@link Stream#write} does: {@link #isWritable()} turns false
 * above the connection's high water mark, and {@link #onDrain()} says when to go on. While a
 * callback's sends find the queue full, reading stops until it drains (the stream's automatic
 * pause), so an echo to a client that never reads cannot pile up. {@link #pauseReading()} stops
 * messages altogether.
 *
 * <h2>Closing</h2>
 * {@link #close(int, String)} sends a close frame and waits for the peer's (at most
 * {@link #closeTimeout(Duration)}); a peer's close frame is answered with the same code. Then the
 * server closes the TCP connection, and the client waits for that. {@link #onClose(int, String)}
 * comes once for every WebSocket accepted or connecting, with the code the peer's close frame
 * carried (1005 if it had none), the code of the failure we closed with (1002, 1007, 1009), or
 * 1006 when the connection ended without the peer's close frame (or never opened: after
 * {@link #onConnectError}).
 *
 * <p>When the accepting server shuts down gracefully ({@code HttpServer.shutdown(grace)}), each
 * open server side closes with {@link #GOING_AWAY} (1001) and the reason
 * {@value #SHUTDOWN_REASON}; the shutdown waits for the close handshake to end (a peer that
 * answers gets {@code onClose(1001, ...)} on both sides), and cuts what is left at its deadline
 * or after the {@link #closeTimeout(Duration) close timeout}, whichever comes first.
 *
 * <h2>Keep-alive</h2>
 * When nothing moved on the connection for the {@link #pingInterval(Duration) ping interval} (by
 * default the idle timeout of the accepting {@code HttpServer}, 60 s; off for a client) a ping
 * goes out; when nothing comes back for another interval, the peer is taken to be gone and the
 * connection is closed (1006).
 *
 * <p>Every method belongs to the loop thread; from another thread, hand over with
 * {@code engine.execute(() -> socket.send(...))}.
 *
 * @since 0.1
 */
public abstract class WebSocket {
    /** A close code (RFC 6455 section 7.4.1). */
    public static final int NORMAL_CLOSURE = 1000, GOING_AWAY = 1001, PROTOCOL_ERROR = 1002, UNSUPPORTED_DATA = 1003,
            NO_STATUS_RECEIVED = 1005, ABNORMAL_CLOSURE = 1006, INVALID_PAYLOAD = 1007, POLICY_VIOLATION = 1008,
            MESSAGE_TOO_BIG = 1009, MANDATORY_EXTENSION = 1010, INTERNAL_ERROR = 1011;
    /** The default of {@link #maxMessageSize(int)} and {@link #maxFrameSize(int)}: 1 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 1 << 20, DEFAULT_MAX_FRAME_SIZE = 1 << 20;
    /** The reason of the close frame a server side sends when its server shuts down. */
    public static final String SHUTDOWN_REASON = "server shutting down";
    /** The default of {@link #closeTimeout(Duration)}. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long a client waits for the server's handshake answer. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);

    static final System.Logger LOG = System.getLogger("io.pants.websocket");
    private static final byte[] NO_BYTES = new byte[0];
    /** The longest reason a close frame holds: 125 bytes of payload, two of them the code. */
    private static final int MAX_REASON_BYTES = 123;

    private enum State { NEW, CONNECTING, OPEN, CLOSING, CLOSED }

    private final Engine engine;
    private final Transport transport = new Transport();
    private State state = State.NEW;
    private boolean client;
    private Stream connection;
    private HttpRequest handshake;
    private MessageReader reader;
    private FrameWriter writer;

    // settings
    private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE, maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    /** Null: the connection's idle timeout (a server's), or off (a client's). */
    private Duration pingInterval;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private List<String> subprotocols = List.of();
    private String subprotocol;
    private boolean deflate, deflateContextTakeover = true;
    /** The permessage-deflate agreed on in the handshake, or null. */
    private PerMessageDeflate extension;
    /** A wss: client's TLS; null: the JDK's trusted certificates ({@link Tls#clientContext()}). */
    private TlsConfig tls;
    /** A client's extra handshake fields: name, value, name, value, ... */
    private final List<String> handshakeFields = new ArrayList<>();

    // reading
    private boolean processing, readingPaused, failed;
    private boolean pingOutstanding;

    // sending a message in parts: its opcode, or -1
    private int partsOpcode = -1;

    // closing
    private boolean closeSent, closeReceived;
    private int closeCode = ABNORMAL_CLOSURE;
    private String closeReason = "";
    private Timer closeTimer;

    /**
     * A WebSocket on the engine its connection runs on: an accepting server's, or for a client the
     * engine running the current callback, else the default engine (as {@link Stream#Stream()}).
     */
    protected WebSocket() {
        this.engine = null;
    }

    /** A WebSocket that connects on {@code engine}. */
    protected WebSocket(Engine engine) {
        this.engine = Objects.requireNonNull(engine);
    }

    // ---------------------------------------------------------------- callbacks

    /** The handshake is done: messages may be sent. */
    protected void onOpen() {}

    /** A whole text message. */
    protected void onText(String text) {}

    /** A whole binary message; the array is yours. */
    protected void onBinary(byte[] data) {}

    /** A ping came; it has been answered with a pong already. */
    protected void onPing(byte[] payload) {}

    /** A pong came (an answer to {@link #ping}, or unasked). */
    protected void onPong(byte[] payload) {}

    /** The connection's send queue is down to its low water mark again (see {@link #isWritable()}). */
    protected void onDrain() {}

    /**
     * The connection closed; called once. {@code code} is the peer's close code (1005 if its close
     * frame had none), the one we failed the connection with, or 1006 ({@link #ABNORMAL_CLOSURE})
     * if it ended without a close frame.
     */
    protected void onClose(int code, String reason) {}

    /**
     * A client could not connect: refused, unreachable, timed out, or the server's handshake
     * answer was not a valid {@code 101} ({@link WebSocketHandshakeException}). {@link #onClose}
     * follows with 1006. By default this logs the cause.
     */
    protected void onConnectError(IOException cause) {
        LOG.log(Level.WARNING, "WebSocket connect failed for " + this + ": " + cause.getMessage());
    }

    /**
     * Whether to accept a browser's handshake from the page at {@code origin} (its {@code Origin}
     * field; handshakes without one, from programs rather than pages, don't ask). By default only
     * the server's own site: the origin's host and port must be the {@code Host} the request was
     * sent to, so that a page elsewhere cannot talk to this server with its visitor's cookies.
     * Refused handshakes get a 403.
     */
    protected boolean acceptOrigin(String origin, HttpRequest request) {
        return Handshake.isSameOrigin(origin, request.header("Host"));
    }

    /**
     * The subprotocol to speak, of those the client offers in {@code Sec-WebSocket-Protocol} (in
     * its order), or null for none. By default the first of {@link #subprotocols(String...)} that
     * the client offers.
     */
    protected String selectSubprotocol(List<String> offered) {
        for (String mine : subprotocols) {
            if (offered.contains(mine)) return mine;
        }
        return null;
    }

    // ---------------------------------------------------------------- opening

    /**
     * Takes over the connection of {@code request} if it is a valid WebSocket handshake: answers
     * {@code 101} and returns true ({@link #onOpen()} follows once the 101 is out). Otherwise
     * answers the request itself and returns false: 426 when it is not a WebSocket upgrade or not
     * version 13, 403 when {@link #acceptOrigin} refuses its origin, 400 for a malformed one.
     *
     * <pre>{@code
     * new HttpServer(request -> {
     *     if (request.path().equals("/chat")) new Chat().accept(request);
     *     else request.sendResponse("no such page", 404, "text/plain");
     * });
     * }</pre>
     *
     * @throws IllegalStateException if this WebSocket was accepted or connected before
     */
    public final boolean accept(HttpRequest request) {
        checkNew("accept");
        var headers = request.headers();
        String key = headers.get("Sec-WebSocket-Key");
        String origin = headers.get("Origin");
        if (!request.isUpgradeRequest() || !headers.hasToken("Upgrade", "websocket")) {
            request.sendHeader("Upgrade", "websocket");
            return refuse(request, 426, "a WebSocket handshake asks for 'Connection: Upgrade' and 'Upgrade: websocket'");
        }
        if (!request.method().equals("GET")) return refuse(request, 400, "a WebSocket handshake is a GET request");
        if (!"13".equals(headers.get("Sec-WebSocket-Version"))) {
            request.sendHeader("Sec-WebSocket-Version", "13");
            return refuse(request, 426, "this server speaks WebSocket version 13");
        }
        if (headers.count("Sec-WebSocket-Key") != 1 || !Handshake.isValidKey(key)) {
            return refuse(request, 400, "Sec-WebSocket-Key must be the base64 of 16 bytes, once");
        }
        if (origin != null && !acceptOrigin(origin, request)) return refuse(request, 403, "origin " + origin + " is not allowed here");
        List<String> offered = Handshake.listElements(headers, "Sec-WebSocket-Protocol");
        String chosen = selectSubprotocol(offered);
        if (chosen != null && !offered.contains(chosen)) {
            throw new IllegalStateException("selectSubprotocol chose '" + chosen + "', which the client did not offer: " + offered);
        }
        subprotocol = chosen;
        request.sendHeader("Sec-WebSocket-Accept", Handshake.accept(key));
        if (chosen != null) request.sendHeader("Sec-WebSocket-Protocol", chosen);
        if (deflate) {
            var agreed = PerMessageDeflate.accept(PerMessageDeflate.parse(Handshake.listElements(headers, "Sec-WebSocket-Extensions")),
                    deflateContextTakeover);
            if (agreed != null) {
                request.sendHeader("Sec-WebSocket-Extensions", agreed.answer());
                extension = agreed.extension();
            }
        }
        handshake = request;
        state = State.CONNECTING;
        request.upgrade("websocket", transport);
        return true;
    }

    private static boolean refuse(HttpRequest request, int status, String why) {
        LOG.log(Level.DEBUG, () -> "Refusing the WebSocket handshake " + request + ": " + status + " " + why);
        request.sendResponse(status + " " + why + "\n", status, "text/plain; charset=utf-8");
        return false;
    }

    /**
     * Connects to a {@code ws:} or {@code wss:} URI ({@code ws://host:port/path?query}; port 80
     * by default, 443 for {@code wss:}, which speaks TLS checking the server's certificate and
     * host name, see {@link #tls(TlsConfig)}) and makes the handshake, offering the
     * {@link #subprotocols(String...)} and sending the {@link #handshakeHeader} fields. Returns
     * at once; {@link #onOpen()} or {@link #onConnectError} follows.
     *
     * @throws IllegalArgumentException if the URI is not a {@code ws:} or {@code wss:} URI with a host
     * @throws IllegalStateException    if this WebSocket was accepted or connected before
     */
    public WebSocket connect(String uri) {
        return connect(URI.create(uri));
    }

    /** Connects to a {@code ws:} or {@code wss:} URI; see {@link #connect(String)}. */
    public WebSocket connect(URI uri) {
        checkNew("connect");
        String scheme = uri.getScheme();
        boolean secure = "wss".equalsIgnoreCase(scheme);
        if (!(secure || "ws".equalsIgnoreCase(scheme)) || uri.getHost() == null) {
            throw new IllegalArgumentException("a WebSocket URI is ws://host[:port]/path or wss://..., got '" + uri + "'");
        }
        if (!secure && tls != null) throw new IllegalArgumentException("tls(...) was set, but '" + uri + "' is a ws: URI: use wss:");
        if (uri.getRawFragment() != null) throw new IllegalArgumentException("a WebSocket URI has no fragment: '" + uri + "'");
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = uri.getPort() >= 0 ? uri.getPort() : secure ? 443 : 80;
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String hostField = uri.getPort() >= 0 ? Handshake.withPort(host, port) : (host.indexOf(':') >= 0 ? "[" + host + "]" : host);
        client = true;
        ClientConnection c = engine == null ? new ClientConnection(this) : new ClientConnection(engine, this);
        c.request(target, hostField, Handshake.newKey(), subprotocols, handshakeFields,
                deflate ? PerMessageDeflate.clientOffer(deflateContextTakeover) : null);
        if (secure) c.tls(tls != null ? tls : TlsConfig.of(Tls.clientContext()));
        connection = c;
        state = State.CONNECTING;
        c.idleTimeout(DEFAULT_HANDSHAKE_TIMEOUT);
        c.connect(host, port);
        return this;
    }

    /** The TLS of a {@code wss:} client: trusting the certificates of {@code context}; see {@link #tls(TlsConfig)}. */
    public WebSocket tls(SSLContext context) {
        return tls(TlsConfig.of(context));
    }

    /**
     * The TLS of a {@code wss:} client (by default the JDK's trusted certificates,
     * {@link Tls#clientContext()}, with the host name checked); set before connecting. A server
     * speaks {@code wss:} when its {@code HttpServer} speaks TLS ({@code HttpServer.tls}).
     *
     * <pre>{@code
     * new Chat().tls(Tls.clientContext(Path.of("ca.pem"))).connect("wss://chat.example:8443/room");
     * }</pre>
     */
    public WebSocket tls(TlsConfig config) {
        checkNew("tls");
        this.tls = Objects.requireNonNull(config, "config");
        return this;
    }

    /** A client's extra handshake field ({@code Origin}, {@code Authorization}, a cookie); set before connecting. */
    public WebSocket handshakeHeader(String name, String value) {
        checkNew("handshakeHeader");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == ':') throw new IllegalArgumentException("not a header field name: '" + name + "'");
        }
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) throw new IllegalArgumentException("a header value has no line breaks: '" + value + "'");
        handshakeFields.add(name);
        handshakeFields.add(value);
        return this;
    }

    /**
     * The subprotocols this side speaks, preferred first: a client offers them, a server picks
     * the first the client offers (see {@link #selectSubprotocol}). Set before accepting or connecting.
     */
    public WebSocket subprotocols(String... protocols) {
        checkNew("subprotocols");
        for (String p : protocols) {
            if (p.isEmpty() || !p.chars().allMatch(c -> c > ' ' && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
                throw new IllegalArgumentException("a subprotocol name is a token: '" + p + "'");
            }
        }
        this.subprotocols = List.of(protocols);
        return this;
    }

    /**
     * Compresses messages with permessage-deflate (RFC 7692) when the peer agrees: a client
     * offers it, a server takes a client's offer. Off by default. Messages under 64 bytes go out
     * as they are; a compressed message inflating to more than {@link #maxMessageSize} is 1009
     * however small it came. Set before accepting or connecting.
     *
     * <pre>{@code
     * new Chat().permessageDeflate(true).deflateContextTakeover(false).accept(request);
     * }</pre>
     */
    public WebSocket permessageDeflate(boolean on) {
        checkNew("permessageDeflate");
        this.deflate = on;
        return this;
    }

    /**
     * With permessage-deflate, whether the compression context carries over from one message to
     * the next (true, the default: better compression, 32 KiB more memory each way per connection
     * for the connection's life) or every message starts afresh, both ways (the
     * {@code no_context_takeover} parameters). A peer's request for a fresh start is honoured
     * either way.
     */
    public WebSocket deflateContextTakeover(boolean on) {
        checkNew("deflateContextTakeover");
        this.deflateContextTakeover = on;
        return this;
    }

    /** Whether permessage-deflate was agreed on in the handshake. */
    public boolean isCompressed() { return extension != null; }

    /** The subprotocol agreed on in the handshake, or null. */
    public String subprotocol() { return subprotocol; }

    /** The handshake request, for its path, query, headers and cookies (server side); null on a client. */
    public HttpRequest handshake() { return handshake; }

    // ---------------------------------------------------------------- sending

    /**
     * Sends a text message in one frame.
     *
     * @return true if it was queued; false if the WebSocket is closing or closed (it is dropped)
     * @throws IllegalStateException before {@link #onOpen()}, or in the middle of a message sent in parts
     */
    public boolean send(String text) {
        if (!checkSend("send", false)) return false;
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        writeMessage(MessageReader.TEXT, b, 0, b.length);
        return true;
    }

    private void writeMessage(int opcode, byte[] b, int off, int len) {
        if (extension != null && len >= PerMessageDeflate.MIN_COMPRESSED_SIZE) {
            writer.writeCompressed(connection, opcode, extension.compress(b, off, len));
        } else {
            writer.write(connection, opcode, true, b, off, len);
        }
    }

    /** Sends a binary message in one frame; as {@link #send(String)}. */
    public boolean send(byte[] data) {
        return send(data, 0, data.length);
    }

    /** Sends {@code len} bytes of {@code data} from {@code off} as a binary message; as {@link #send(String)}. */
    public boolean send(byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        if (!checkSend("send", false)) return false;
        writeMessage(MessageReader.BINARY, data, off, len);
        return true;
    }

    /**
     * Sends one fragment of a text message; {@code last} ends the message. Other messages wait
     * until it is ended; pings and pongs may go between the parts.
     *
     * @throws IllegalStateException if a binary message is being sent in parts
     */
    public boolean sendPart(String text, boolean last) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return sendPart(MessageReader.TEXT, b, last);
    }

    /** Sends one fragment of a binary message; as {@link #sendPart(String, boolean)}. */
    public boolean sendPart(byte[] data, boolean last) {
        return sendPart(MessageReader.BINARY, data, last);
    }

    private boolean sendPart(int opcode, byte[] data, boolean last) {
        if (!checkSend("sendPart", true)) return false;
        if (partsOpcode >= 0 && partsOpcode != opcode) {
            throw new IllegalStateException("sendPart(): a " + (partsOpcode == MessageReader.TEXT ? "text" : "binary")
                    + " message is being sent in parts; end it (last = true) before sending another kind");
        }
        writer.write(connection, partsOpcode < 0 ? opcode : MessageReader.CONTINUATION, last, data, 0, data.length);
        partsOpcode = last ? -1 : opcode;
        return true;
    }

    /** Sends a ping with no payload. */
    public boolean ping() { return ping(NO_BYTES); }

    /**
     * Sends a ping; the peer answers with a pong carrying the same payload ({@link #onPong}).
     *
     * @throws IllegalArgumentException if the payload is over 125 bytes
     */
    public boolean ping(byte[] payload) {
        return control(MessageReader.PING, payload, "ping");
    }

    /** Sends a pong nobody asked for (a one-way heartbeat; pings are answered by themselves). */
    public boolean pong(byte[] payload) {
        return control(MessageReader.PONG, payload, "pong");
    }

    private boolean control(int opcode, byte[] payload, String what) {
        if (payload.length > 125) throw new IllegalArgumentException("a " + what + " carries at most 125 bytes, got " + payload.length);
        if (!checkSend(what, true)) return false;
        writer.write(connection, opcode, true, payload, 0, payload.length);
        return true;
    }

    /** Whether a send would go out without piling up: false above the connection's high water mark (wait for {@link #onDrain()}). */
    public boolean isWritable() {
        return state == State.OPEN && connection.isWritable();
    }

    /** Bytes queued and not yet written. */
    public long queuedBytes() { return connection == null ? 0 : connection.queuedBytes(); }

    /** Sets the connection's send-queue water marks (32/64 KiB by default); see {@link Stream#waterMarks}. */
    public WebSocket waterMarks(int low, int high) {
        if (connection == null) throw new IllegalStateException("waterMarks(): set them in onOpen(), once there is a connection");
        connection.waterMarks(low, high);
        return this;
    }

    /** False if the queue is full (wait for onDrain); throws before the open; false after the close began. */
    private boolean checkSend(String what, boolean partsAllowed) {
        checkThread(what);
        if (state == State.NEW || state == State.CONNECTING) {
            throw new IllegalStateException(what + "() on " + this + " before it is open: send in onOpen() or later");
        }
        if (state != State.OPEN || closeSent) return false;
        if (!partsAllowed && partsOpcode >= 0) {
            throw new IllegalStateException(what + "() on " + this + " while a message is being sent in parts: end it with sendPart(..., true) first");
        }
        return true;
    }

    // ---------------------------------------------------------------- reading

    /** Stops handing over messages (and reading from the peer) until {@link #resumeReading()}. */
    public void pauseReading() {
        checkThread("pauseReading");
        readingPaused = true;
        if (connection != null) connection.pauseReading();
    }

    /** Hands over messages again, first those that came meanwhile. */
    public void resumeReading() {
        checkThread("resumeReading");
        if (!readingPaused) return;
        readingPaused = false;
        if (connection != null) connection.resumeReading();
        if (state == State.OPEN || state == State.CLOSING) connection.engine().callback(this::processInput);
    }

    /** The largest message taken, in bytes (1 MiB by default); a larger one closes the connection with 1009. */
    public WebSocket maxMessageSize(int bytes) {
        if (bytes < 0) throw new IllegalArgumentException("a message size limit must not be negative, got " + bytes);
        this.maxMessageSize = bytes;
        if (reader != null) reader.limits(maxFrameSize, maxMessageSize);
        return this;
    }

    public int maxMessageSize() { return maxMessageSize; }

    /** The largest frame taken, in bytes (1 MiB by default); a larger one closes the connection with 1009. */
    public WebSocket maxFrameSize(int bytes) {
        if (bytes < 125) throw new IllegalArgumentException("a frame size limit under 125 bytes would refuse control frames, got " + bytes);
        this.maxFrameSize = bytes;
        if (reader != null) reader.limits(maxFrameSize, maxMessageSize);
        return this;
    }

    public int maxFrameSize() { return maxFrameSize; }

    /**
     * Pings the peer when nothing moved for {@code interval}, and closes the connection when
     * nothing comes back for another one; {@link Duration#ZERO} turns it off (then nothing
     * times out a quiet connection). See the class comment for the default.
     */
    public WebSocket pingInterval(Duration interval) {
        checkThread("pingInterval");
        if (Objects.requireNonNull(interval, "interval").isNegative()) throw new IllegalArgumentException("a ping interval must not be negative: " + interval);
        this.pingInterval = interval;
        if (state == State.OPEN || state == State.CLOSING) connection.idleTimeout(interval);
        return this;
    }

    /** How long {@link #close} waits for the peer's close frame, and a client for the server's TCP close, before cutting the connection (5 s by default). */
    public WebSocket closeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("a close timeout must be positive: " + timeout);
        this.closeTimeout = timeout;
        return this;
    }

    // ---------------------------------------------------------------- closing

    /** Closes normally (1000, no reason). */
    public void close() {
        close(NORMAL_CLOSURE, "");
    }

    /**
     * Starts the close handshake: sends a close frame with {@code code} and {@code reason} and
     * waits for the peer's (see the class comment). Nothing is sent after it. Before the
     * handshake is done, the connection is just cut. Called again, it does nothing.
     *
     * @throws IllegalArgumentException if {@code code} is not one a close frame may carry (1000-1003,
     *                                  1007-1014, 3000-4999), or the reason is over 123 bytes of UTF-8
     */
    public void close(int code, String reason) {
        checkThread("close");
        if (!CloseCodes.isSendable(code)) {
            throw new IllegalArgumentException("close code " + code + " is not one a close frame may carry: 1000-1003, 1007-1014 or 3000-4999");
        }
        byte[] why = reason.getBytes(StandardCharsets.UTF_8);
        if (why.length > MAX_REASON_BYTES) throw new IllegalArgumentException("a close reason is at most 123 bytes of UTF-8, got " + why.length);
        switch (state) {
            case NEW -> state = State.CLOSED;
            case CONNECTING -> {
                closeReason = "closed before the handshake was done";
                connection.abort();
            }
            case OPEN -> {
                // onClose gets the code of the peer's answer; 1006 and this if the connection is cut
                // first (the close timeout, a server shutdown's deadline)
                closeReason = "the connection ended before the peer answered the close frame";
                sendClose(code, why);
                state = State.CLOSING;
                armCloseTimer("the peer sent no close frame within ");
            }
            default -> { }
        }
    }

    /** Cuts the connection at once, without a close handshake; {@link #onClose} gets 1006. */
    public void abort() {
        checkThread("abort");
        if (state == State.NEW) {
            state = State.CLOSED;
            return;
        }
        if (connection != null) {
            closeCode = ABNORMAL_CLOSURE;
            closeReason = "aborted";
            connection.abort();
        }
    }

    /** Whether the handshake is done and no close began. */
    public boolean isOpen() { return state == State.OPEN; }

    /** Whether the connection closed (or is closing). */
    public boolean isClosed() { return state == State.CLOSING || state == State.CLOSED; }

    /** The peer's address, or null before connecting. */
    public SocketAddress remoteAddress() { return connection == null ? null : connection.remoteAddress(); }

    /** The local address, or null before connecting. */
    public SocketAddress localAddress() { return connection == null ? null : connection.localAddress(); }

    /** The engine the connection runs on; null before accepting or connecting. */
    public Engine engine() { return connection != null ? connection.engine() : engine; }

    // ---------------------------------------------------------------- inside

    /** The handshake is done on {@code c}: frames from here on. */
    private void opened(Stream c) {
        connection = c;
        state = State.OPEN;
        reader = new MessageReader(!client, maxFrameSize, maxMessageSize);
        writer = new FrameWriter(client);
        if (extension != null) reader.deflate(extension);
        c.autoPause(true); // a callback's sends that fill the queue stop reading until it drains
        if (pingInterval != null) c.idleTimeout(pingInterval);
        else if (client) c.idleTimeout(Duration.ZERO); // the handshake's timeout is over
        if (readingPaused) c.pauseReading();
        safely("onOpen", this::onOpen);
    }

    /** A client's handshake failed; onClose follows when the connection closes. */
    void connectFailed(IOException cause) {
        if (state != State.CONNECTING) return;
        closeReason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        safely("onConnectError", () -> onConnectError(cause));
    }

    /** A client's handshake succeeded: {@code rest} came right behind the 101. */
    void clientOpened(Stream c, String agreed, PerMessageDeflate deflate, byte[] rest) {
        subprotocol = agreed;
        extension = deflate;
        opened(c);
        if (rest != null && rest.length > 0 && state == State.OPEN) transport.onRead(rest);
    }

    ConnectionProtocol transport() { return transport; }

    private void processInput() {
        if (processing || reader == null) return;
        processing = true;
        try {
            while (!failed && !closeReceived && !readingPaused && (state == State.OPEN || state == State.CLOSING) && reader.next(transport)) {
                // each frame is handed over by next()
            }
        } catch (FrameException e) {
            fail(e.code, e.getMessage());
        } finally {
            processing = false;
        }
    }

    /** The peer broke the protocol: close with {@code code} at once, without waiting for its close frame (RFC 6455 7.1.7). */
    private void fail(int code, String message) {
        LOG.log(Level.DEBUG, () -> "Failing " + this + ": " + code + " " + message);
        failed = true;
        closeCode = code;
        closeReason = message;
        reader.clear();
        if (!closeSent) {
            byte[] why = message.getBytes(StandardCharsets.UTF_8);
            if (why.length > MAX_REASON_BYTES) why = "protocol error".getBytes(StandardCharsets.US_ASCII);
            sendClose(code, why);
        }
        state = State.CLOSING;
        // the close frame, then our end of stream; what the peer still sends is read and dropped
        // until its own end: closing with its bytes unread would make the kernel send a reset,
        // which can destroy the close frame before the peer has read why
        connection.shutdownOutput();
        armCloseTimer("the peer did not end the connection within ");
    }

    private void sendClose(int code, byte[] reason) {
        closeSent = true;
        byte[] payload;
        if (code == NO_STATUS_RECEIVED) {
            payload = NO_BYTES; // the peer's close had no code: neither has the answer
        } else {
            payload = new byte[2 + reason.length];
            payload[0] = (byte) (code >>> 8);
            payload[1] = (byte) code;
            System.arraycopy(reason, 0, payload, 2, reason.length);
        }
        writer.write(connection, MessageReader.CLOSE, true, payload, 0, payload.length);
    }

    private void armCloseTimer(String what) {
        if (closeTimer != null) return;
        Duration d = closeTimeout;
        closeTimer = connection.engine().defer(d, () -> {
            if (state == State.CLOSED) return;
            LOG.log(Level.DEBUG, () -> "Cutting " + this + ": " + what + d.toMillis() + " ms");
            if (!closeReceived && !failed) {
                closeCode = ABNORMAL_CLOSURE;
                closeReason = what + d.toMillis() + " ms";
            }
            connection.abort();
        });
    }

    /** The peer's close frame: answer it (unless it answers ours), then the TCP close. */
    private void closeReceived(byte[] payload) {
        closeReceived = true;
        int code;
        String reason;
        if (payload.length == 0) {
            code = NO_STATUS_RECEIVED;
            reason = "";
        } else if (payload.length == 1) {
            fail(PROTOCOL_ERROR, "a close frame with a one-byte payload");
            return;
        } else {
            code = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
            if (!CloseCodes.isSendable(code)) {
                fail(PROTOCOL_ERROR, "close code " + code + " is not one a peer may send");
                return;
            }
            if (!Utf8Validator.isValid(payload, 2, payload.length - 2)) {
                fail(INVALID_PAYLOAD, "a close reason that is not UTF-8");
                return;
            }
            reason = new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
        closeCode = code;
        closeReason = reason;
        if (!closeSent) sendClose(code, reason.getBytes(StandardCharsets.UTF_8));
        state = State.CLOSING;
        reader.clear();
        if (client) {
            armCloseTimer("the server did not close the connection within "); // it closes TCP first (RFC 6455 7.1.1)
            connection.flush();
        } else {
            connection.close(); // after the close frame
        }
    }

    private void checkNew(String what) {
        if (state != State.NEW) {
            throw new IllegalStateException(what + "() on " + this + ", which was accepted or connected already: make a new WebSocket for each connection");
        }
    }

    private void checkThread(String what) {
        Engine e = engine();
        if (e != null) e.checkLoopThread("WebSocket." + what);
    }

    private void safely(String callback, Runnable r) {
        try {
            r.run();
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError v && !(e instanceof StackOverflowError)) throw v;
            LOG.log(Level.ERROR, "Uncaught exception in " + callback + " of " + this + "; the connection carries on", e);
        }
    }

    @Override
    public String toString() {
        String name = getClass().getSimpleName();
        if (name.isEmpty()) name = getClass().getName();
        return name + "[" + (client ? "-> " : "<- ") + remoteAddress() + ", " + state.name().toLowerCase(java.util.Locale.ROOT) + "]";
    }

    /** The connection's events, and the frames read from it. */
    private final class Transport implements ConnectionProtocol, MessageReader.Listener {
        @Override
        public void onUpgrade(Stream c) { opened(c); }

        @Override
        public void onRead(byte[] data) {
            if (state != State.OPEN && state != State.CLOSING) return;
            if (failed || closeReceived) return; // nothing after a close frame is read
            pingOutstanding = false;
            reader.add(data);
            processInput();
        }

        @Override
        public void onDrain() {
            if (state == State.OPEN) safely("onDrain", WebSocket.this::onDrain);
        }

        @Override
        public void onEndOfInput() {
            // after the close handshake, the end; before it, the peer went away without one (1006)
            if (!closeReceived && !failed) {
                closeCode = ABNORMAL_CLOSURE;
                closeReason = "the connection ended without a close frame";
            }
            connection.close();
        }

        @Override
        public void onTimeout() {
            if (state == State.OPEN && !pingOutstanding) {
                pingOutstanding = true;
                writer.write(connection, MessageReader.PING, true, NO_BYTES, 0, 0);
                return;
            }
            LOG.log(Level.DEBUG, () -> "Closing " + WebSocket.this + ": nothing came back for " + connection.idleTimeout().toMillis() + " ms");
            if (!closeReceived && !failed) {
                closeCode = ABNORMAL_CLOSURE;
                closeReason = "nothing came from the peer for " + connection.idleTimeout().toMillis() + " ms";
            }
            connection.abort();
        }

        @Override
        public void onShutdown() {
            if (state == State.OPEN) WebSocket.this.close(GOING_AWAY, SHUTDOWN_REASON); // closing already: that handshake goes on
        }

        @Override
        public void onClose() {
            if (state == State.CLOSED) return;
            state = State.CLOSED;
            if (closeTimer != null) closeTimer.cancel();
            if (reader != null) reader.clear();
            if (extension != null) extension.end();
            safely("onClose", () -> WebSocket.this.onClose(closeCode, closeReason));
        }

        @Override
        public void text(String text) {
            safely("onText", () -> onText(text));
        }

        @Override
        public void binary(byte[] data) {
            safely("onBinary", () -> onBinary(data));
        }

        @Override
        public void ping(byte[] payload) {
            if (!closeSent) writer.write(connection, MessageReader.PONG, true, payload, 0, payload.length);
            safely("onPing", () -> onPing(payload));
        }

        @Override
        public void pong(byte[] payload) {
            safely("onPong", () -> onPong(payload));
        }

        @Override
        public void close(byte[] payload) {
            closeReceived(payload);
        }
    }
}
