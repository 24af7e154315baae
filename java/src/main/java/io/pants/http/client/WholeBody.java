// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import io.pants.http.HttpHeaders;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.concurrent.CompletableFuture;

/** Collects a response's body, up to a limit, and completes a future with the whole response. */
final class WholeBody implements ResponseListener {
    final CompletableFuture<ClientResponse> future = new CompletableFuture<>();
    private final URI uri;
    private final long limit;
    Exchange exchange;
    private ClientResponse head;
    private ByteArrayOutputStream body;

    WholeBody(URI uri, long limit) {
        this.uri = uri;
        this.limit = limit;
    }

    @Override
    public void onResponse(ClientResponse head) {
        this.head = head;
        String length = head.header("Content-Length");
        int expected = 256;
        try {
            if (length != null) expected = (int) Math.min(Long.parseLong(length.strip()), 1 << 16);
        } catch (NumberFormatException ignored) {
            // the connection checked it; a list of equal values is fine and just not a hint
        }
        body = new ByteArrayOutputStream(Math.max(expected, 16));
    }

    @Override
    public void onBody(byte[] part) {
        if (body.size() + (long) part.length > limit) {
            exchange.fail(new HttpClientException("the response body from " + uri + " is over the client's maxBodySize of "
                    + limit + " bytes; stream it with send(ResponseListener), or raise the limit"));
            return;
        }
        body.write(part, 0, part.length);
    }

    @Override
    public void onEnd(HttpHeaders trailers) {
        future.complete(head.withBody(body.toByteArray(), trailers));
    }

    @Override
    public void onError(Throwable error) {
        future.completeExceptionally(error);
    }
}
