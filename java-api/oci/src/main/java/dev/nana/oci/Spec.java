package dev.nana.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OCI runtime configuration (config.json, runtime-spec 1.0.2), field for field as runc and crun
 * read it: the parts nana writes are typed, and whatever else a user's config carries is kept as it
 * was ({@link Extensible}). Build one with {@link SpecOpts}, as containerd's {@code oci.SpecOpts}
 * build theirs; the fields are public as the spec's own structs are, and a field left null is left
 * out.
 */
public final class Spec extends Extensible {
    /** The runtime-spec version nana writes. */
    public static final String VERSION = "1.0.2";

    public String ociVersion = VERSION;
    public ProcessConfig process;
    public Root root;
    public String hostname;
    public List<Mount> mounts;
    public Map<String, String> annotations;
    public Linux linux;

    /** The process a container runs (the spec's "process"). */
    public static final class ProcessConfig extends Extensible {
        public Boolean terminal;
        public User user;
        public List<String> args;
        public List<String> env;
        public String cwd;
        public Boolean noNewPrivileges;
        public Integer oomScoreAdj;
        public Capabilities capabilities;
        public ConsoleSize consoleSize;
    }

    /** The size of a process's terminal from its start. */
    public static final class ConsoleSize extends Extensible {
        public int height;
        public int width;
    }

    public static final class User extends Extensible {
        public long uid;
        public long gid;

        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        public List<Long> additionalGids;
    }

    public static final class Capabilities extends Extensible {
        public List<String> bounding;
        public List<String> effective;
        public List<String> permitted;
        public List<String> inheritable;
        public List<String> ambient;
    }

    public static final class Root extends Extensible {
        public String path;
        public Boolean readonly;
    }

    public static final class Mount extends Extensible {
        public String destination;
        public String type;
        public String source;
        public List<String> options;

        public Mount() {}

        public Mount(String destination, String type, String source, List<String> options) {
            this.destination = destination;
            this.type = type;
            this.source = source;
            this.options = List.copyOf(options);
        }
    }

    public static final class Linux extends Extensible {
        public String rootfsPropagation;
        public List<Namespace> namespaces;
        public String cgroupsPath;
        public Map<String, String> sysctl;
        public Seccomp seccomp;
        public Resources resources;
        public List<Device> devices;
        public List<String> maskedPaths;
        public List<String> readonlyPaths;
    }

    /** A namespace: a new one of its type, or (with a path) one joined. */
    public static final class Namespace extends Extensible {
        public String type;
        public String path;

        public Namespace() {}

        public Namespace(String type, String path) {
            this.type = type;
            this.path = path;
        }
    }

    public static final class Resources extends Extensible {
        public List<DeviceRule> devices;
        public Cpu cpu;
        public Memory memory;
    }

    /** A device cgroup rule. */
    public static final class DeviceRule extends Extensible {
        public boolean allow;
        public String type;
        public Long major;
        public Long minor;
        public String access;

        public DeviceRule() {}

        public DeviceRule(boolean allow, String type, Long major, Long minor, String access) {
            this.allow = allow;
            this.type = type;
            this.major = major;
            this.minor = minor;
            this.access = access;
        }
    }

    public static final class Cpu extends Extensible {
        public Long shares;
        public Long quota;
        public Long period;
        public String cpus;
        public String mems;
    }

    public static final class Memory extends Extensible {
        public Long limit;
    }

    /** A device node the runtime makes in the container's /dev. */
    public static final class Device extends Extensible {
        public String path;
        public String type;
        public long major;
        public long minor;
        public Integer fileMode;
        public Long uid;
        public Long gid;

        public Device() {}

        public Device(String path, String type, long major, long minor, int fileMode) {
            this.path = path;
            this.type = type;
            this.major = major;
            this.minor = minor;
            this.fileMode = fileMode;
            this.uid = 0L;
            this.gid = 0L;
        }
    }

    /** A seccomp filter, in the form runc and crun take. */
    public static final class Seccomp extends Extensible {
        public String defaultAction;
        public Integer defaultErrnoRet;
        public List<String> architectures;
        public List<Syscall> syscalls;
    }

    public static final class Syscall extends Extensible {
        public List<String> names;
        public String action;
        public Integer errnoRet;
        public List<SyscallArg> args;
    }

    public static final class SyscallArg extends Extensible {
        public int index;
        public BigInteger value; // a uint64
        public BigInteger valueTwo;
        public String op;
    }

    // ---- reading and writing

    /** The mapper for configs: unknown fields are kept, not refused ({@link Extensible}). */
    static final ObjectMapper JSON =
            JsonMapper.builder()
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .defaultPropertyInclusion(
                            JsonInclude.Value.construct(
                                    JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
                    .build();

    /** A config.json's bytes as a spec. */
    public static Spec read(byte[] json) throws IOException {
        return JSON.readValue(json, Spec.class);
    }

    /** A part of a spec, or a file of the same form (a seccomp profile, an exec's process). */
    public static <T> T read(byte[] json, Class<T> type) throws IOException {
        return JSON.readValue(json, type);
    }

    /** A spec from a JSON tree already read (and checked) as one. */
    public static Spec of(JsonNode tree) throws IOException {
        return JSON.treeToValue(tree, Spec.class);
    }

    /** A part of a spec as JSON, as config.json has it (an exec's process.json). */
    public static byte[] toJson(Extensible part) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(part);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a spec that cannot be written: " + e.getMessage(), e);
        }
    }

    /** This spec as config.json. */
    public byte[] toJson() {
        return toJson(this);
    }

    /** A deep copy, through its JSON. */
    public Spec copy() {
        try {
            return read(JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new IllegalStateException("a spec that cannot be copied: " + e.getMessage(), e);
        }
    }

    // ---- the parts, made on first use (what SpecOpts build on)

    public ProcessConfig process() {
        if (process == null) process = new ProcessConfig();
        return process;
    }

    public Root root() {
        if (root == null) root = new Root();
        return root;
    }

    public List<Mount> mounts() {
        if (mounts == null) mounts = new ArrayList<>();
        return mounts;
    }

    public Map<String, String> annotations() {
        if (annotations == null) annotations = new LinkedHashMap<>();
        return annotations;
    }

    public Linux linux() {
        if (linux == null) linux = new Linux();
        return linux;
    }

    public Resources resources() {
        Linux l = linux();
        if (l.resources == null) l.resources = new Resources();
        return l.resources;
    }
}
