package dev.nana.cli;

import dev.nana.images.Credentials;
import dev.nana.images.ImageRecord;
import dev.nana.images.ImageReference;
import dev.nana.images.ImageStore;
import dev.nana.images.RegistryHosts;
import dev.nana.spi.ImageBundles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code nana image pull|import|ls|rm}: the image store the CRI and {@code nana run --image} use.
 */
@Command(
        name = "image",
        mixinStandardHelpOptions = true,
        description = "Manage the images in nana's store (the Kubernetes CRI's too).",
        subcommands = {
            ImageCommand.Pull.class,
            ImageCommand.Import.class,
            ImageCommand.ListImages.class,
            ImageCommand.Remove.class
        })
public final class ImageCommand extends Subcommand implements Runnable {
    static ImageStore store(NanaCommand nana) {
        return ImageStore.open(Nana.stateDir(nana).resolve(ImageStore.FOLDER));
    }

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "give a command: nana image pull|import|ls|rm");
    }

    /** {@code nana image pull REF}. */
    @Command(
            name = "pull",
            mixinStandardHelpOptions = true,
            description =
                    "Pull an image from its registry, or from the mirror the registry table names"
                            + " (e.g. nana image pull registry.k8s.io/pause:3.9).")
    static final class Pull implements Callable<Integer> {
        @ParentCommand ImageCommand image;

        @Parameters(paramLabel = "REF", description = "NAME[:TAG] or NAME@sha256:DIGEST")
        String ref;

        @Option(
                names = "--creds",
                paramLabel = "USER:PASSWORD",
                description = "the registry's credentials")
        String creds;

        @Option(
                names = "--registry-config",
                paramLabel = "DIR",
                description =
                        "the registry mirror table: DIR/HOST/hosts.toml, in containerd's form"
                                + " (default: the daemon's, else /etc/nana/certs.d)")
        Path registryConfig;

        @Override
        public Integer call() throws IOException {
            NanaCommand nana = image.nana;
            ImageRecord r =
                    store(nana)
                            .pull(
                                    ImageReference.parse(ref),
                                    registryConfig != null
                                            ? new RegistryHosts(nana.io.resolve(registryConfig))
                                            : DaemonCommand.registries(),
                                    creds == null
                                            ? null
                                            : Credentials.userPassword(creds, "--creds"));
            image.spec.commandLine().getOut().println(r.id());
            return 0;
        }
    }

    /** {@code nana image import DIR [NAME]}. */
    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description =
                    "Import an image from an OCI image layout folder (e.g. skopeo copy docker://busybox oci:DIR:1.36)"
                            + " or a docker save archive (docker save busybox:1.36 -o FILE).")
    static final class Import implements Callable<Integer> {
        @ParentCommand ImageCommand image;

        @Parameters(
                index = "0",
                paramLabel = "DIR|FILE",
                description = "an OCI image layout folder, or a docker save archive")
        Path dir;

        @Parameters(
                index = "1",
                arity = "0..1",
                paramLabel = "NAME[:TAG]",
                description = "its name (default: the layout's own, when it has a full one)")
        String name;

        @Override
        public Integer call() throws IOException {
            NanaCommand nana = image.nana;
            Path from = nana.io.resolve(dir);
            ImageRecord r =
                    java.nio.file.Files.isRegularFile(from)
                            ? store(nana).importDockerArchive(from, name)
                            : store(nana).importOciLayout(from, name);
            image.spec.commandLine().getOut().println(r.id());
            return 0;
        }
    }

    /** {@code nana image ls [-q]}. */
    @Command(
            name = "ls",
            aliases = "list",
            mixinStandardHelpOptions = true,
            description = "List the images in the store.")
    static final class ListImages implements Callable<Integer> {
        @ParentCommand ImageCommand image;

        @Option(
                names = {"-q", "--quiet"},
                description = "only image ids")
        boolean quiet;

        @Override
        public Integer call() throws IOException {
            var out = image.spec.commandLine().getOut();
            List<ImageRecord> all = store(image.nana).list();
            if (quiet) {
                all.forEach(i -> out.println(i.id()));
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"IMAGE", "TAG", "IMAGE ID", "SIZE"});
            for (ImageRecord i : all) {
                String id = i.id().substring("sha256:".length(), "sha256:".length() + 12);
                String size = String.format("%.1fMB", i.size() / 1e6);
                if (i.repoTags().isEmpty()) rows.add(new String[] {"<none>", "<none>", id, size});
                for (String tag : i.repoTags()) {
                    ImageReference ref = ImageReference.parse(tag);
                    rows.add(new String[] {ref.name(), ref.tag(), id, size});
                }
            }
            Output.table(out, rows);
            return 0;
        }
    }

    /** {@code nana image rm REF…}. */
    @Command(
            name = "rm",
            aliases = "remove",
            mixinStandardHelpOptions = true,
            description =
                    "Remove images (by name, digest or id) and the layers no other image has.")
    static final class Remove implements Callable<Integer> {
        @ParentCommand ImageCommand image;

        @Parameters(arity = "1..*", paramLabel = "REF", description = "images")
        List<String> refs;

        @Override
        public Integer call() throws IOException {
            ImageStore store = store(image.nana);
            Path stateDir = Nana.stateDir(image.nana);
            ImageBundles users =
                    ServiceLoader.load(ImageBundles.class)
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new dev.nana.UnavailableException(
                                                    "nana image rm: no image bundle provider on the"
                                                            + " class path (nana-cri): rebuild with"
                                                            + " scripts/setup"));
            ImageStore.InUse inUse = i -> users.inUse(i.id(), stateDir);
            for (String ref : refs) {
                if (!store.remove(ref, inUse)) throw ImageStore.notFound(ref);
                image.spec.commandLine().getOut().println(ref);
            }
            return 0;
        }
    }
}
