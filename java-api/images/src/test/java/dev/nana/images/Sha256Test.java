package dev.nana.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** libcrypto's SHA-256 gives the JDK's answers, however the bytes come, and stands in for it. */
class Sha256Test {
    @Test
    void itIsNativeHereAndAgreesWithTheJdkOnPiecesOfEverySize() throws Exception {
        assertTrue(Sha256.isNative(), "Debian 12 has libcrypto.so.3 (libssl3)");
        Random r = new Random(3);
        for (int size : new int[] {0, 1, 55, 56, 63, 64, 65, 1000, 1 << 16, (1 << 20) + 7}) {
            byte[] data = new byte[size];
            r.nextBytes(data);
            MessageDigest jdk = MessageDigest.getInstance("SHA-256", "SUN");
            MessageDigest mine = Sha256.newDigest();
            // in uneven pieces, a single byte among them, from offsets inside the array
            int at = 0;
            while (at < size) {
                int n = Math.min(size - at, 1 + r.nextInt(5000));
                if (n == 1) mine.update(data[at]);
                else mine.update(data, at, n);
                at += n;
            }
            jdk.update(data);
            assertArrayEquals(jdk.digest(), mine.digest(), "size " + size);
            // after digest, a digest starts anew
            assertArrayEquals(MessageDigest.getInstance("SHA-256", "SUN").digest(), mine.digest());
        }
    }

    @Test
    void preferredItServesMessageDigestGetInstance() throws Exception {
        Sha256.preferNative();
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        assertEquals("NanaSha256", d.getProvider().getName());
        assertEquals(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                java.util.HexFormat.of()
                        .formatHex(
                                d.digest(
                                        "abc"
                                                .getBytes(
                                                        java.nio.charset.StandardCharsets
                                                                .US_ASCII))));
    }
}
