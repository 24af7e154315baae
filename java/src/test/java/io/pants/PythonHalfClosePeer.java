// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TLS client in Python (OpenSSL, through memory BIOs, so that it decides what goes into each
 * send) for half-close tests on one TLS version. OpenSSL goes on writing after the peer's
 * close_notify, and goes on reading after its own, on TLS 1.2 as on 1.3, as the JDK does not.
 */
final class PythonHalfClosePeer {
    private PythonHalfClosePeer() {}

    private static final String SCRIPT = String.join("\n",
            "import socket, ssl, sys",
            "cafile, port, version, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]",
            "ctx = ssl.create_default_context(cafile=cafile)",
            "ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2 if version == 'TLSv1.2' else ssl.TLSVersion.TLSv1_3",
            "raw = socket.create_connection(('127.0.0.1', port), timeout=20)",
            "inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()",
            "tls = ctx.wrap_bio(inc, out, server_hostname='localhost')",
            "def send():",
            "    d = out.read()",
            "    if d: raw.sendall(d)",
            "def fill():",
            "    d = raw.recv(65536)",
            "    if d: inc.write(d)",
            "    else: inc.write_eof()",
            "while True:",
            "    try:",
            "        tls.do_handshake()",
            "        break",
            "    except ssl.SSLWantReadError:",
            "        send()",
            "        fill()",
            "send()",
            "def read_all():", // to the server's end: its close_notify, or a truncation
            "    got = b''",
            "    while True:",
            "        try:",
            "            b = tls.read(65536)",
            "            if not b: return got + b'|close_notify'",
            "            got += b",
            "        except ssl.SSLWantReadError:",
            "            fill()",
            "        except ssl.SSLZeroReturnError:",
            "            return got + b'|close_notify'",
            "        except ssl.SSLEOFError:",
            "            return got + b'|truncated'",
            "def close_notify():",
            "    try:",
            "        tls.unwrap()",
            "    except ssl.SSLWantReadError:",
            "        pass",
            "if mode == 'after-yours':", // the server half-closes first: read all it says, then speak, and end
            "    heard = read_all()",
            "    tls.write(b'still listening?')",
            "    close_notify()",
            "    send()",
            "    raw.shutdown(socket.SHUT_WR)",
            "    while raw.recv(65536): pass",
            "    print(heard.decode() + '|closed', end='')",
            "else:", // 'first': the question, close_notify and the FIN at once; then read the answer
            "    tls.write(b'question')",
            "    close_notify()",
            "    raw.sendall(out.read())",
            "    raw.shutdown(socket.SHUT_WR)",
            "    print(read_all().decode(), end='')",
            "");

    /**
     * Runs the client against 127.0.0.1:{@code port} and returns what it printed: in mode
     * {@code after-yours}, what the server said, how it ended ({@code |close_notify} or
     * {@code |truncated}) and {@code |closed}, after sending more and its own end; in mode
     * {@code first}, the answer to its question and how it ended.
     */
    static String run(int port, String protocol, String mode) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", SCRIPT, TlsFixtures.localhost().cert().toString(), String.valueOf(port), protocol, mode)
                .redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS), "python did not end: " + out);
            assertEquals(0, p.exitValue(), "python failed: " + out);
            return out;
        } finally {
            p.destroy();
        }
    }
}
