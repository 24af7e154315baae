// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.Server;
import io.pants.Stream;

import java.nio.charset.StandardCharsets;

/**
 * The fake HTTP server from the Python Pants talk's benchmark: it answers every request, whatever
 * it asks for, with the same prefabricated response, on a kept-alive connection. Point an HTTP
 * load generator at it (wrk, ab) to measure the I/O path alone. Arguments: PORT [BIND_ADDRESS].
 */
public class FakeHttpServer {
    /** Built once: answering costs one write and no formatting. */
    static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\n"
            + "Content-Type: text/plain\r\n"
            + "Content-Length: 13\r\n"
            + "\r\n"
            + "Hello, World!").getBytes(StandardCharsets.US_ASCII);

    static class FakeHttp extends Stream {
        // a request ends with a blank line; a GET has no body, so each piece is one request
        @Override protected void onConnect() { readDelimiter("\r\n\r\n"); }
        @Override protected void onRead(byte[] request) { write(RESPONSE); }
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Server server = args.length > 1 ? new Server(FakeHttp::new).listen(args[1], port)
                                        : new Server(FakeHttp::new).listen(port);
        System.out.println("fake-http server listening on port " + server.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start();
    }
}
