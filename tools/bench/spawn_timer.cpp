// Times one-shot commands the way a script running one process per check
// sees them, without the script's own cost: each call is posix_spawn (no copy
// of the caller's page tables, unlike a shell's fork), the command's run and
// exit, and waitpid. The commands alternate, so a change in the machine's
// speed during the run affects both alike.
//   keel-spawn-timer RUNS -- COMMAND_A ARGS... -- COMMAND_B ARGS...
// prints each command's median and mean milliseconds per call and B/A of the
// medians. Every call must exit 0; its output goes to /dev/null.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <numeric>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <vector>

extern char** environ;

namespace {

struct Command {
    std::vector<char*> argv;  // null-terminated
    std::vector<double> ms;
};

double run_once(Command& c) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int error = posix_spawnp(&pid, c.argv[0], &actions, nullptr, c.argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
        std::fprintf(stderr, "keel-spawn-timer: cannot run %s: %s\n", c.argv[0], std::strerror(error));
        std::exit(2);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "keel-spawn-timer: %s did not exit 0\n", c.argv[0]);
        std::exit(1);
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

[[noreturn]] void usage() {
    std::fprintf(stderr, "usage: keel-spawn-timer RUNS -- COMMAND_A [ARGS...] -- COMMAND_B [ARGS...]\n");
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5 || std::strcmp(argv[2], "--") != 0) usage();
    char* end = nullptr;
    const long runs = std::strtol(argv[1], &end, 10);
    if (*end != '\0' || runs < 1 || runs > 1000000) usage();
    std::vector<Command> commands(1);
    for (int i = 3; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0) {
            commands.emplace_back();
            continue;
        }
        commands.back().argv.push_back(argv[i]);
    }
    if (commands.size() != 2 || commands[0].argv.empty() || commands[1].argv.empty()) usage();
    for (auto& c : commands) c.argv.push_back(nullptr);
    for (long i = 0; i < runs; ++i)
        for (auto& c : commands) c.ms.push_back(run_once(c));
    for (const auto& c : commands)
        std::printf("%-20s median %.2f ms, mean %.2f ms per call (%ld calls)\n", c.argv[0], median(c.ms),
                    std::accumulate(c.ms.begin(), c.ms.end(), 0.0) / static_cast<double>(c.ms.size()), runs);
    std::printf("ratio B/A of the medians: %.3f\n", median(commands[1].ms) / median(commands[0].ms));
    return 0;
}
