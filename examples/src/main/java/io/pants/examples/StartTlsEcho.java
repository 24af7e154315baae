// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.Server;
import io.pants.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;

/**
 * A line echo that upgrades to TLS on request, as SMTP, IMAP and XMPP do: every line comes back;
 * the line {@code STARTTLS} is answered with {@code OK} in plain text, and from then on the
 * connection is TLS (onRead and write stay the same: plaintext). Arguments: PORT [CERT KEY]
 * (PEM files; without them a throwaway self-signed certificate for localhost is made).
 *
 * <pre>
 * openssl s_client -connect localhost:4043 -starttls smtp    # not SMTP, but openssl's client copes
 * </pre>
 */
public class StartTlsEcho {
    static SSLContext tls;

    static class LineEcho extends Stream {
        @Override protected void onConnect() {
            readDelimiter("\n");
            write("220 starttls-echo: lines come back; STARTTLS upgrades\r\n"); // an SMTP-like greeting
        }

        @Override protected void onRead(byte[] data) {
            String line = new String(data).strip();
            if (line.equalsIgnoreCase("STARTTLS") && !isSecure()) {
                write("220 OK\r\n"); // goes out in plain text: it was queued before the upgrade
                startTls(tls);
            } else if (line.toUpperCase().startsWith("EHLO")) {
                write("250-starttls-echo\r\n250 STARTTLS\r\n");
            } else {
                write(line + "\r\n");
            }
        }

        @Override protected void onTlsHandshake(SSLSession session) {
            System.out.println("upgraded " + remoteAddress() + " to " + session.getProtocol());
        }
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        tls = ServerCertificate.fromArguments("starttls-echo", args);
        Server server = new Server(LineEcho::new).listen(port);
        System.out.println("starttls-echo server listening on port " + server.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start();
    }
}
