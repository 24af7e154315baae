// SPDX-License-Identifier: Apache-2.0
package io.pants.httpserver;

import io.pants.BackendTest;
import io.pants.LoopThread;
import io.pants.http.JdkClient;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request bodies on Pants' provider stream to the handler as they do on the JDK's server: no
 * size limit, bounded memory; one the handler doesn't read is dropped and the connection goes on.
 */
@JdkClient.Uses
class JdkRequestBodyTest {
    static byte[] data(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 7 + (i >>> 11));
        return b;
    }

    static String summary(byte[] body) {
        CRC32 crc = new CRC32();
        crc.update(body);
        return body.length + " " + Long.toHexString(crc.getValue());
    }

    @BackendTest
    void aBodyOverTheHttpServersLimitStreamsToTheHandler(String backend) throws Exception {
        byte[] upload = data(24 << 20); // the HTTP server's whole-body limit is 10 MB
        try (RunningApplication s = RunningApplication.start(backend)) {
            HttpResponse<String> r = JdkApplicationTest.send(JdkApplicationTest.request(s.uri("/sum"))
                    .POST(BodyPublishers.ofByteArray(upload)).build());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(summary(upload), r.body());
            // a small one, whole before the handler runs, as before
            HttpResponse<String> small = JdkApplicationTest.send(JdkApplicationTest.request(s.uri("/echo"))
                    .POST(BodyPublishers.ofString("hello")).build());
            assertEquals("hello", small.body());
        }
    }

    @BackendTest
    void aBodyTheHandlerDoesNotReadIsDroppedAndTheConnectionCarriesOn(String backend) throws Exception {
        byte[] upload = data(12 << 20); // over the limit: the handler runs while it still comes
        try (RunningApplication s = RunningApplication.start(backend);
             Socket c = new Socket(InetAddress.getLoopbackAddress(), s.port())) {
            c.setSoTimeout((int) LoopThread.WAIT.toMillis());
            OutputStream out = c.getOutputStream();
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    out.write(("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: " + upload.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(upload);
                    out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            InputStream in = c.getInputStream();
            String first = readResponse(in);
            assertTrue(first.startsWith("HTTP/1.1 200 ") && first.endsWith("ignored"), first);
            String second = readResponse(in);
            assertTrue(second.startsWith("HTTP/1.1 200 ") && second.endsWith(JdkApiApplication.HELLO), "the next request on the connection: " + second);
            sending.get(LoopThread.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** One response with a Content-Length body, as text. */
    static String readResponse(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) break;
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int at = h.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
        assertTrue(at >= 0, "no Content-Length in " + h);
        int length = Integer.parseInt(h.substring(at + 15, h.indexOf('\r', at)).trim());
        return h + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }
}
