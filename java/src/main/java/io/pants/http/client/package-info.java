// SPDX-License-Identifier: Apache-2.0
/**
 * An HTTP/1.1 client on the Pants engine: {@link io.pants.http.client.HttpClient} sends
 * {@link io.pants.http.client.ClientRequest}s over pooled keep-alive connections, without
 * blocking, and completes each with a {@link io.pants.http.client.ClientResponse} on the loop thread.
 *
 * <pre>{@code
 * HttpClient client = HttpClient.create();
 * client.get("http://127.0.0.1:8080/notes?limit=5")
 *       .thenAccept(r -> System.out.println(r.status() + " " + r.bodyText()))
 *       .whenComplete((r, e) -> Engine.instance().stop());
 * Engine.instance().start();
 * }</pre>
 *
 * Large bodies stream both ways: a {@link io.pants.http.client.BodySource} writes a request body
 * as the connection takes it, and a {@link io.pants.http.client.ResponseListener} gets the
 * response's in parts, with {@link io.pants.http.client.ClientExchange#pauseBody()} to hold them
 * back. Failures are {@link io.pants.http.client.HttpClientException}s that say what went wrong,
 * and with which server.
 *
 * @since 0.1
 */
package io.pants.http.client;
