// SPDX-License-Identifier: Apache-2.0
package io.pants.http.client;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The rules for following a redirect (RFC 9110 15.4): which answers are followed, to where,
 * and with which method and body.
 */
final class Redirects {
    private Redirects() {}

    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /**
     * Where a {@code status} answer with {@code location} to a request for {@code from} leads, or
     * null when it is not followed (and is the response): not a redirect, no usable Location, from
     * https to http unless {@code toHttp}, or a 307/308 that would have to send a streamed body again.
     */
    static URI target(URI from, int status, String location, boolean streamedBody, boolean toHttp) {
        if (!isRedirect(status) || location == null) return null;
        URI target;
        try {
            target = from.resolve(new URI(location.strip()));
            ClientRequest.checkUri(target);
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null; // a Location we can't follow: the 3xx is the answer
        }
        if (Route.scheme(from).equals("https") && Route.scheme(target).equals("http") && !toHttp) return null;
        if ((status == 307 || status == 308) && streamedBody) return null;
        return target;
    }

    /**
     * Whether the redirected request becomes a GET without a body: after a 303 (a HEAD stays a
     * HEAD), and a POST after a 301 or 302, as every client does (RFC 9110 15.4.2, 15.4.3). 307 and
     * 308 keep method and body.
     */
    static boolean becomesGet(int status, String method) {
        return (status == 303 && !method.equals("HEAD")) || ((status == 301 || status == 302) && method.equals("POST"));
    }

    static boolean sameOrigin(URI a, URI b) {
        return Route.scheme(a).equals(Route.scheme(b)) && a.getHost().equalsIgnoreCase(b.getHost()) && Route.port(a) == Route.port(b);
    }
}
