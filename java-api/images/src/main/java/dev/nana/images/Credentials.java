package dev.nana.images;

import com.google.cloud.tools.jib.api.Credential;
import dev.nana.InvalidArgumentException;

/** Registry credentials as users give them: {@code nana image pull --creds}, a CRI pull's auth. */
public final class Credentials {
    private Credentials() {}

    /**
     * USER:PASSWORD as a credential; {@code what} names where it came from (an option, a request).
     */
    public static Credential userPassword(String pair, String what) {
        int colon = pair.indexOf(':');
        if (colon <= 0) throw new InvalidArgumentException(what + " is not USER:PASSWORD");
        return Credential.from(pair.substring(0, colon), pair.substring(colon + 1));
    }
}
