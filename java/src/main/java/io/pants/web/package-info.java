// SPDX-License-Identifier: Apache-2.0
/**
 * Web applications on the Pants HTTP server, as in Pants: an {@link io.pants.web.Application}
 * routes paths to handlers, whose results become responses; {@link io.pants.web.FileServer}
 * serves a directory.
 *
 * <pre>{@code
 * var app = new Application();
 * app.route("/", request -> "Hello, World!");
 * app.run(8080);
 * }</pre>
 *
 * Handlers run on the engine's loop thread, like every callback in Pants: they must not block.
 * One that has to wait returns a {@code CompletionStage}, or takes the response over with
 * {@link io.pants.web.Request#startAsync()}.
 *
 * @since 0.1
 */
package io.pants.web;
