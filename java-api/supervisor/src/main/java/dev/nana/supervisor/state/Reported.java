package dev.nana.supervisor.state;

/**
 * A process folder's "reported" file: which of its facts have been published as events. Restore
 * publishes what the folder shows but this does not (an exit while no supervisor ran), after
 * checking the journal for the crash window between journaling and writing this.
 *
 * @param create the CREATE event
 * @param start the START event
 * @param oom how many OOM kills were published
 * @param exit the EXIT event
 */
public record Reported(boolean create, boolean start, int oom, boolean exit) {
    public static final Reported NOTHING = new Reported(false, false, 0, false);

    public Reported withCreate() {
        return new Reported(true, start, oom, exit);
    }

    public Reported withStart() {
        return new Reported(create, true, oom, exit);
    }

    public Reported withOom(int n) {
        return new Reported(create, start, n, exit);
    }

    public Reported withExit() {
        return new Reported(create, start, oom, true);
    }
}
