package dev.nana.images;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.Optional;

/**
 * SHA-256 for the image store: the system's libcrypto (OpenSSL 3, whose code uses the CPU's SHA
 * extensions) through FFM where it can be loaded, else the JDK's. nana's JVMs compile with C1 only
 * (bin/nana-jvm-flags: the fastest start and the smallest footprint), and C1 does not use the JDK's
 * SHA intrinsics: its SHA-256 ran at about 100 MB/s, and a pull of a large image was bound by
 * hashing (a JFR profile of a 127 MB pull: nearly every sample in SHA2.implCompress). Every layer
 * is hashed twice, its compressed bytes (jib checks them against the digest) and its tar (the diff
 * id).
 */
public final class Sha256 {
    private static final String ALGORITHM = "SHA-256";

    /** OpenSSL's SHA256_CTX is 112 bytes; a little more is allocated. */
    private static final long CONTEXT_BYTES = 128;

    private record Native(MethodHandle init, MethodHandle update, MethodHandle fin) {}

    private static final Optional<Native> NATIVE = load();

    private Sha256() {}

    @SuppressWarnings("restricted") // downcalls are what this is for, as LibNana's
    private static Optional<Native> load() {
        try {
            SymbolLookup crypto = SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global());
            Linker linker = Linker.nativeLinker();
            // critical: the bytes are hashed where they are, in the Java array, without a copy
            Linker.Option critical = Linker.Option.critical(true);
            MethodHandle init =
                    linker.downcallHandle(
                            crypto.findOrThrow("SHA256_Init"),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                            critical);
            MethodHandle update =
                    linker.downcallHandle(
                            crypto.findOrThrow("SHA256_Update"),
                            FunctionDescriptor.of(
                                    ValueLayout.JAVA_INT,
                                    ValueLayout.ADDRESS,
                                    ValueLayout.ADDRESS,
                                    ValueLayout.JAVA_LONG),
                            critical);
            MethodHandle fin =
                    linker.downcallHandle(
                            crypto.findOrThrow("SHA256_Final"),
                            FunctionDescriptor.of(
                                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                            critical);
            Native n = new Native(init, update, fin);
            // a known answer before it is trusted
            MessageDigest d = new OpenSsl(n);
            byte[] abc = d.digest("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return java.util.HexFormat.of()
                            .formatHex(abc)
                            .equals(
                                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
                    ? Optional.of(n)
                    : Optional.empty();
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty(); // no libcrypto 3 here, or no native access: the JDK's
        }
    }

    /** Whether the native one is used. */
    public static boolean isNative() {
        return NATIVE.isPresent();
    }

    /** A new SHA-256 digest: libcrypto's where it loads, else the JDK's. */
    public static MessageDigest newDigest() {
        if (NATIVE.isPresent()) return new OpenSsl(NATIVE.get());
        try {
            return MessageDigest.getInstance(ALGORITHM);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Makes libcrypto's SHA-256 the process's first choice (MessageDigest.getInstance), so that
     * libraries that hash (jib, checking a blob's digest) use it too; for nana's own processes, not
     * a library's user. Does nothing where it cannot load.
     */
    public static synchronized void preferNative() {
        if (NATIVE.isEmpty() || Security.getProvider(NanaSha256Provider.NAME) != null) return;
        var _ = Security.insertProviderAt(new NanaSha256Provider(), 1);
    }

    /** The provider {@link #preferNative} installs. */
    public static final class NanaSha256Provider extends Provider {
        static final String NAME = "NanaSha256";

        public NanaSha256Provider() {
            super(NAME, "1", "SHA-256 by the system's libcrypto (nana)");
            putService(
                    new Service(
                            this,
                            "MessageDigest",
                            ALGORITHM,
                            Spi.class.getName(),
                            java.util.List.of("SHA256", "2.16.840.1.101.3.4.2.1"),
                            null));
        }
    }

    /** The provider's service: instantiated by name, as JCA does. */
    public static final class Spi extends java.security.MessageDigestSpi {
        /** JCA's constructor. */
        public Spi() {}

        private final OpenSsl digest = new OpenSsl(NATIVE.orElseThrow());

        @Override
        protected void engineUpdate(byte input) {
            digest.engineUpdate(input);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            digest.engineUpdate(input, offset, len);
        }

        @Override
        protected byte[] engineDigest() {
            return digest.engineDigest();
        }

        @Override
        protected void engineReset() {
            digest.engineReset();
        }

        @Override
        protected int engineGetDigestLength() {
            return 32;
        }
    }

    /** One running digest: its SHA256_CTX in native memory the GC frees. */
    private static final class OpenSsl extends MessageDigest {
        private final Native fns;
        private final MemorySegment context = Arena.ofAuto().allocate(CONTEXT_BYTES, 16);
        private final byte[] one = new byte[1];

        OpenSsl(Native fns) {
            super(ALGORITHM);
            this.fns = fns;
            engineReset();
        }

        @Override
        protected void engineUpdate(byte input) {
            one[0] = input;
            engineUpdate(one, 0, 1);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            if (len == 0) return;
            try {
                int ok =
                        (int)
                                fns.update.invokeExact(
                                        context,
                                        MemorySegment.ofArray(input).asSlice(offset, len),
                                        (long) len);
                if (ok != 1) throw new IllegalStateException("SHA256_Update failed");
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        protected byte[] engineDigest() {
            byte[] out = new byte[32];
            try {
                int ok = (int) fns.fin.invokeExact(MemorySegment.ofArray(out), context);
                if (ok != 1) throw new IllegalStateException("SHA256_Final failed");
            } catch (Throwable t) {
                throw rethrow(t);
            }
            engineReset();
            return out;
        }

        @Override
        protected void engineReset() {
            try {
                int ok = (int) fns.init.invokeExact(context);
                if (ok != 1) throw new IllegalStateException("SHA256_Init failed");
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        protected int engineGetDigestLength() {
            return 32;
        }

        private static RuntimeException rethrow(Throwable t) {
            if (t instanceof RuntimeException r) return r;
            if (t instanceof Error e) throw e;
            return new IllegalStateException(t);
        }
    }
}
