package dev.nana.images;

import dev.nana.InvalidArgumentException;
import java.util.regex.Pattern;

/**
 * An image reference in its full form, as Docker and containerd write it: {@code busybox} is {@code
 * docker.io/library/busybox:latest}, {@code 127.0.0.1:5000/app} keeps its registry, and a digest
 * reference ({@code name@sha256:...}) names one manifest.
 *
 * @param registry the registry's host (and port)
 * @param repository the path in the registry, e.g. library/busybox
 * @param tag the tag, or null for a digest reference
 * @param digest the manifest's digest, or null for a tag reference
 */
public record ImageReference(String registry, String repository, String tag, String digest) {
    private static final String DOCKER_HUB = "docker.io";
    private static final Pattern COMPONENT =
            Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    /**
     * Parses ref, filling in Docker's defaults; throws naming the reference when it is malformed.
     */
    public static ImageReference parse(String ref) {
        if (ref == null || ref.isBlank()) throw malformed(ref, "it is empty");
        String rest = ref;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches())
                throw malformed(ref, "its digest is not sha256: and 64 hex digits");
        }
        String tag = null;
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches())
                throw malformed(ref, "its tag \"" + tag + "\" is not a tag");
        }
        String registry = DOCKER_HUB;
        String repository = rest;
        int first = rest.indexOf('/');
        if (first > 0) {
            String head = rest.substring(0, first);
            if (head.contains(".") || head.contains(":") || head.equals("localhost")) {
                registry = head;
                repository = rest.substring(first + 1);
            }
        }
        if (registry.equals(DOCKER_HUB) && !repository.contains("/"))
            repository = "library/" + repository;
        for (String part : repository.split("/", -1)) {
            if (!COMPONENT.matcher(part).matches())
                throw malformed(
                        ref,
                        "\"" + part + "\" is not a repository name (lower case, digits, . _ -)");
        }
        if (tag == null && digest == null) tag = "latest";
        return new ImageReference(registry, repository, digest != null ? null : tag, digest);
    }

    private static InvalidArgumentException malformed(String ref, String why) {
        return new InvalidArgumentException(
                "image reference \""
                        + ref
                        + "\" is malformed: "
                        + why
                        + "; give NAME[:TAG] or NAME@sha256:DIGEST, e.g. busybox:1.36");
    }

    /** registry/repository */
    public String name() {
        return registry + "/" + repository;
    }

    @Override
    public String toString() {
        return digest != null ? name() + "@" + digest : name() + ":" + tag;
    }
}
