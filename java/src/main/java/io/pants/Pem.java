// SPDX-License-Identifier: Apache-2.0
package io.pants;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files as openssl and Let's Encrypt write them: certificate chains, and private keys
 * in PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) and SEC1
 * ({@code BEGIN EC PRIVATE KEY}). The JDK's key factories take PKCS#8 only, so the two
 * "traditional" forms are wrapped into a PKCS#8 structure first; that needs a few bytes of DER,
 * written and read here rather than pulling in a library.
 */
final class Pem {
    private Pem() {}

    /** One {@code -----BEGIN type-----} block: its type and decoded contents. */
    record Block(String type, byte[] der) {}

    static List<Block> read(Path file) throws IOException {
        List<Block> blocks = new ArrayList<>();
        String type = null;
        StringBuilder body = new StringBuilder();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            lineNumber++;
            line = line.strip();
            if (type == null) {
                if (line.startsWith("-----BEGIN ") && line.endsWith("-----")) {
                    type = line.substring(11, line.length() - 5);
                    body.setLength(0);
                }
            } else if (line.equals("-----END " + type + "-----")) {
                try {
                    blocks.add(new Block(type, Base64.getMimeDecoder().decode(body.toString())));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ": the " + type + " block ending on line " + lineNumber + " is not valid base64", e);
                }
                type = null;
            } else if (!line.contains(":")) { // "Proc-Type: ..." headers of old encrypted keys are not base64
                body.append(line);
            }
        }
        if (type != null) throw new IOException(file + ": the " + type + " block has no END line");
        return blocks;
    }

    static List<X509Certificate> certificates(Path file) throws IOException {
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("this JDK has no X.509 certificate factory", e);
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Block b : read(file)) {
            if (!b.type().equals("CERTIFICATE")) continue;
            try {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
            } catch (CertificateException e) {
                throw new IOException(file + ": certificate " + (chain.size() + 1) + " can't be read: " + e.getMessage(), e);
            }
        }
        if (chain.isEmpty()) throw new IOException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return chain;
    }

    static PrivateKey privateKey(Path file) throws IOException {
        for (Block b : read(file)) {
            switch (b.type()) {
                case "PRIVATE KEY" -> { return pkcs8(file, b.der()); }
                case "RSA PRIVATE KEY" -> { return pkcs8(file, wrapPkcs1(b.der())); }
                case "EC PRIVATE KEY" -> { return pkcs8(file, wrapSec1(file, b.der())); }
                case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file + " holds an encrypted key; decrypt it first"
                        + " (openssl pkey -in " + file.getFileName() + " -out key.pem), or use a PKCS#12 key store with its password");
                default -> { } // "EC PARAMETERS" before an openssl EC key, certificates in a combined file
            }
        }
        throw new IOException(file + " holds no PEM private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static PrivateKey pkcs8(Path file, byte[] der) throws IOException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new IOException(file + ": the private key is neither RSA, EC nor EdDSA, or it is damaged");
    }

    // ---------------------------------------------------------------- the DER needed for PKCS#8

    private static final byte SEQUENCE = 0x30, INTEGER = 0x02, OCTET_STRING = 0x04, NULL = 0x05, OID = 0x06;
    /** 1.2.840.113549.1.1.1 and 1.2.840.10045.2.1, encoded. */
    private static final byte[] RSA_ENCRYPTION = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    private static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    /** PrivateKeyInfo { version 0, AlgorithmIdentifier { rsaEncryption, NULL }, OCTET STRING { RSAPrivateKey } }. */
    static byte[] wrapPkcs1(byte[] rsaPrivateKey) {
        byte[] algorithm = tlv(SEQUENCE, concat(tlv(OID, RSA_ENCRYPTION), tlv(NULL, new byte[0])));
        return tlv(SEQUENCE, concat(tlv(INTEGER, new byte[] {0}), algorithm, tlv(OCTET_STRING, rsaPrivateKey)));
    }

    /**
     * PrivateKeyInfo { version 0, AlgorithmIdentifier { ecPublicKey, curve }, OCTET STRING { ECPrivateKey } },
     * the curve taken from the ECPrivateKey's {@code [0] parameters} (RFC 5915), where openssl puts it.
     */
    static byte[] wrapSec1(Path file, byte[] ecPrivateKey) throws IOException {
        byte[] curve = null;
        Reader outer = new Reader(ecPrivateKey, 0, ecPrivateKey.length);
        Reader fields = outer.enter(SEQUENCE);
        while (fields.hasMore()) {
            int tag = fields.peekTag();
            if (tag == 0xa0) { // [0] EXPLICIT ECParameters: a named curve's OID
                curve = fields.enter(0xa0).element(OID);
                break;
            }
            fields.skip();
        }
        if (curve == null) throw new IOException(file + ": the EC key names no curve; write it with openssl ec -param_enc named_curve");
        byte[] algorithm = tlv(SEQUENCE, concat(tlv(OID, EC_PUBLIC_KEY), tlv(OID, curve)));
        return tlv(SEQUENCE, concat(tlv(INTEGER, new byte[] {0}), algorithm, tlv(OCTET_STRING, ecPrivateKey)));
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) out.write(n >>> (8 * i));
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** Reads DER elements (tag, length, value) from a range of an array. */
    private static final class Reader {
        private final byte[] der;
        private int pos;
        private final int end;

        Reader(byte[] der, int pos, int end) {
            this.der = der;
            this.pos = pos;
            this.end = end;
        }

        boolean hasMore() { return pos < end; }

        int peekTag() throws IOException {
            if (pos >= end) throw new IOException("DER: unexpected end");
            return der[pos] & 0xff;
        }

        /** The contents of the next element, which must have {@code tag}, as a reader. */
        Reader enter(int tag) throws IOException {
            int[] range = next(tag);
            return new Reader(der, range[0], range[1]);
        }

        byte[] element(int tag) throws IOException {
            int[] range = next(tag);
            return java.util.Arrays.copyOfRange(der, range[0], range[1]);
        }

        void skip() throws IOException { next(peekTag()); }

        private int[] next(int tag) throws IOException {
            if (peekTag() != tag) throw new IOException("DER: expected tag " + tag + ", found " + peekTag());
            pos++;
            if (pos >= end) throw new IOException("DER: unexpected end");
            int length = der[pos++] & 0xff;
            if (length >= 0x80) {
                int bytes = length & 0x7f;
                if (bytes == 0 || bytes > 4) throw new IOException("DER: unsupported length");
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    if (pos >= end) throw new IOException("DER: unexpected end");
                    length = (length << 8) | (der[pos++] & 0xff);
                }
            }
            if (length < 0 || pos + length > end) throw new IOException("DER: an element runs past its end");
            int[] range = {pos, pos + length};
            pos += length;
            return range;
        }
    }
}
