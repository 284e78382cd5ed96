// The keel subcommands. Each registers itself on the CLI11 app with one
// function; its callback reports a non-zero result by throwing
// CLI::RuntimeError(code), which main() turns into the exit status.
#pragma once

namespace CLI {
class App;
}

namespace keel::cli {

enum ExitCode : int {
    exit_ok = 0,  // everything compared equal (or nothing was compared)
    exit_mismatch = 1,  // a comparison failed: reference values or PCR values differ
    exit_bad_input = 2,  // malformed input, or bad usage (options that conflict or would be ignored)
    // keel enroll / keel verify / keel ear / keel reference only: the verifier could not do its job (a
    // file it cannot open or read, its HTTP plugin or SQLite missing, a host
    // store it cannot open, an agent it cannot reach). Nothing was learnt
    // about the host, so this is never "not trusted" (1).
    exit_local_fault = 3,
};

void add_eventlog_command(CLI::App& app);
void add_measure_command(CLI::App& app);
void add_enroll_command(CLI::App& app);
void add_verify_command(CLI::App& app);
void add_ear_command(CLI::App& app);
void add_reference_command(CLI::App& app);

}  // namespace keel::cli
