package dev.nana.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreUsageTest {
    @TempDir Path root;

    @Test
    void theStoreIsMeasuredWholeAndEachLayerOnce() throws Exception {
        Path a = Files.createDirectories(root.resolve("layers/aaaa/etc"));
        Files.write(a.resolve("passwd"), new byte[1000]);
        Files.createDirectories(root.resolve("images"));
        Files.write(root.resolve("images/one.json"), new byte[300]);
        ImageStore store = ImageStore.open(root);
        assertArrayEquals(ImageStore.diskUsage(root), store.usage(), "the same as a walk");

        // a record changes: seen; a layer in place does not change, and is not walked again
        Files.write(root.resolve("images/two.json"), new byte[200]);
        long[] before = store.usage();
        assertArrayEquals(ImageStore.diskUsage(root), before);
        Files.write(a.resolve("not-a-layer-change"), new byte[5000]);
        assertArrayEquals(before, store.usage(), "a layer measured once");

        // a new layer is measured; a removed one is not counted
        Path b = Files.createDirectories(root.resolve("layers/bbbb"));
        Files.write(b.resolve("bin"), new byte[7000]);
        long[] withB = store.usage();
        assertArrayEquals(new long[] {before[0] + 7000, before[1] + 2}, withB);
        dev.nana.supervisor.state.StateDir.deleteTree(root.resolve("layers/aaaa"));
        assertArrayEquals(ImageStore.diskUsage(root), store.usage(), "a walk again");
    }
}
