/**
 * The service interfaces through which nana's parts find each other without depending on each
 * other: the API finds its implementations (nana-supervisor, nana-client), and the CLI the daemon
 * it starts ({@link dev.nana.spi.DaemonLauncher}) and hands the commands it forwards ({@link
 * dev.nana.spi.CommandRunner}). Users never need them.
 */
package dev.nana.spi;
