package dev.nana;

/**
 * The signals one sends a container, by name, with their Linux numbers. {@link
 * Supervisor#kill(String, int, boolean)} takes any number from 1 to 64.
 */
public enum Signal {
    /** Hang-up: many daemons reload their configuration. */
    HUP(1),
    /** Interrupt, as Ctrl-C. */
    INT(2),
    /** Quit, with a core dump. */
    QUIT(3),
    /** Kill: cannot be caught. */
    KILL(9),
    /** User-defined 1. */
    USR1(10),
    /** User-defined 2. */
    USR2(12),
    /** Terminate: asks the program to end; what {@code docker stop} sends first. */
    TERM(15),
    /** Continue a stopped process. */
    CONT(18),
    /** Stop: cannot be caught. */
    STOP(19),
    /** Window size changed. */
    WINCH(28);

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    /**
     * Its Linux number.
     *
     * @return 1 to 64
     */
    public int number() {
        return number;
    }
}
