// SPDX-License-Identifier: Apache-2.0
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds the native shim for every platform this machine has a compiler for, into the jar's
 * resources (target/classes/&lt;jna-prefix&gt;/), and says which promised platform it left out.
 * Maven runs it at generate-resources (java/pom.xml) as a single-file program:
 * <pre>
 *   java cmake/BuildShims.java --source=native --build=java/target/native --resources=java/target/classes
 *       [--kqueue-include=DIR] [--prebuilt=DIR] [--promised=linux-x86-64,...] [--strict=true]
 * </pre>
 * Why a Java program rather than exec-maven-plugin calling cmake: the check has to run where
 * cmake and a C compiler are absent, and Java is the one tool every Maven build has, on every
 * OS (a shell step would not run on Windows; a profile's file activation needs a fixed path,
 * while cmake and compilers are wherever PATH says). Without cmake or a C compiler it prints one
 * line and the jar is built without the shim: the epoll backend then binds libc.
 * <p>
 * {@code --prebuilt=DIR} copies shims built elsewhere (DIR/darwin-aarch64/libpants.dylib, ...)
 * into the jar, for a release that adds platforms this machine cannot build. {@code --strict=true}
 * (Maven profile "release") fails when a promised platform is missing, so that what a release jar
 * carries never silently depends on the machine that built it.
 */
public class BuildShims {
    /** A platform this machine can cross-compile for: its cmake toolchain file and its compiler. */
    record Cross(String prefix, String toolchain, String compiler) {}

    private static final List<Cross> CROSS = List.of(
            new Cross("win32-x86-64", "mingw-w64-x86_64.cmake", "x86_64-w64-mingw32-gcc"),
            new Cross("linux-aarch64", "aarch64-linux-gnu.cmake", "aarch64-linux-gnu-gcc"));

    /** The file names JNA looks for, one per OS family. */
    private static final List<String> LIBRARIES = List.of("libpants.so", "pants.dll", "libpants.dylib");

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parse(argv);
        Path source = Path.of(args.get("source")).toAbsolutePath();
        Path build = Path.of(args.get("build"));
        Path resources = Path.of(args.get("resources"));
        Path toolchains = source.resolveSibling("cmake");
        List<String> promised = List.of(args.getOrDefault("promised", "").split(","));
        boolean strict = Boolean.parseBoolean(args.getOrDefault("strict", "false"));
        String prebuilt = args.getOrDefault("prebuilt", "");

        // Each build says afresh what it made: a shim left in target/classes by an earlier build
        // (or copied from a prebuilt folder) would otherwise be reported, and shipped, although
        // this build did not make it.
        if (Files.isDirectory(resources)) {
            try (Stream<Path> platforms = Files.list(resources)) {
                for (Path platform : (Iterable<Path>) platforms.filter(Files::isDirectory)::iterator) {
                    for (String library : LIBRARIES) Files.deleteIfExists(platform.resolve(library));
                }
            }
        }

        Map<String, String> leftOut = new LinkedHashMap<>();
        String cmake = onPath("cmake");
        String host = hostPrefix();
        boolean toolchain = cmake != null && hostCompiler() != null;
        if (!toolchain) {
            System.out.println("pants: no " + (cmake == null ? "cmake" : "C compiler")
                    + " found: building the jar without the native shim (epoll runs through libc, see README)");
        } else {
            List<String> configure = new ArrayList<>(List.of(cmake, "-S", source.toString(), "-B", build.toString(),
                    "-DCMAKE_BUILD_TYPE=Release", "-DPANTS_RESOURCE_DIR=" + resources));
            String kqueue = args.getOrDefault("kqueue-include", "");
            if (!kqueue.isBlank()) configure.add("-DPANTS_KQUEUE_INCLUDE_DIR=" + kqueue);
            run(configure);
            run(List.of(cmake, "--build", build.toString(), "--parallel"));
            for (Cross cross : CROSS) {
                if (cross.prefix().equals(host)) continue;
                if (onPath(cross.compiler()) == null) {
                    leftOut.put(cross.prefix(), "no " + cross.compiler());
                    continue;
                }
                Path dir = Path.of(build + "-" + cross.prefix());
                // A cross compiler without its target's C library (Debian: gcc-aarch64-linux-gnu
                // without libc6-dev-arm64-cross) fails here: a developer build goes on without that
                // platform and says so below; a release build fails, the platform being missing.
                if (!succeeds(List.of(cmake, "-S", source.toString(), "-B", dir.toString(),
                        "-DCMAKE_TOOLCHAIN_FILE=" + toolchains.resolve(cross.toolchain()),
                        "-DCMAKE_BUILD_TYPE=Release", "-DPANTS_RESOURCE_DIR=" + resources))) {
                    leftOut.put(cross.prefix(), cross.compiler() + " cannot build for it: see cmake's error above");
                    continue;
                }
                run(List.of(cmake, "--build", dir.toString(), "--target", "pants", "--parallel"));
            }
        }
        if (!prebuilt.isBlank()) copyPrebuilt(Path.of(prebuilt), resources);

        List<String> missing = new ArrayList<>();
        for (String prefix : promised) {
            if (!prefix.isBlank() && LIBRARIES.stream().noneMatch(l -> Files.isRegularFile(resources.resolve(prefix).resolve(l)))) {
                missing.add(prefix);
            }
        }
        if (missing.isEmpty()) return;
        StringBuilder why = new StringBuilder();
        for (String prefix : missing) {
            if (why.length() > 0) why.append(", ");
            why.append(prefix);
            if (leftOut.containsKey(prefix)) why.append(" (").append(leftOut.get(prefix)).append(')');
            else if (toolchain && !prefix.equals(host)) why.append(" (not built on ").append(host).append(')');
        }
        if (strict) {
            System.err.println("pants: a release jar must carry the shim for " + String.join(", ", promised)
                    + ", but this build has none for " + why + ": install the compilers (see README) or pass"
                    + " -Dpants.prebuilt.shims=DIR with DIR/<platform>/ holding shims built elsewhere");
            System.exit(1);
        }
        if (toolchain) { // without a toolchain, the one line above said it all
            System.out.println("pants: the jar carries no shim for " + why);
        }
    }

    /** Copies DIR/<jna-prefix>/{libpants.so,pants.dll,libpants.dylib} into the resources. */
    private static void copyPrebuilt(Path dir, Path resources) throws IOException {
        if (!Files.isDirectory(dir)) {
            fail("-Dpants.prebuilt.shims=" + dir + " is not a directory: name one holding <platform>/libpants.*, e.g. darwin-aarch64/libpants.dylib");
        }
        int copied = 0;
        try (Stream<Path> platforms = Files.list(dir)) {
            for (Path platform : (Iterable<Path>) platforms.sorted()::iterator) {
                for (String library : LIBRARIES) {
                    Path from = platform.resolve(library);
                    if (!Files.isRegularFile(from)) continue;
                    Path to = resources.resolve(platform.getFileName().toString()).resolve(library);
                    Files.createDirectories(to.getParent());
                    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
                    System.out.println("pants: prebuilt shim " + platform.getFileName() + "/" + library);
                    copied++;
                }
            }
        }
        if (copied == 0) fail("-Dpants.prebuilt.shims=" + dir + " holds no <platform>/libpants.so, pants.dll or libpants.dylib");
    }

    /** The C compiler cmake would pick, roughly: $CC, else cc, gcc, clang (cl on Windows). */
    private static String hostCompiler() {
        String cc = System.getenv("CC");
        if (cc != null && !cc.isBlank()) return cc;
        for (String name : List.of("cc", "gcc", "clang", "cl")) {
            String found = onPath(name);
            if (found != null) return found;
        }
        return null;
    }

    /** JNA's resource prefix for this JVM's platform, for the ones a cross build could also make. */
    private static String hostPrefix() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        String cpu = arch.equals("amd64") || arch.equals("x86_64") ? "x86-64" : arch;
        return (os.startsWith("windows") ? "win32" : os.startsWith("linux") ? "linux" : os) + "-" + cpu;
    }

    /** The program's path if PATH has it (with a PATHEXT extension on Windows), else null. */
    private static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        List<String> extensions = new ArrayList<>(List.of(""));
        String pathext = System.getenv("PATHEXT");
        if (pathext != null) extensions.addAll(List.of(pathext.toLowerCase(Locale.ROOT).split(";")));
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            for (String ext : extensions) {
                File f = new File(dir, name + ext);
                if (f.isFile() && f.canExecute()) return f.getPath();
            }
        }
        return null;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        if (!succeeds(command)) fail(String.join(" ", command) + " failed: see its output above");
    }

    private static boolean succeeds(List<String> command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).inheritIO().start().waitFor() == 0;
    }

    /** --name=value pairs (an empty value stays one argument, which Maven needs: -Dx= passes ""). */
    private static Map<String, String> parse(String[] argv) {
        Map<String, String> args = new LinkedHashMap<>();
        for (String arg : argv) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) fail("expected --name=value, got " + arg);
            args.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        for (String required : List.of("source", "build", "resources")) {
            if (!args.containsKey(required)) fail("--" + required + "=... is missing");
        }
        return args;
    }

    private static void fail(String message) {
        System.err.println("pants: " + message);
        System.exit(1);
    }
}
