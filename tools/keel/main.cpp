// keel: the command-line tool. Subcommands live in cmd_*.cpp and register
// themselves; this file only builds the app and maps outcomes to exit codes.
#include <CLI/CLI.hpp>
#include <array>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <openssl/crypto.h>
#include <string>

#include "tools/keel/commands.hpp"

namespace {

struct Registration {
    const char* name;
    void (*add)(CLI::App&);
};

// One line per subcommand.
constexpr std::array registrations{
    Registration{"eventlog", &keel::cli::add_eventlog_command},
    Registration{"measure", &keel::cli::add_measure_command},
    Registration{"enroll", &keel::cli::add_enroll_command},
    Registration{"verify", &keel::cli::add_verify_command},
    Registration{"ear", &keel::cli::add_ear_command},
    Registration{"reference", &keel::cli::add_reference_command},
};

// Start-up is most of a one-shot `keel verify` (tpm2_checkquote users run one
// process per quote), and it is mostly page faults: each costs tens of
// microseconds on a cloud VM. A process that only runs one command skips what
// only other commands or a long-lived process would use.
void lighten_start_up() {
    // OpenSSL's error strings (about 20 pages of tables) are only needed to
    // word an OpenSSL failure; take_openssl_error() names the failing
    // function and the code instead. Freeing OpenSSL's state at exit only
    // touches memory the exit discards anyway.
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ATEXIT, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
    // libtss2-mu logs every malformed structure on stderr; keel reports each
    // in one sentence itself. TSS2_LOG set by the user still wins.
    setenv("TSS2_LOG", "all+NONE", 0);
    lighten_start_up();
    CLI::App app{"keel: tools for Keel's measured launch and its attestation", "keel"};
    app.require_subcommand(1, 1);
    app.set_version_flag("--version", std::string("keel ") + KEEL_VERSION);
    // The named subcommand alone when there is one; every subcommand for
    // --help or no subcommand, so that CLI11 can list them.
    const Registration* named = nullptr;
    for (const auto& r : registrations)
        if (argc > 1 && std::strcmp(argv[1], r.name) == 0) named = &r;
    if (named) {
        named->add(app);
    } else if (argc > 1 && argv[1][0] != '-') {
        // CLI11 would take it for an argument and say only that a subcommand is required.
        std::string known;
        for (const auto& r : registrations) known += std::string(known.empty() ? "" : ", ") + r.name;
        std::cerr << "keel: unknown subcommand \"" << argv[1] << "\" (subcommands: " << known << "; see keel --help)\n";
        return keel::cli::exit_bad_input;
    } else {
        for (const auto& r : registrations) r.add(app);
    }
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
