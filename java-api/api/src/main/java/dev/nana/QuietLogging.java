package dev.nana;

/**
 * nana logs through SLF4J. A program with no SLF4J provider (no logback, no slf4j-simple) would get
 * SLF4J's two-line "No SLF4J providers were found" warning on its stderr from nana's first log
 * line; SLF4J then logs nothing, which is what such a program asked for. So before a supervisor is
 * built or connected, when no provider is there and the program has not chosen one itself
 * (-Dslf4j.provider), nana chooses SLF4J's own no-operation provider, and SLF4J's own reports at
 * WARN (unless -Dslf4j.internal.verbosity says otherwise), so that SLF4J takes it without a word. A
 * program that has a provider, or names one, is left as it is.
 */
final class QuietLogging {
    private static final String SPI = "org.slf4j.spi.SLF4JServiceProvider";
    private static final String PROPERTY = "slf4j.provider";
    private static final String VERBOSITY = "slf4j.internal.verbosity";

    private QuietLogging() {}

    static synchronized void whenNoProvider() {
        if (System.getProperty(PROPERTY) != null || providerPresent()) return;
        System.setProperty(PROPERTY, "org.slf4j.helpers.NOP_FallbackServiceProvider");
        // else SLF4J says, at its INFO, that it loads the provider it was told to
        if (System.getProperty(VERBOSITY) == null) System.setProperty(VERBOSITY, "WARN");
    }

    /** A provider on the class path (a service file) or the module path (a module's provides). */
    static boolean providerPresent() {
        ClassLoader loader = QuietLogging.class.getClassLoader();
        if (loader != null && loader.getResource("META-INF/services/" + SPI) != null) return true;
        return ModuleLayer.boot().modules().stream()
                .anyMatch(
                        m ->
                                m.getDescriptor() != null
                                        && m.getDescriptor().provides().stream()
                                                .anyMatch(p -> p.service().equals(SPI)));
    }
}
