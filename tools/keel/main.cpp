// keel: the command-line tool. Subcommands live in cmd_*.cpp and register
// themselves; this file only builds the app and maps outcomes to exit codes.
#include <CLI/CLI.hpp>
#include <array>
#include <cstdlib>
#include <exception>
#include <iostream>

#include "tools/keel/commands.hpp"

namespace {

// One line per subcommand.
constexpr std::array registrations{
    &keel::cli::add_eventlog_command,
    &keel::cli::add_measure_command,
    &keel::cli::add_enroll_command,
    &keel::cli::add_verify_command,
};

}  // namespace

int main(int argc, char** argv) {
    // libtss2-mu logs every malformed structure on stderr; keel reports each
    // in one sentence itself. TSS2_LOG set by the user still wins.
    setenv("TSS2_LOG", "all+NONE", 0);
    CLI::App app{"keel: tools for Keel's measured launch and its attestation", "keel"};
    app.require_subcommand(1, 1);
    for (auto add : registrations) add(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::RuntimeError& e) {
        return e.get_exit_code();  // a subcommand's result; it has said why
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help
        std::cerr << "keel: " << e.what() << " (see keel --help)\n";
        return keel::cli::exit_bad_input;
    } catch (const std::exception& e) {
        std::cerr << "keel: internal error: " << e.what() << "\n";
        return keel::cli::exit_bad_input;
    }
    return keel::cli::exit_ok;
}
