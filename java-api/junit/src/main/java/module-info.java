/**
 * Containers for JUnit 5 tests, without Docker: {@link dev.nana.junit.Nana} on a test class and
 * {@link dev.nana.junit.NanaContainer} on its {@link dev.nana.junit.TestContainer} fields.
 */
module dev.nana.junit {
    requires transitive dev.nana;
    requires transitive org.junit.jupiter.api;

    exports dev.nana.junit;
}
