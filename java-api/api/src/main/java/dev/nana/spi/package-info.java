/**
 * The service interfaces through which nana's API finds its implementations (nana-supervisor,
 * nana-client). Users never need them.
 */
package dev.nana.spi;
