// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import io.pants.Engine;
import io.pants.http.client.HttpClient;

import java.util.Map;

/** Fetches a URL with the HTTP client and prints the status line, the headers and the body. Arguments: URL. */
public class HttpGet {
    public static void main(String[] args) {
        HttpClient client = HttpClient.create();
        boolean[] failed = {false};
        client.get(args[0]).whenComplete((response, error) -> {
            if (error != null) {
                System.err.println("http-get: " + error.getMessage());
                failed[0] = true;
            } else {
                System.out.println(response.version() + " " + response.status() + " " + response.reason());
                for (Map.Entry<String, String> field : response.headers()) {
                    System.out.println(field.getKey() + ": " + field.getValue());
                }
                System.out.println();
                System.out.println(response.bodyText());
            }
            client.close();
            Engine.instance().stop();
        });
        Engine.instance().start();
        System.exit(failed[0] ? 1 : 0);
    }
}
