// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.Server;
import io.pants.Stream;

import javax.net.ssl.SSLContext;

/**
 * The echo server over TLS: the same Echo stream as the plain one, and one more call,
 * {@code tls(context)}. Arguments: PORT [CERT KEY] (PEM files: a certificate chain and its key;
 * without them a throwaway self-signed certificate for localhost is made and its fingerprint printed).
 */
public class TlsEcho {
    static class Echo extends Stream {
        @Override protected void onRead(byte[] data) { write(data); } // plaintext in, plaintext out
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        SSLContext tls = ServerCertificate.fromArguments("tls-echo", args);
        Server server = new Server(Echo::new).tls(tls).listen(port);
        System.out.println("tls-echo server listening on port " + server.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start();
    }
}
