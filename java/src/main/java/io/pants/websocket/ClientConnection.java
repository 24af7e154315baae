// SPDX-License-Identifier: Apache-2.0
package io.pants.websocket;

import io.pants.Engine;
import io.pants.Stream;
import io.pants.http.ConnectionProtocol;
import io.pants.http.HttpException;
import io.pants.http.HttpHeaders;
import io.pants.http.wire.HttpWire;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A client's connection: sends the opening handshake (RFC 6455 section 4.1), checks the
 * server's 101, then passes the bytes and events on to its WebSocket, as the server's HTTP
 * connection does after an upgrade. The answer's head is found and its fields parsed by the HTTP
 * server's own pieces ({@link HttpWire}), as strictly as requests are read.
 */
final class ClientConnection extends Stream {
    /** Limits for the server's handshake answer: generous for a 101, small enough to bound memory. */
    private static final int MAX_LINE = 8 * 1024, MAX_HEAD = 64 * 1024;

    private final WebSocket socket;
    private final HttpWire.HeadFinder finder = HttpWire.get().headFinder("response", MAX_LINE, MAX_HEAD);
    /** The answer's bytes until its head is complete. */
    private byte[] in = new byte[0];
    private int inLength;
    private int status;
    private String statusLine;
    private HttpHeaders headers;
    private byte[] request;
    private String key;
    private List<String> offered;
    /** What we offered in Sec-WebSocket-Extensions, or null; the extension the server agreed to. */
    private String extensionOffer;
    private PerMessageDeflate deflate;
    /** The WebSocket's once the handshake is done; null before. */
    private ConnectionProtocol open;

    ClientConnection(WebSocket socket) {
        this.socket = socket;
    }

    ClientConnection(Engine engine, WebSocket socket) {
        super(engine);
        this.socket = socket;
    }

    /** Prepares the handshake request; {@code fields}: name, value, name, value, ... */
    void request(String target, String hostField, String key, List<String> offered, List<String> fields, String extensionOffer) {
        this.key = key;
        this.offered = offered;
        this.extensionOffer = extensionOffer;
        StringBuilder b = new StringBuilder(256).append("GET ").append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostField).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        if (!offered.isEmpty()) b.append("Sec-WebSocket-Protocol: ").append(String.join(", ", offered)).append("\r\n");
        if (extensionOffer != null) b.append("Sec-WebSocket-Extensions: ").append(extensionOffer).append("\r\n");
        for (int i = 0; i < fields.size(); i += 2) b.append(fields.get(i)).append(": ").append(fields.get(i + 1)).append("\r\n");
        request = b.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void onConnect() {
        write(request);
        request = null;
    }

    @Override
    protected void onRead(byte[] data) {
        if (open != null) {
            open.onRead(data);
            return;
        }
        if (in.length - inLength < data.length) in = Arrays.copyOf(in, Math.max(2 * in.length, inLength + data.length));
        System.arraycopy(data, 0, in, inLength, data.length);
        inLength += data.length;
        int end;
        try {
            end = finder.findEnd(in, 0, inLength);
            if (end < 0) return;
            parseHead(end);
        } catch (HttpException e) {
            fail(new WebSocketHandshakeException(0, "the server's answer to the handshake is not HTTP: " + e.getMessage()));
            return;
        }
        String refusal = check();
        if (refusal != null) {
            fail(new WebSocketHandshakeException(status, refusal));
            return;
        }
        open = socket.transport();
        byte[] rest = end < inLength ? Arrays.copyOfRange(in, end, inLength) : null;
        in = null;
        socket.clientOpened(this, headers.get("Sec-WebSocket-Protocol"), deflate, rest);
    }

    /** The status line (HTTP/1.1 SP status SP reason) and the fields of the complete head {@code in[0, end)}. */
    private void parseHead(int end) {
        int lineEnd = 0;
        while (in[lineEnd] != '\r') lineEnd++; // the finder saw every line end in CRLF
        statusLine = new String(in, 0, lineEnd, StandardCharsets.ISO_8859_1);
        if (lineEnd < 12 || !statusLine.startsWith("HTTP/1.") || statusLine.charAt(8) != ' '
                || !statusLine.substring(9, 12).chars().allMatch(c -> c >= '0' && c <= '9') || (lineEnd > 12 && statusLine.charAt(12) != ' ')) {
            throw new HttpException(502, "malformed status line '" + statusLine.replaceAll("[^ -~]", "?") + "'");
        }
        status = Integer.parseInt(statusLine.substring(9, 12));
        headers = HttpWire.get().parseFields(in, lineEnd + 2, new int[1]);
    }

    /** What is wrong with the server's answer, or null for a valid 101. */
    private String check() {
        HttpHeaders h = headers;
        if (status != 101) return "the server answered the handshake with '" + statusLine + "', not 101";
        if (!h.hasToken("Upgrade", "websocket")) return "the server's 101 has no 'Upgrade: websocket'";
        if (!h.hasToken("Connection", "upgrade")) return "the server's 101 has no 'Connection: Upgrade'";
        String accept = h.get("Sec-WebSocket-Accept");
        if (!Handshake.accept(key).equals(accept)) return "the server's Sec-WebSocket-Accept is " + accept + ", not the answer to our key";
        List<String> extensions = Handshake.listElements(h, "Sec-WebSocket-Extensions");
        if (!extensions.isEmpty()) {
            if (extensionOffer == null) return "the server's 101 names extensions we did not offer: " + extensions;
            try {
                deflate = PerMessageDeflate.fromServerAnswer(PerMessageDeflate.parse(extensions), !extensionOffer.contains("no_context_takeover"));
            } catch (WebSocketHandshakeException e) {
                return e.getMessage();
            }
        }
        List<String> agreed = Handshake.listElements(h, "Sec-WebSocket-Protocol");
        if (agreed.size() > 1 || (agreed.size() == 1 && !offered.contains(agreed.get(0)))) {
            return "the server chose subprotocol " + agreed + ", which we did not offer (" + offered + ")";
        }
        return null;
    }

    private void fail(IOException cause) {
        socket.connectFailed(cause);
        abort();
    }

    @Override
    protected void onConnectError(IOException cause) {
        socket.connectFailed(cause);
    }

    /** A wss: handshake that failed (an untrusted certificate, say) is a connect error; later, the connection just ends (1006). */
    @Override
    protected void onTlsError(javax.net.ssl.SSLException e) {
        if (open == null) socket.connectFailed(e);
        super.onTlsError(e);
    }

    @Override
    protected void onDrain() {
        if (open != null) open.onDrain();
    }

    @Override
    protected void onEndOfInput() {
        if (open != null) open.onEndOfInput();
        else fail(new EOFException("the server closed the connection before answering the handshake"));
    }

    @Override
    protected void onTimeout() {
        if (open != null) open.onTimeout();
        else fail(new SocketTimeoutException("no answer to the handshake within " + idleTimeout().toMillis() + " ms"));
    }

    @Override
    protected void onClose() {
        socket.transport().onClose();
    }
}
