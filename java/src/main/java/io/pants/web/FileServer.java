// SPDX-License-Identifier: Apache-2.0
package io.pants.web;

import io.pants.http.HttpException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Serves the files under a directory, mounted at a prefix of an {@link Application}.
 *
 * <pre>{@code
 * app.mount("/static", new FileServer(Path.of("public")));
 * }</pre>
 *
 * <ul>
 *   <li>A file is sent with {@link io.pants.http.HttpRequest#sendFile}: content type from its
 *       name, {@code ETag} and {@code Last-Modified}, 304 to conditional requests, single ranges
 *       (206/416), and {@code sendfile} where the backend has it.</li>
 *   <li>A directory asked for with a trailing slash is answered with its first index file
 *       ({@code index.html} by default), else with an HTML listing of its entries (unless
 *       {@link #listDirectories(boolean) turned off}: 403 then). Asked for without the slash, it
 *       redirects (301) to the path with one, so that relative links work.</li>
 *   <li>A path that does not name a file or directory under the root: 404.</li>
 *   <li>Hidden files and directories (a name starting with a dot: {@code .git}, {@code .env},
 *       {@code .htpasswd}) are not served, listed or used as index files: 404, as if they were not
 *       there, also when a link inside the root leads to one. {@link #serveHiddenFiles(boolean)}
 *       turns them on.</li>
 *   <li>A path that tries to leave the root: <b>403</b>. That is a {@code .} or {@code ..}
 *       segment (also percent-encoded, {@code %2e%2e}, as the path is matched decoded), a
 *       backslash, or a file or directory whose real path (symbolic links followed) lies outside
 *       the root's. A NUL ({@code %00}) never gets here: the HTTP layer answers 400 for it. The
 *       listing leaves out links that lead outside.</li>
 * </ul>
 *
 * Mounted, it serves the rest of the path after the prefix (the {@code path} parameter); on a
 * route without a {@code path} parameter, the whole path.
 *
 * @since 0.1
 */
public final class FileServer implements Handler {
    private final Path root;
    private List<String> indexFiles = List.of("index.html");
    private boolean listDirectories = true;
    private boolean serveHiddenFiles;

    /**
     * Serves the files under {@code root}.
     *
     * @throws IllegalArgumentException if {@code root} is not a directory
     */
    public FileServer(Path root) {
        try {
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot serve " + root + ": " + e, e);
        }
        if (!Files.isDirectory(this.root)) throw new IllegalArgumentException("cannot serve " + root + ": not a directory");
    }

    /** The names of the files to send for a directory, first found first ({@code index.html} by default; none for none). */
    public FileServer indexFiles(String... names) {
        for (String n : names) {
            if (n.isEmpty() || n.contains("/") || n.contains("\\") || n.equals(".") || n.equals("..")) {
                throw new IllegalArgumentException("an index file is a plain file name: '" + n + "'");
            }
        }
        this.indexFiles = List.of(names);
        return this;
    }

    /** Whether a directory without an index file is listed (the default) or refused with 403. */
    public FileServer listDirectories(boolean list) {
        this.listDirectories = list;
        return this;
    }

    /**
     * Whether files and directories whose names start with a dot are served and listed (off by
     * default: they usually hold what a site must not publish, such as {@code .git} or {@code .env}).
     */
    public FileServer serveHiddenFiles(boolean serve) {
        this.serveHiddenFiles = serve;
        return this;
    }

    /** The directory served, as a real path. */
    public Path root() { return root; }

    @Override
    public Object handle(Request request) throws IOException {
        Object param = request.params().get("path");
        String rest = param != null ? param.toString() : request.path();
        boolean directoryWanted = rest.isEmpty() || rest.endsWith("/");

        // the path names a place under the root by its segments alone, or it is refused
        if (rest.indexOf('\\') >= 0 || rest.indexOf('\0') >= 0) throw forbidden(rest);
        Path asked = root;
        for (String segment : rest.split("/")) {
            if (segment.isEmpty()) continue; // "a//b" is "a/b"; a leading "/" must not make the path absolute
            if (segment.equals(".") || segment.equals("..")) throw forbidden(rest);
            if (!serveHiddenFiles && segment.startsWith(".")) throw new HttpException(404);
            asked = asked.resolve(segment);
        }

        Path real = inside(asked, rest);
        if (Files.isDirectory(real)) {
            if (!directoryWanted) return Response.redirect(301, Application.withSlash(request.http()));
            for (String name : indexFiles) {
                Path index = real.resolve(name);
                if (Files.isRegularFile(index)) return inside(index, rest + name);
            }
            if (!listDirectories) throw new HttpException(403, "directory listing is off");
            return new Response(200, DirectoryListing.html(request.path(), real, root, !asked.equals(root), serveHiddenFiles));
        }
        if (directoryWanted || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) throw new HttpException(404);
        return real;
    }

    /** The real path of {@code file}: it must exist and lie under the root. */
    private Path inside(Path file, String asked) throws IOException {
        Path real;
        try {
            real = file.toRealPath();
        } catch (NoSuchFileException e) {
            throw new HttpException(404);
        } catch (AccessDeniedException e) {
            throw new HttpException(403);
        } catch (IOException e) {
            throw new HttpException(404); // ENOTDIR ("file.txt/x"), a link loop: nothing to serve
        }
        if (!real.startsWith(root)) throw forbidden(asked);
        if (!serveHiddenFiles && isHidden(root.relativize(real))) throw new HttpException(404); // a link to a hidden file
        return real;
    }

    /** Whether any name along {@code relative} starts with a dot. */
    static boolean isHidden(Path relative) {
        for (Path name : relative) {
            if (name.toString().startsWith(".")) return true;
        }
        return false;
    }

    private static HttpException forbidden(String path) {
        Application.LOG.log(System.Logger.Level.DEBUG, () -> "FileServer refused a path leaving its root: " + path);
        return new HttpException(403);
    }

    @Override
    public String toString() {
        return "FileServer[" + root + "]";
    }
}
