package dev.nana.supervisor.os;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and loads libnana.so, once. A failure is remembered and reported at every use with the
 * exact fix, instead of failing class initialisation somewhere unrelated.
 *
 * <p>Where it looks: {@link NativeParts} (the system property {@code nana.library}, else a built
 * checkout's, else the one in the nana-native jar), then each directory of {@code
 * java.library.path}.
 */
public final class NativeLibrary {
    private static final Object LOCK = new Object();
    private static SymbolLookup lookup;

    /** Why libnana cannot be loaded, once found; each call gets its own exception saying it. */
    private static String failure;

    private NativeLibrary() {}

    /** The symbols of libnana, or the remembered reason why they cannot be had. */
    public static SymbolLookup lookup() {
        synchronized (LOCK) {
            if (lookup == null && failure == null) {
                try {
                    lookup = load();
                } catch (NativeUnavailableException e) {
                    failure = e.getMessage();
                }
            }
            if (failure != null) throw new NativeUnavailableException(failure);
            return lookup;
        }
    }

    /** The file nana would load, or null when none is found. */
    public static Path locate() {
        for (Path candidate : candidates()) {
            if (Files.isRegularFile(candidate)) return candidate;
        }
        return null;
    }

    private static List<Path> candidates() {
        List<Path> out = new ArrayList<>(NativeParts.libraryCandidates());
        for (String dir : System.getProperty("java.library.path", "").split(":", -1)) {
            if (!dir.isBlank()) out.add(Path.of(dir, "libnana.so"));
        }
        return out;
    }

    @SuppressWarnings(
            "restricted") // loading libnana is the point; the JVM runs with --enable-native-access
    private static SymbolLookup load() {
        Module module = NativeLibrary.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            String who = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            throw new NativeUnavailableException(
                    "native access is not enabled for nana: run java with --enable-native-access="
                            + who
                            + " (bin/nana does), or put Enable-Native-Access: ALL-UNNAMED in the"
                            + " manifest of the application's jar");
        }
        Path file = locate();
        if (file == null) {
            throw new NativeUnavailableException(
                    "libnana.so not found in "
                            + candidates()
                            + ": add the dependency dev.nana:nana-native (classifier "
                            + NativeParts.PLATFORM
                            + "), or point -Dnana.library=/path/to/libnana.so at one (scripts/build"
                            + " builds it)");
        }
        SymbolLookup symbols;
        try {
            symbols = SymbolLookup.libraryLookup(file, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new NativeUnavailableException(
                    "cannot load "
                            + file
                            + ": "
                            + e.getMessage()
                            + "; rebuild it with scripts/build");
        }
        return symbols;
    }
}
