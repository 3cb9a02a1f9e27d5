package com.google.cloud.tools.jib.http;

import com.google.cloud.tools.jib.api.LogEvent;
import java.util.function.Consumer;

/**
 * nana's, not jib's: jib's HTTP client without its retries. jib retries a request that failed on
 * the wire (a name that does not resolve, a refused connection) with exponential back-off, for a
 * minute and more; a pull that cannot succeed then kept a kubelet waiting that long. nana fails at
 * once, naming every host it tried, and leaves retrying to its caller, which backs off itself (a
 * kubelet's image pull back-off). It is in jib's package because the constructor that turns the
 * retries off is package-private.
 */
public class SingleTryHttpClient extends FailoverHttpClient {
    /**
     * A client that tries each request once.
     *
     * @param insecure whether plain HTTP and unchecked TLS may be used (and credentials sent there)
     * @param logger receives jib's log events
     */
    public SingleTryHttpClient(boolean insecure, Consumer<LogEvent> logger) {
        super(insecure, insecure, logger, false);
    }
}
