package dev.nana;

import java.util.regex.Pattern;

/**
 * Container and exec ids: {@code [A-Za-z0-9][A-Za-z0-9_.-]{0,75}}: safe as a folder name, never a
 * path.
 */
public final class ContainerId {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,75}");

    private ContainerId() {}

    /**
     * Returns id, or throws naming what is wrong with it.
     *
     * @param id the id
     * @param what what the id names, for the message
     * @return id, valid
     */
    public static String require(String id, String what) {
        if (id == null || id.isEmpty()) {
            throw new InvalidArgumentException(what + " is empty: give a name such as \"web-1\"");
        }
        if (!VALID.matcher(id).matches()) {
            String shown = id.length() > 80 ? id.substring(0, 80) + "…" : id;
            throw new InvalidArgumentException(
                    what
                            + " \""
                            + shown.replace("\0", "\\0")
                            + "\" is not valid: use 1 to 76 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        return id;
    }
}
