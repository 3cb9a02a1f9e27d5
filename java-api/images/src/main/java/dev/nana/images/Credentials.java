package dev.nana.images;

import dev.nana.InvalidArgumentException;

/**
 * A registry credential as users give it: {@code nana image pull --creds}, a CRI pull's auth.
 *
 * @param user the user name, or {@link #TOKEN_USER} for an identity token
 * @param password the password, or the token
 */
public record Credentials(String user, String password) {
    /** The user name that says the password is an OAuth2 identity token (Docker's, and jib's). */
    public static final String TOKEN_USER = "<token>";

    /** Never shown: a credential is logged or printed by its user name alone. */
    @Override
    public String toString() {
        return "Credentials[user=" + user + "]";
    }

    /**
     * USER:PASSWORD as a credential.
     *
     * @param pair the text
     * @param what where it came from (an option, a request), for the error
     * @return the credential
     */
    public static Credentials userPassword(String pair, String what) {
        int colon = pair.indexOf(':');
        if (colon <= 0) throw new InvalidArgumentException(what + " is not USER:PASSWORD");
        return new Credentials(pair.substring(0, colon), pair.substring(colon + 1));
    }

    /**
     * An OAuth2 identity token as a credential.
     *
     * @param token the token
     * @return the credential
     */
    public static Credentials identityToken(String token) {
        return new Credentials(TOKEN_USER, token);
    }
}
