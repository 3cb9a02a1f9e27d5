package dev.nana.images;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * jib's HTTP client as a pull needs it: each request tried once, and every answer but a blob's cut
 * past {@link ImageLimits#MAX_METADATA_BYTES}.
 *
 * <ul>
 *   <li>jib retries a request that failed on the wire (a name that does not resolve, a refused
 *       connection) with exponential back-off, for a minute and more; a pull that cannot succeed
 *       then kept a kubelet waiting that long. nana fails at once, naming every host it tried, and
 *       leaves retrying to its caller (a kubelet's image pull back-off).
 *   <li>jib reads manifests, indexes and tokens whole before anything can size them, and a registry
 *       could send an endless one (a 200,000-entry index once killed the daemon at ~12.5 MB). The
 *       bound is on what jib reads, after any gzip. Blobs ({@link #fetchingBlob}) are bounded by
 *       their descriptor's size as they stream ({@link RegistryPull}).
 * </ul>
 *
 * <p>jib-core 0.27 keeps the constructor that turns retries off, and the one that takes the HTTP
 * transports, package-private. They are reached through a private lookup, which jib allows because
 * it is an automatic module (every package open) on the module path and in the unnamed module on
 * the class path. Nothing of nana's is in jib's packages, so nana-images is a named module.
 */
final class RegistryHttp {
    private RegistryHttp() {}

    private static final MethodHandle NEW_CLIENT;
    private static final MethodHandle SECURE_TRANSPORT;
    private static final MethodHandle INSECURE_TRANSPORT;
    private static final MethodHandle BUILD_REQUEST;

    static {
        try {
            MethodHandles.Lookup jib =
                    MethodHandles.privateLookupIn(FailoverHttpClient.class, MethodHandles.lookup());
            NEW_CLIENT =
                    jib.findConstructor(
                            FailoverHttpClient.class,
                            MethodType.methodType(
                                    void.class,
                                    boolean.class,
                                    boolean.class,
                                    Consumer.class,
                                    Supplier.class,
                                    Supplier.class,
                                    boolean.class));
            MethodType transport = MethodType.methodType(HttpTransport.class);
            SECURE_TRANSPORT =
                    jib.findStatic(FailoverHttpClient.class, "getSecureHttpTransport", transport);
            INSECURE_TRANSPORT =
                    jib.findStatic(FailoverHttpClient.class, "getInsecureHttpTransport", transport);
            BUILD_REQUEST =
                    MethodHandles.privateLookupIn(HttpTransport.class, MethodHandles.lookup())
                            .findVirtual(
                                    HttpTransport.class,
                                    "buildRequest",
                                    MethodType.methodType(
                                            LowLevelHttpRequest.class, String.class, String.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(
                    "jib-core is not the version nana-images was built with (0.27): " + e);
        }
    }

    /**
     * Set while this thread fetches a blob: its answers are not cut (a blob is bounded by its
     * descriptor's size as it streams), nor those of the hosts its registry redirects it to, whose
     * URLs say nothing of blobs. jib's calls run on their caller's thread.
     */
    private static final ThreadLocal<Boolean> BLOB = ThreadLocal.withInitial(() -> false);

    /** Something that may fail on the wire. */
    interface Fetch {
        void run() throws IOException;
    }

    /**
     * Runs a blob's fetch with its answers unbounded here.
     *
     * @param fetch what reads the blob, on this thread
     * @throws IOException as fetch does
     */
    static void fetchingBlob(Fetch fetch) throws IOException {
        BLOB.set(true);
        try {
            fetch.run();
        } finally {
            BLOB.remove();
        }
    }

    /**
     * A client for one host.
     *
     * @param insecure whether plain HTTP and unchecked TLS may be used (and credentials sent there)
     * @param logger receives jib's log events
     * @return the client, without retries, its metadata answers bounded
     */
    static FailoverHttpClient client(boolean insecure, Consumer<LogEvent> logger) {
        Supplier<HttpTransport> secure = () -> new Bounded(transport(SECURE_TRANSPORT));
        Supplier<HttpTransport> plain = () -> new Bounded(transport(INSECURE_TRANSPORT));
        try {
            return (FailoverHttpClient)
                    NEW_CLIENT.invoke(insecure, insecure, logger, secure, plain, false);
        } catch (Throwable e) {
            throw new IllegalStateException("make jib's HTTP client: " + e, e);
        }
    }

    private static HttpTransport transport(MethodHandle factory) {
        try {
            return (HttpTransport) factory.invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException("make jib's HTTP transport: " + e, e);
        }
    }

    /** A transport whose answers, but a blob's, are read through a bound. */
    private static final class Bounded extends HttpTransport {
        private final HttpTransport transport;

        Bounded(HttpTransport transport) {
            this.transport = transport;
        }

        @Override
        protected LowLevelHttpRequest buildRequest(String method, String url) throws IOException {
            LowLevelHttpRequest request;
            try {
                request = (LowLevelHttpRequest) BUILD_REQUEST.invokeExact(transport, method, url);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IOException(e);
            }
            return BLOB.get() ? request : new BoundedRequest(request, url);
        }

        @Override
        public boolean supportsMethod(String method) throws IOException {
            return transport.supportsMethod(method);
        }

        @Override
        public void shutdown() throws IOException {
            transport.shutdown();
        }
    }

    /** A request sent as it is, whose answer is bounded. */
    private static final class BoundedRequest extends LowLevelHttpRequest {
        private final LowLevelHttpRequest request;
        private final String what;

        BoundedRequest(LowLevelHttpRequest request, String url) {
            this.request = request;
            java.net.URI u = java.net.URI.create(url);
            this.what = "the answer of " + u.getHost() + u.getRawPath();
        }

        @Override
        public void addHeader(String name, String value) throws IOException {
            request.addHeader(name, value);
        }

        @Override
        public void setTimeout(int connectTimeout, int readTimeout) throws IOException {
            request.setTimeout(connectTimeout, readTimeout);
        }

        @Override
        public void setWriteTimeout(int writeTimeout) throws IOException {
            request.setWriteTimeout(writeTimeout);
        }

        @Override
        public LowLevelHttpResponse execute() throws IOException {
            request.setContentEncoding(getContentEncoding());
            request.setContentLength(getContentLength());
            request.setContentType(getContentType());
            request.setStreamingContent(getStreamingContent());
            return new BoundedResponse(request.execute(), what);
        }
    }

    /**
     * An answer whose body is cut past the bound. A gzipped body is unzipped here, so that the
     * bound is on what jib reads, and told as plain.
     */
    private static final class BoundedResponse extends LowLevelHttpResponse {
        private final LowLevelHttpResponse response;
        private final String what;
        private final boolean gzip;

        BoundedResponse(LowLevelHttpResponse response, String what) throws IOException {
            this.response = response;
            this.what = what;
            String encoding = response.getContentEncoding();
            this.gzip =
                    encoding != null
                            && encoding.strip().toLowerCase(Locale.ROOT).matches("(x-)?gzip");
        }

        @Override
        public InputStream getContent() throws IOException {
            InputStream in = response.getContent();
            if (in == null) return null;
            if (gzip) in = new GZIPInputStream(in);
            return ImageLimits.bounded(in, ImageLimits.MAX_METADATA_BYTES, what);
        }

        @Override
        public String getContentEncoding() throws IOException {
            return gzip ? null : response.getContentEncoding();
        }

        @Override
        public long getContentLength() throws IOException {
            return gzip ? -1 : response.getContentLength();
        }

        @Override
        public String getContentType() throws IOException {
            return response.getContentType();
        }

        @Override
        public String getStatusLine() throws IOException {
            return response.getStatusLine();
        }

        @Override
        public int getStatusCode() throws IOException {
            return response.getStatusCode();
        }

        @Override
        public String getReasonPhrase() throws IOException {
            return response.getReasonPhrase();
        }

        @Override
        public int getHeaderCount() throws IOException {
            return response.getHeaderCount();
        }

        @Override
        public String getHeaderName(int index) throws IOException {
            return response.getHeaderName(index);
        }

        @Override
        public String getHeaderValue(int index) throws IOException {
            return response.getHeaderValue(index);
        }

        @Override
        public void disconnect() throws IOException {
            response.disconnect();
        }
    }
}
