// SPDX-License-Identifier: Apache-2.0
package io.pants.examples;

import com.sun.jna.Native;
import io.pants.Engine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library on the module path, as the module {@code io.pants} (module-info.java) with JNA as
 * the automatic module {@code com.sun.jna}: the echo example, itself on the class path, runs on
 * every backend. Catches a descriptor that does not export what the examples use, a backend that
 * reflects into a package the module keeps closed, or a shim JNA cannot find inside a module.
 */
class ModulePathIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource(ExampleProcess.BACKENDS)
    void echoRunsWithTheLibraryAsANamedModule(String backend) throws Exception {
        String modulePath = location(Engine.class) + java.io.File.pathSeparator + location(Native.class);
        List<String> java = new ArrayList<>(List.of(
                "-Dpants.poller=" + backend,
                "--module-path", modulePath,
                "--add-modules", "io.pants",
                "--show-module-resolution", // prints "root io.pants <location>" first if it is resolved as a module
                "-cp", location(EchoServer.class),
                Main.class.getName(), "echo", "0", "127.0.0.1"));
        try (ExampleProcess echo = ExampleProcess.startJava(java)) {
            boolean resolvedAsModule = false;
            String line;
            while (!(line = echo.nextLine("the module resolution, then the 'echo server listening' line")).startsWith("echo server")) {
                if (line.startsWith("root io.pants ")) resolvedAsModule = true;
            }
            assertTrue(resolvedAsModule, "the JVM did not resolve io.pants as a root module from " + modulePath);
            assertTrue(line.endsWith("(poller: " + backend + ")"), "the example runs on another poller than asked for: " + line);
            int port = Integer.parseInt(line.replaceAll(".* port (\\d+) .*", "$1"));
            try (Socket client = EchoServerIT.connect(port)) {
                byte[] hello = "hello from the module path\n".getBytes(StandardCharsets.UTF_8);
                client.getOutputStream().write(hello);
                assertArrayEquals(hello, EchoServerIT.readExactly(client, hello.length));
            }
        }
    }

    /** The jar or classes folder a class was loaded from. */
    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
