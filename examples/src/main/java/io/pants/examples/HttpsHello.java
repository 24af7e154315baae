// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.http.HttpServer;

import javax.net.ssl.SSLContext;
import java.util.Map;

/**
 * The hello world of HTTPS: http-hello with {@code tls(context)}. Arguments: PORT [CERT KEY]
 * (PEM files; without them a throwaway self-signed certificate for localhost is made:
 * {@code curl --cacert} the file it prints).
 */
public class HttpsHello {
    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        if (args.length == 2) {
            System.err.println("https-hello: give both CERT and KEY (PEM files), or neither for a self-signed certificate");
            System.exit(2);
        }
        SSLContext tls = ServerCertificate.load(args.length > 2 ? args[1] : null, args.length > 2 ? args[2] : null);
        HttpServer server = new HttpServer(request -> {
            request.sendStatus(200);
            request.sendHeaders(Map.of("Content-Type", "text/plain"));
            request.send("Hello, World!");
            request.finish();
        }).tls(tls).listen(port);
        System.out.println("https-hello server listening on port " + server.port()
                + " (poller: " + Engine.instance().pollerName() + ")");
        Engine.instance().start();
    }
}
