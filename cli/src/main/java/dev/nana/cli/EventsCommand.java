package dev.nana.cli;

import dev.nana.Event;
import dev.nana.EventFilter;
import dev.nana.EventSubscriber;
import dev.nana.EventType;
import dev.nana.InvalidArgumentException;
import dev.nana.NanaException;
import dev.nana.Subscription;
import dev.nana.Supervisor;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nana events}: the event stream. From a daemon it is live; with no daemon it is the journal
 * (events.log) itself, followed as other nana commands append to it.
 */
@Command(
        name = "events",
        mixinStandardHelpOptions = true,
        description = {
            "Print events: create, start, exit, oom, delete.",
            "With --since, first those journaled after that time; then live until interrupted."
        })
public final class EventsCommand extends Subcommand implements Callable<Integer> {
    @Option(
            names = "--since",
            paramLabel = "TIME",
            description =
                    "RFC 3339 time (2026-11-28T10:00:00Z) or a duration back from now (5m, 2h, 30s)")
    String since;

    @Option(
            names = {"-f", "--filter"},
            paramLabel = "KEY=VALUE",
            description = "type=exit or id=web (repeatable)")
    List<String> filters = new ArrayList<>();

    @Option(
            names = "--no-follow",
            description = "print what is journaled (in --state-dir's events.log) and exit")
    boolean noFollow;

    @Option(
            names = "--format",
            defaultValue = "table",
            description = "table or json (JSON lines) (default: ${DEFAULT-VALUE})")
    Output.Format format;

    static Instant parseSince(String text, Instant now) {
        if (text == null) return null;
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            // not a time: a duration?
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            Duration d =
                    switch (t.charAt(t.length() - 1)) {
                        case 's' -> Duration.ofSeconds(n);
                        case 'm' -> Duration.ofMinutes(n);
                        case 'h' -> Duration.ofHours(n);
                        case 'd' -> Duration.ofDays(n);
                        default -> throw new NumberFormatException();
                    };
            return now.minus(d);
        } catch (RuntimeException e) {
            throw new InvalidArgumentException(
                    "--since \""
                            + text
                            + "\" is neither an RFC 3339 time (2026-11-28T10:00:00Z) nor a duration (5m, 2h, 30s)");
        }
    }

    EventFilter filter() {
        Set<EventType> types = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (String f : filters) {
            int eq = f.indexOf('=');
            String key = eq < 0 ? "" : f.substring(0, eq);
            String value = eq < 0 ? "" : f.substring(eq + 1);
            switch (key) {
                case "type" -> {
                    try {
                        types.add(EventType.valueOf(value.toUpperCase(Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        throw new InvalidArgumentException(
                                "--filter type="
                                        + value
                                        + ": give create, start, exit, oom or delete");
                    }
                }
                case "id" -> ids.add(value);
                default ->
                        throw new InvalidArgumentException(
                                "--filter \"" + f + "\": give type=TYPE or id=ID");
            }
        }
        return new EventFilter(types, ids);
    }

    @Override
    public Integer call() throws Exception {
        Instant from = parseSince(since, Instant.now());
        EventFilter filter = filter();
        PrintWriter out = spec.commandLine().getOut();
        if (!noFollow
                && (nana.io.daemonSupervisor != null
                        || Nana.daemonListening(nana.global.address))) {
            CountDownLatch ended = new CountDownLatch(1);
            AtomicReference<NanaException> why = new AtomicReference<>();
            EventSubscriber listener =
                    new EventSubscriber() {
                        @Override
                        public void onEvent(Event e) {
                            print(out, e);
                        }

                        @Override
                        public void onClosed(NanaException cause) {
                            why.set(cause);
                            ended.countDown();
                        }
                    };
            try (Supervisor s = Nana.open(nana);
                    Subscription _ = s.subscribe(filter, from, listener)) {
                ended.await(); // until the stream ends (the daemon stops), or an interrupt
            }
            NanaException cause = why.get();
            if (cause == null) return 0;
            throw cause; // said on one line, exit 125, as any of nana's errors
        }
        Nana.io(nana).readEvents(filter, from, !noFollow, e -> print(out, e));
        return 0;
    }

    private synchronized void print(PrintWriter out, Event e) {
        try {
            out.println(
                    format == Output.Format.json
                            ? Output.JSON.writeValueAsString(Output.json(e))
                            : Output.line(e));
        } catch (Exception ex) {
            out.println(Output.line(e));
        }
        out.flush();
    }
}
