package dev.nana.supervisor;

import dev.nana.FailedPreconditionException;
import dev.nana.spi.ImageBundles;
import java.util.ServiceLoader;

/** The image store's bundles, for specs that name an image: found once, when first needed. */
final class ImageSupport {
    private ImageSupport() {}

    private static final class Holder {
        static final ImageBundles BUNDLES =
                ServiceLoader.load(ImageBundles.class).findFirst().orElse(null);
    }

    static ImageBundles bundles() {
        if (Holder.BUNDLES == null)
            throw new FailedPreconditionException(
                    "running an image needs nana's image store (the nana-images module), which is"
                            + " not on this program's class or module path: add dev.nana:nana-images,"
                            + " or give a bundle");
        return Holder.BUNDLES;
    }
}
