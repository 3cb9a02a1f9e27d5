package dev.nana.images;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.global.JibSystemProperties;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestListTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.image.json.V21ManifestTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.nana.FailedPreconditionException;
import dev.nana.InvalidArgumentException;
import dev.nana.NotFoundException;
import dev.nana.UnavailableException;
import dev.nana.supervisor.HeapBudget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One image's manifest and blobs from a registry, through jib-core's registry client (the
 * distribution protocol: token and basic auth, manifest media types, blob digests checked). The
 * hosts of {@link RegistryHosts} are tried in order; a host that is down or lacks the image passes
 * to the next, and the error names every host tried.
 */
final class RegistryPull implements ImageStore.Blobs, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RegistryPull.class);
    private static final String USER_AGENT = "nana/0.2";

    /** What was resolved: the manifest's digest (the index's, for one), its config and layers. */
    record Resolved(
            String host,
            String digest,
            ImageStore.Descriptor config,
            List<ImageStore.Descriptor> layers,
            RegistryPull blobs) {}

    /**
     * How long a registry may take to accept a connection, or between two reads of an answer:
     * {@code -Dnana.image.httpTimeoutSeconds} (default 10), as jib's {@code jib.httpTimeout} unless
     * that is set. A host that does not answer fails the pull there, as one that refuses does.
     */
    static final long HTTP_TIMEOUT_SECONDS = Long.getLong("nana.image.httpTimeoutSeconds", 10);

    static {
        if (System.getProperty(JibSystemProperties.HTTP_TIMEOUT) == null)
            System.setProperty(
                    JibSystemProperties.HTTP_TIMEOUT, Long.toString(HTTP_TIMEOUT_SECONDS * 1000));
    }

    private final FailoverHttpClient http;
    private final RegistryClient client;
    private final String where;

    private RegistryPull(FailoverHttpClient http, RegistryClient client, String where) {
        this.http = http;
        this.client = client;
        this.where = where;
    }

    static Resolved resolve(
            ImageReference ref,
            RegistryHosts hosts,
            Credentials credential,
            java.util.function.Consumer<RegistryPull> opened)
            throws IOException {
        List<String> failures = new ArrayList<>();
        boolean unreachable = false;
        for (RegistryHosts.Host host : hosts.hostsFor(ref.registry())) {
            String where = (host.mirror() ? "mirror " : "registry ") + host.address();
            // plain HTTP (and unchecked TLS) only where the table or the loopback allows it
            FailoverHttpClient http =
                    RegistryHttp.client(host.insecure(), e -> log.debug("{}", e.getMessage()));
            RegistryClient.Factory factory =
                    RegistryClient.factory(
                                    EventHandlers.NONE, host.address(), ref.repository(), http)
                            .setUserAgent(USER_AGENT);
            if (credential != null)
                factory.setCredential(Credential.from(credential.user(), credential.password()));
            RegistryPull pull = new RegistryPull(http, factory.newRegistryClient(), where);
            opened.accept(pull); // so that a deadline can close it under a call
            boolean resolved = false;
            try {
                Resolved r = pull.resolve(ref, credential != null);
                resolved = true;
                return r;
            } catch (RegistryUnauthorizedException e) {
                throw new FailedPreconditionException(
                        where
                                + " refused "
                                + ref
                                + " ("
                                + status(e)
                                + "): give the registry's credentials (the CRI's auth, or nana image pull --creds USER:PASSWORD)");
            } catch (RegistryException | IOException e) {
                int status = status(e);
                if (status == 404) {
                    failures.add(where + " has no " + ref);
                } else {
                    unreachable = true;
                    failures.add(where + ": " + message(e));
                }
                log.info("pull of {} from {} failed: {}", ref, where, failures.getLast());
            } finally {
                if (!resolved) pull.close(); // the resolved one serves the blobs, then is closed
            }
        }
        String all = String.join("; ", failures);
        if (!unreachable)
            throw new NotFoundException(
                    "image " + ref + " was not found (" + all + "): check its name and tag");
        throw new UnavailableException(
                "image "
                        + ref
                        + " cannot be pulled ("
                        + all
                        + "): start the registry, or name a mirror in "
                        + hosts.dir().resolve(ref.registry()).resolve("hosts.toml"));
    }

    /**
     * What resolving a pull's manifests holds, at most: jib parses an answer of up to 1 MiB whole
     * into its templates. Taken as a lasting share: a registry that drips its manifest holds it up
     * to the pull's deadline.
     */
    private static final long RESOLVING_BYTES = 4L * ImageLimits.MAX_METADATA_BYTES + (64 << 10);

    private Resolved resolve(ImageReference ref, boolean credential)
            throws IOException, RegistryException {
        try (HeapBudget.Share _ =
                HeapBudget.PROCESS.takeLasting(RESOLVING_BYTES, "resolving " + ref)) {
            return resolveWithin(ref, credential);
        }
    }

    private Resolved resolveWithin(ImageReference ref, boolean credential)
            throws IOException, RegistryException {
        // a token when the registry asks for one; else the credential, if any, as basic auth
        if (!client.doPullBearerAuth() && credential) client.configureBasicAuth();
        String wanted = ref.digest() != null ? ref.digest() : ref.tag();
        ManifestAndDigest<ManifestTemplate> top = client.pullManifest(wanted);
        String topDigest = top.getDigest().toString();
        if (ref.digest() != null && !topDigest.equals(ref.digest()))
            throw new InvalidArgumentException(
                    where + " answered manifest " + topDigest + " for " + ref + ": it is corrupt");
        ManifestTemplate manifest = top.getManifest();
        if (manifest instanceof ManifestListTemplate list) {
            List<String> amd64 = list.getDigestsForPlatform("amd64", "linux");
            if (amd64.isEmpty())
                throw new InvalidArgumentException(
                        "image "
                                + ref
                                + " has no linux/amd64 variant: nana runs linux/amd64 images");
            manifest = client.pullManifest(amd64.getFirst()).getManifest();
        }
        if (manifest instanceof V21ManifestTemplate)
            throw new InvalidArgumentException(
                    "image "
                            + ref
                            + " is in Docker's schema 1, which registries no longer serve: push it again with a current tool");
        if (!(manifest instanceof BuildableManifestTemplate image))
            throw new InvalidArgumentException(
                    "image " + ref + " has a manifest nana does not know: " + manifest.getClass());
        List<ImageStore.Descriptor> layers = new ArrayList<>();
        for (BuildableManifestTemplate.ContentDescriptorTemplate l : image.getLayers())
            layers.add(descriptor(l));
        return new Resolved(
                where, topDigest, descriptor(image.getContainerConfiguration()), layers, this);
    }

    private static ImageStore.Descriptor descriptor(
            BuildableManifestTemplate.ContentDescriptorTemplate d) {
        return new ImageStore.Descriptor(d.getDigest().toString(), d.getSize());
    }

    @Override
    public byte[] read(ImageStore.Descriptor d) {
        ImageLimits.requireMetadataSize("blob " + d.digest() + " of " + where, d.size());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fetch(d, ImageLimits.bounded(out, d.size(), "blob " + d.digest() + " of " + where));
        return out.toByteArray();
    }

    @Override
    public Path file(ImageStore.Descriptor d, Path scratch) throws IOException {
        if (d.size() < 0 || d.size() > ImageLimits.MAX_LAYER_BYTES)
            throw new InvalidArgumentException(
                    "layer " + d.digest() + " of " + where + " claims " + d.size() + " bytes");
        try (OutputStream out =
                ImageLimits.bounded(
                        Files.newOutputStream(scratch),
                        d.size(),
                        "layer " + d.digest() + " of " + where)) {
            fetch(d, out);
        }
        return scratch;
    }

    /**
     * The blob as it comes off the wire, through a pipe from a thread that fetches it: jib checks
     * its digest as it ends, and the size is held to the descriptor's; a failure of either, or of
     * the fetch, is thrown by the read that would have been the stream's end.
     */
    @Override
    public boolean streams() {
        return true;
    }

    @Override
    public InputStream stream(ImageStore.Descriptor d) throws IOException {
        // its size is 0 to MAX_LAYER_BYTES: a Descriptor is never made otherwise
        Pipe pipe = Pipe.open();
        AtomicReference<RuntimeException> failed = new AtomicReference<>();
        String what = "layer " + d.digest() + " of " + where;
        Thread fetcher =
                Thread.ofVirtual()
                        .name("nana-pull-" + d.digest().substring(7, 19))
                        .start(
                                () -> {
                                    try (OutputStream out = Channels.newOutputStream(pipe.sink())) {
                                        CountingStream counted =
                                                new CountingStream(
                                                        ImageLimits.bounded(out, d.size(), what));
                                        fetch(d, counted);
                                        if (d.size() > 0 && counted.count != d.size())
                                            throw new InvalidArgumentException(
                                                    what
                                                            + " is "
                                                            + counted.count
                                                            + " bytes, its descriptor says "
                                                            + d.size()
                                                            + ": the image is corrupt");
                                    } catch (RuntimeException e) {
                                        failed.set(e); // before the pipe closes: the reader's end
                                    } catch (IOException e) {
                                        failed.set(
                                                new UnavailableException(
                                                        what + " could not be read: " + e, e));
                                    } finally {
                                        try {
                                            pipe.sink().close();
                                        } catch (IOException e) {
                                            // closed already
                                        }
                                    }
                                });
        InputStream source = Channels.newInputStream(pipe.source());
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = source.read(b, off, len);
                if (n < 0) {
                    join();
                    RuntimeException e = failed.get();
                    if (e != null) throw e;
                }
                return n;
            }

            private void join() throws IOException {
                try {
                    fetcher.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted pulling " + what);
                }
            }

            @Override
            public void close() throws IOException {
                source.close(); // a fetch still under way fails on its next write and ends
            }
        };
    }

    /** Counts what passes to the stream it wraps. */
    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /**
     * Writes a blob to out. jib checks the digest of what it received, and says it differs with a
     * RegistryException.
     */
    private void fetch(ImageStore.Descriptor d, OutputStream out) {
        try {
            RegistryHttp.fetchingBlob(
                    () -> client.pullBlob(digest(d), _ -> {}, _ -> {}).writeTo(out));
        } catch (IOException e) {
            String corrupt =
                    e.getCause() instanceof RegistryException
                            ? ", whose copy there is corrupt: push the image again"
                            : "";
            throw new UnavailableException(
                    "fetching blob "
                            + d.digest()
                            + " from "
                            + where
                            + " failed"
                            + corrupt
                            + ": "
                            + message(e),
                    e);
        }
    }

    private DescriptorDigest digest(ImageStore.Descriptor d) {
        try {
            return DescriptorDigest.fromDigest(d.digest());
        } catch (DigestException e) {
            throw new InvalidArgumentException(
                    where + " gave \"" + d.digest() + "\", which is not a digest: it is corrupt");
        }
    }

    @Override
    public String toString() {
        return where;
    }

    /** Closes the HTTP connections of this host's client. */
    @Override
    public void close() {
        try {
            http.shutDown();
        } catch (IOException e) {
            log.debug("closing the connections to {}: {}", where, e.toString());
        }
    }

    /** The HTTP status behind a failure; -1 when the host did not answer one. */
    private static int status(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof ResponseException r) return r.getStatusCode();
        return -1;
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : m;
    }
}
