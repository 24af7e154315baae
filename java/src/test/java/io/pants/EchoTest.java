package io.pants;

import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

@ExtendWith(NoDescriptorLeaks.class)
class EchoTest {
    static class Echo extends Stream {
        @Override
        protected void onRead(byte[] data) { write(data); }
    }

    @BackendTest
    void echoesOneClient(String backend) throws Exception {
        try (LoopThread loop = new LoopThread(backend)) {
            int port = loop.call(() -> new Server(loop.engine, Echo::new).listen("127.0.0.1", 0).port());
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                c.setSoTimeout(10_000);
                c.getOutputStream().write("hello, pants".getBytes(StandardCharsets.UTF_8));
                byte[] back = new byte[12];
                new DataInputStream(c.getInputStream()).readFully(back);
                assertEquals("hello, pants", new String(back, StandardCharsets.UTF_8));
            }
        }
    }
}
