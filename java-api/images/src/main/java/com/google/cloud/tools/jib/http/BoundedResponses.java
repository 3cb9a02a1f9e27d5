package com.google.cloud.tools.jib.http;

import com.google.api.client.http.GenericUrl;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * nana's, not jib's: a registry's answers with their bodies bounded, so that jib, which reads a
 * manifest or a token whole before anything can size it, never reads an endless one. It is in jib's
 * package because {@link Response}'s constructor is package-private; jib-core 0.27's Response is a
 * plain holder of an HttpResponse, each method one call on it, which this delegates.
 */
public final class BoundedResponses {
    private BoundedResponses() {}

    /**
     * response, its body read through bound.
     *
     * @param response what jib's client got
     * @param bound wraps the body's stream (it fails past the bound)
     * @return the same answer with a bounded body
     */
    public static Response bounded(Response response, UnaryOperator<InputStream> bound) {
        return new Response(null) {
            @Override
            public int getStatusCode() {
                return response.getStatusCode();
            }

            @Override
            public List<String> getHeader(String name) {
                return response.getHeader(name);
            }

            @Override
            public long getContentLength() {
                return response.getContentLength();
            }

            @Override
            public InputStream getBody() throws IOException {
                return bound.apply(response.getBody());
            }

            @Override
            public GenericUrl getRequestUrl() {
                return response.getRequestUrl();
            }

            @Override
            public void close() throws IOException {
                response.close();
            }
        };
    }
}
