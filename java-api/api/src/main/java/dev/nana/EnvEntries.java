package dev.nana;

import java.util.List;

/**
 * The environment as ContainerSpec and ExecSpec take it: KEY=VALUE entries, a key being a name of
 * at least one character with no '=' in it.
 */
final class EnvEntries {
    private EnvEntries() {}

    /**
     * What {@code env(key, value)} adds. Java binds {@code env("A=1", "B=2")} to the two-argument
     * form, not to the entries one: when both hold '=' they are two entries, as the caller meant; a
     * key with '=' and a value without is a mistake, refused with what to write instead.
     */
    static List<String> of(String key, String value) {
        if (key == null || value == null)
            throw new InvalidArgumentException(
                    "env(" + key + ", " + value + "): give a variable's name and its value");
        if (key.indexOf('=') >= 0 && value.indexOf('=') > 0) return List.of(key, value);
        if (key.isEmpty() || key.indexOf('=') >= 0)
            throw new InvalidArgumentException(
                    "env(\""
                            + key
                            + "\", \""
                            + value
                            + "\"): a variable's name cannot be empty nor hold '=': give"
                            + " env(\"NAME\", \"value\") for one variable, or KEY=VALUE entries"
                            + " (env(\"A=1\", \"B=2\"))");
        return List.of(key + "=" + value);
    }

    /** Refuses an entry that is not KEY=VALUE; where names the owner in the message. */
    static void check(String where, String entry) {
        if (entry.indexOf('=') <= 0)
            throw new InvalidArgumentException(
                    where
                            + "env \""
                            + entry
                            + "\" is not KEY=VALUE: give NAME=value (env(\"NAME\", \"value\")"
                            + " for one variable)");
    }
}
