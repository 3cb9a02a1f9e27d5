package dev.nana.images;

import static dev.nana.oci.SpecOpts.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nana.InvalidArgumentException;
import dev.nana.oci.Spec;
import dev.nana.oci.SpecOpt;
import dev.nana.oci.SpecOpts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an image's config says of the process a container runs: its command line (entrypoint and
 * cmd), environment, working folder and user (by id, or by name from the image's own /etc/passwd
 * and /etc/group, read inside its root). The CRI's containers start from it and replace parts of it
 * with their request's; a container made from an image alone ({@link #spec}) takes it as it is.
 */
public final class ImageProcess {
    private ImageProcess() {}

    /**
     * The OCI config of a container made from an image alone (nana run --image, {@link
     * dev.nana.ContainerSpec#fromImage}): the image's process, user and working folder, Docker's
     * default capabilities, and namespaces of its own.
     *
     * @param image the image's config (its JSON)
     * @param rootfs the container's root filesystem, where the user is looked up
     * @param id the container's id, its hostname
     * @return the config
     */
    public static Spec spec(JsonNode image, Path rootfs, String id) {
        JsonNode ic = image.path("config");
        String wd = ic.path("WorkingDir").asText("");
        return SpecOpts.build(
                withTerminal(false),
                withProcessArgs(nonEmpty(argv(ic, List.of()), id)),
                withEnvMap(env(ic)),
                withCwd(wd.isEmpty() ? "/" : wd),
                user(ic.path("User").asText(""), null, List.of(), rootfs, id),
                withNoNewPrivileges(false),
                withCapabilities(DEFAULT_CAPABILITIES),
                withRoot("rootfs", false),
                withDefaultMounts(false),
                withNewNamespaces("mount", "network", "uts", "ipc", "pid"),
                withHostname(id),
                withDeviceRule(new Spec.DeviceRule(false, null, null, null, "rwm")),
                withMaskedPaths(MASKED_PATHS),
                withReadonlyPaths(READONLY_PATHS));
    }

    /**
     * argv, refused when empty.
     *
     * @param argv a container's command line
     * @param name the container's name, for the error
     * @return argv
     */
    public static List<String> nonEmpty(List<String> argv, String name) {
        if (argv.isEmpty())
            throw new InvalidArgumentException(
                    "container "
                            + name
                            + " has no command: its image has no entrypoint or cmd; give command or args");
        return argv;
    }

    /**
     * The image's environment, PATH given when it has none.
     *
     * @param ic the image config's "config" part
     * @return its variables, in order, for a caller to add its own over
     */
    public static Map<String, String> env(JsonNode ic) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : ic.path("Env")) put(env, e.asText());
        if (!env.containsKey("PATH")) put(env, DEFAULT_PATH);
        return env;
    }

    /**
     * The image's entrypoint, then args if given, else its cmd.
     *
     * @param ic the image config's "config" part
     * @param args the arguments that replace its cmd, or none
     * @return the command line
     */
    public static List<String> argv(JsonNode ic, List<String> args) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : ic.path("Entrypoint")) out.add(e.asText());
        if (!args.isEmpty()) out.addAll(args);
        else for (JsonNode e : ic.path("Cmd")) out.add(e.asText());
        return out;
    }

    private static void put(Map<String, String> env, String kv) {
        int eq = kv.indexOf('=');
        if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
    }

    /**
     * The process's user: who is a uid or a name from the image's /etc/passwd, with :group by gid
     * or name; runAsGroup (or null) wins over both; the groups /etc/group makes the user a member
     * of, then the supplemental ones, are its additional gids.
     *
     * @param who "user", "user:group", "" (root), by name or id
     * @param runAsGroup the gid that wins, or null
     * @param supplemental more gids
     * @param rootfs the root filesystem whose /etc/passwd and /etc/group are read
     * @param name the container's name, for errors
     * @return the option that sets the process's user
     */
    public static SpecOpt user(
            String who, Long runAsGroup, List<Long> supplemental, Path rootfs, String name) {
        long uid = 0;
        long gid = 0;
        String group = null;
        int colon = who.indexOf(':');
        if (colon >= 0) {
            group = who.substring(colon + 1);
            who = who.substring(0, colon);
        }
        if (!who.isEmpty()) {
            String[] entry = lookup(rootfs, PASSWD, who);
            if (isId(who)) {
                uid = Long.parseLong(who);
                if (entry != null) gid = Long.parseLong(entry[3]);
            } else if (entry != null) {
                uid = Long.parseLong(entry[2]);
                gid = Long.parseLong(entry[3]);
            } else {
                throw new InvalidArgumentException(
                        "container "
                                + name
                                + "'s user \""
                                + who
                                + "\" is not in its image's /etc/passwd: give a uid, or a user the image has");
            }
        }
        if (group != null && !group.isEmpty()) {
            if (isId(group)) gid = Long.parseLong(group);
            else {
                String[] g = lookup(rootfs, GROUP, group);
                if (g == null)
                    throw new InvalidArgumentException(
                            "container "
                                    + name
                                    + "'s group \""
                                    + group
                                    + "\" is not in its image's /etc/group: give a gid");
                gid = Long.parseLong(g[2]);
            }
        }
        if (runAsGroup != null) gid = runAsGroup;
        // the groups the image's /etc/group makes the user a member of, then the request's
        Set<Long> more = new LinkedHashSet<>();
        // no user at all is root, whose memberships count as any named user's do (containerd's)
        String userName = who.isEmpty() ? "root" : isId(who) ? null : who;
        if (userName == null && !who.isEmpty()) {
            String[] entry = lookup(rootfs, PASSWD, who);
            if (entry != null) userName = entry[0];
        }
        if (userName != null) more.addAll(memberships(rootfs, userName));
        more.addAll(supplemental);
        return withUser(uid, gid, more);
    }

    private static final String PASSWD = "/etc/passwd";
    private static final String GROUP = "/etc/group";

    /** The gids of the groups the image's group file lists user as a member of. */
    private static List<Long> memberships(Path rootfs, String user) {
        List<Long> out = new ArrayList<>();
        for (String line : ImageFiles.lines(rootfs, GROUP).orElse(List.of())) {
            String[] f = line.split(":", -1);
            if (f.length < 4 || !isId(f[2])) continue;
            for (String member : f[3].split(",", -1))
                if (!member.isBlank() && member.strip().equals(user)) out.add(Long.parseLong(f[2]));
        }
        return out;
    }

    /**
     * The line of the image's passwd or group file whose name (or, for a number, id) is key; lines
     * whose ids are no numbers are passed over, as libc does.
     */
    private static String[] lookup(Path rootfs, String file, String key) {
        for (String line : ImageFiles.lines(rootfs, file).orElse(List.of())) {
            String[] f = line.split(":", -1);
            if (f.length < 4 || !isId(f[2]) || (file.equals(PASSWD) && !isId(f[3]))) continue;
            if (f[0].equals(key) || (isId(key) && f[2].equals(key))) return f;
        }
        return null;
    }

    /** A uid or gid: digits, in range. */
    private static boolean isId(String s) {
        return s.matches("\\d{1,10}") && Long.parseLong(s) <= 0xFFFF_FFFFL;
    }
}
