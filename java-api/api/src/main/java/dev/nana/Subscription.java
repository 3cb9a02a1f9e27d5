package dev.nana;

/** A live subscription to events; closing it stops delivery. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
