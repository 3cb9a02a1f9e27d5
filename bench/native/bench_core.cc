// Benchmarks of what nana does per container: spawn a process, open and tear down
// the exit FIFO, arm the cgroup OOM watch, and the shim's per-event work.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

extern "C" {
#include "nana.h"
#include "../../native/src/shim/control.h"
#include "../../native/src/shim/oom.h"
#include "../../native/src/shim/streams.h"
}

namespace {

std::string TempDir() {
    char dir[] = "/tmp/nana-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr)
        abort();
    return dir;
}

// posix_spawn of /bin/true with a mapped fd set, then waitpid: the JVM's only way to start a shim.
void BM_SpawnTrue(benchmark::State &state) {
    const char *argv[] = {"/bin/true", nullptr};
    int fds[3] = {-1, -1, -1};
    for (auto _ : state) {
        int pid = nana_spawn("/bin/true", argv, nullptr, nullptr, fds, 3, NANA_SPAWN_SETSID);
        int status;
        nana_waitpid(pid, &status, 0);
        benchmark::DoNotOptimize(status);
    }
}
BENCHMARK(BM_SpawnTrue)->Unit(benchmark::kMicrosecond);

// The exit FIFO's whole life: mkfifo, supervisor's read end, shim's write end, shim
// exits (close), supervisor sees HUP, unlink.
void BM_ExitFifoOpenAndHup(benchmark::State &state) {
    std::string path = TempDir() + "/exit";
    for (auto _ : state) {
        nana_mkfifo(path.c_str(), 0600);
        int r = nana_fifo_open_read(path.c_str());
        int w = nana_fifo_open_write(path.c_str());
        close(w);
        int revents = nana_poll(r, POLLIN, 1000);
        if (!(revents & POLLHUP))
            state.SkipWithError("no HUP");
        close(r);
        unlink(path.c_str());
    }
}
BENCHMARK(BM_ExitFifoOpenAndHup)->Unit(benchmark::kMicrosecond);

// Arming the cgroup v1 OOM watch on a fresh memory cgroup (eventfd + cgroup.event_control),
// as the shim does between create and start. Needs root and a v1 memory hierarchy.
void BM_OomRegisterV1(benchmark::State &state) {
    std::string cg = "/sys/fs/cgroup/memory/nana-bench-" + std::to_string(getpid());
    if (mkdir(cg.c_str(), 0755) != 0) {
        state.SkipWithError("cannot make a v1 memory cgroup (not root, or no v1 memory hierarchy)");
        return;
    }
    std::string control = cg + "/memory.oom_control", events = cg + "/cgroup.event_control";
    for (auto _ : state) {
        int ofd = open(control.c_str(), O_RDONLY | O_CLOEXEC);
        int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        int cfd = open(events.c_str(), O_WRONLY | O_CLOEXEC);
        char line[64];
        int n = snprintf(line, sizeof line, "%d %d", efd, ofd);
        if (write(cfd, line, n) != n)
            state.SkipWithError("register failed");
        close(cfd);
        close(ofd);
        close(efd);
    }
    rmdir(cg.c_str());
}
BENCHMARK(BM_OomRegisterV1)->Unit(benchmark::kMicrosecond);

// Reading the oom_kill counter: done at every OOM wake-up and at every exit.
void BM_OomCounterParse(benchmark::State &state) {
    const char *text = "oom_kill_disable 0\nunder_oom 0\noom_kill 12\n";
    for (auto _ : state)
        benchmark::DoNotOptimize(oom_parse_counter(text, "oom_kill"));
}
BENCHMARK(BM_OomCounterParse);

// The shim's control FIFO path: split lines, parse a command.
void BM_ControlParse(benchmark::State &state) {
    const char data[] = "resize 40 100\nstart\n";
    char line[64];
    for (auto _ : state) {
        struct line_buffer lb = {};
        line_buffer_feed(&lb, data, sizeof data - 1);
        while (line_buffer_take(&lb, line, sizeof line))
            benchmark::DoNotOptimize(control_parse(line));
    }
}
BENCHMARK(BM_ControlParse);

// One 64 KiB chunk of container output through the shim: into the log, and into a
// client FIFO that nobody drains (the drop path once it is full).
void BM_OutputChunk(benchmark::State &state) {
    std::string dir = TempDir();
    struct output_log log;
    nana_err err;
    output_log_open(&log, (dir + "/log").c_str(), (dir + "/log.offsets").c_str(), 16 << 20, &err);
    std::string fifo = dir + "/stdout";
    mkfifo(fifo.c_str(), 0600);
    int ffd = client_fifo_open(fifo.c_str(), &err);
    static char chunk[65536];
    for (auto _ : state) {
        output_log_write(&log, chunk, sizeof chunk);
        benchmark::DoNotOptimize(client_fifo_write(ffd, chunk, sizeof chunk));
    }
    state.SetBytesProcessed(state.iterations() * (int64_t)sizeof chunk);
}
BENCHMARK(BM_OutputChunk)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
