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
        SSLContext tls = ServerCertificate.fromArguments("https-hello", args);
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
