package dev.nana.cli;

import dev.nana.InvalidArgumentException;
import java.util.Locale;

/** Human sizes as docker and podman take them: 512, 64k, 16m, 2g (binary units). */
final class Sizes {
    private Sizes() {}

    static long parse(String what, String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.endsWith("b")) s = s.substring(0, s.length() - 1);
        long unit = 1;
        if (!s.isEmpty()) {
            unit =
                    switch (s.charAt(s.length() - 1)) {
                        case 'k' -> 1L << 10;
                        case 'm' -> 1L << 20;
                        case 'g' -> 1L << 30;
                        case 't' -> 1L << 40;
                        default -> 1;
                    };
            if (unit != 1) s = s.substring(0, s.length() - 1);
        }
        try {
            long n = Long.parseLong(s);
            if (n <= 0) throw new NumberFormatException();
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidArgumentException(
                    what
                            + " \""
                            + text
                            + "\" is not a size: give bytes, or a number with k, m or g (e.g. 64m)");
        }
    }
}
