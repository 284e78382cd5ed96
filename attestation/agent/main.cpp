// keel-agent: the attestation agent of a Keel host. It owns the host's TPM
// connection (a tpm2-tss TCTI: /dev/tpmrm0 on a real host; under
// keel-platform, the emulator's tpm.sock) and answers a verifier:
//   keel-agent serve      HTTP on a loopback address by default
//   keel-agent push       connects out to keel-verifierd (HTTPS, client
//                         certificate): no inbound port on the host
//   keel-agent identity   one-shot: the enrolment identity to a file
//   keel-agent activate   one-shot: answer a credential challenge file
//   keel-agent quote      one-shot: evidence for a nonce to a file
// Exit status: 0 done, 1 TPM failure, 2 bad input or usage.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "attestation/agent/agent_config.hpp"
#include "attestation/agent/agent_service.hpp"
#include "attestation/agent/http_server.hpp"
#include "attestation/agent/log_files.hpp"
#include "attestation/agent/push_client.hpp"
#include "attestation/net/loopback.hpp"

namespace {

using keel::agent::AgentOptions;
using keel::agent::AgentService;

constexpr int exit_tpm_failure = 1;
constexpr int exit_bad_input = 2;

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw keel::agent::RequestError("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text(const std::string& path, const std::string& text) {
    if (path == "-") {
        std::cout << text;
        return;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

void add_tpm_options(CLI::App& cmd, AgentOptions& o, std::string& ek, std::string& ak, bool& transient) {
    cmd.add_option("--tcti", o.tpm.tcti,
                   "tpm2-tss TCTI: device:/dev/tpmrm0 (default, or $KEEL_TCTI), swtpm:host=H,port=P, "
                   "\"cmd:socat - UNIX-CONNECT:DIR/tpm.sock\" for keel-platform")
        ->envname("KEEL_TCTI");
    cmd.add_option("--ek", ek, "EK type: rsa (RSA-2048, default) or ecc (NIST P-256)")
        ->check(CLI::IsMember({"rsa", "ecc"}));
    cmd.add_option("--ak", ak, "AK scheme: rsassa (default), rsapss or ecdsa")
        ->check(CLI::IsMember({"rsassa", "rsapss", "ecdsa"}));
    cmd.add_flag("--transient", transient, "do not make keys persistent (each run has a new AK)");
}

void apply_tpm_options(AgentOptions& o, const std::string& ek, const std::string& ak, bool transient) {
    o.tpm.ek = ek == "ecc" ? keel::tpm::EkType::ecc_p256 : keel::tpm::EkType::rsa2048;
    o.tpm.ak = ak == "rsapss"  ? keel::tpm::AkScheme::rsapss
               : ak == "ecdsa" ? keel::tpm::AkScheme::ecdsa
                               : keel::tpm::AkScheme::rsassa;
    o.tpm.persist = !transient;
}

std::string platform_log = keel::agent::PLATFORM_LOG;

void add_log_options(CLI::App& cmd, AgentOptions& o, std::string& drtm_log, std::string& boot_log) {
    cmd.add_option("--drtm-log", drtm_log, "the DRTM event log (TCG crypto-agile) the launch wrote")
        ->check(CLI::ExistingFile);
    cmd.add_option("--boot-log", boot_log,
                   "the firmware's event log, e.g. /sys/kernel/security/tpm0/binary_bios_measurements")
        ->check(CLI::ExistingFile);
    cmd.add_option("--pcrs", o.pcrs, "PCRs to quote in every allocated bank (default 0-23)")->check(CLI::Range(0, 23));
    cmd.add_option("--platform-log", platform_log,
                   std::string("where the kernel publishes the platform's event log (default ") +
                       keel::agent::PLATFORM_LOG + "); without --drtm-log, a DRTM log there is sent");
}

// The command line with the options of `serve --config FILE` or `push
// --config FILE` appended, each one the command line does not give itself.
std::vector<std::string> with_config(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc), given;
    std::string command, config;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (command.empty()) {
            if (a.empty() || a[0] != '-') command = a;  // the subcommand: the first word that is no option
            continue;
        }
        if (a.rfind("--", 0) != 0) continue;
        given.push_back(a.substr(0, a.find('=')));
        if (a == "--config" && i + 1 < argc) config = argv[i + 1];
        if (a.rfind("--config=", 0) == 0) config = a.substr(9);
    }
    if ((command == "serve" || command == "push") && !config.empty()) {
        auto more = keel::agent::config_arguments(config, command, given);
        args.insert(args.end(), more.begin(), more.end());
    }
    return args;
}

std::unique_ptr<keel::agent::HttpServer> running_server;
std::unique_ptr<keel::agent::PushClient> running_push;

void stop_server(int) {
    if (running_server) running_server->stop();
    if (running_push) running_push->stop();
}

}  // namespace

int main(int argc, char** argv) {
    // tpm2-tss logs expected failures (a persistent handle not there yet) on
    // stderr; the agent reports real ones itself. TSS2_LOG set by the user wins.
    setenv("TSS2_LOG", "all+NONE", 0);
    CLI::App app{"keel-agent: the attestation agent of a Keel host", "keel-agent"};
    app.require_subcommand(1, 1);
    app.set_version_flag("--version", std::string("keel-agent ") + KEEL_VERSION);
    AgentOptions options;
    std::string drtm_log, boot_log;
    std::string ek = "rsa", ak = "rsassa", listen = "127.0.0.1:7734", out = "-", in, nonce;
    bool transient = false, any_address = false;

    auto serve = app.add_subcommand("serve", "answer verifiers over HTTP");
    add_tpm_options(*serve, options, ek, ak, transient);
    add_log_options(*serve, options, drtm_log, boot_log);
    serve->add_option("--listen", listen, "ADDRESS:PORT (default 127.0.0.1:7734; port 0 picks a free one)");
    serve->add_flag("--plain-http-off-loopback", any_address,
                    "allow --listen off loopback although serve speaks plain HTTP: only where nothing but the "
                    "verifier reaches the port (a management VM behind its host's NAT with a forwarded loopback port)");
    std::string config;
    const char* config_help = "TOML file with the options ([tpm], [logs], [serve], [push]); the command line wins";
    serve->add_option("--config", config, config_help);

    keel::agent::PushOptions push_options;
    auto push = app.add_subcommand("push", "submit evidence to keel-verifierd on its schedule (no inbound port)");
    add_tpm_options(*push, options, ek, ak, transient);
    add_log_options(*push, options, drtm_log, boot_log);
    push->add_option("--verifier", push_options.verifier, "keel-verifierd, https://HOST:PORT")->required();
    push->add_option("--host-id", push_options.host_id, "the id this host is enrolled under")->required();
    push->add_option("--cert", push_options.certificate, "this host's client certificate (PEM; CN = host id)")
        ->required()
        ->check(CLI::ExistingFile);
    push->add_option("--key", push_options.private_key, "its private key (PEM)")->required()->check(CLI::ExistingFile);
    push->add_option("--verifier-ca", push_options.verifier_ca, "CA (PEM) the verifier's certificate chains to")
        ->required()
        ->check(CLI::ExistingFile);
    push->add_option("--retry", push_options.retry_seconds, "seconds between tries while the verifier is away")
        ->check(CLI::Range(1, 3600));
    push->add_option("--config", config, config_help);

    auto identity = app.add_subcommand("identity", "write the enrolment identity (EK, EK certificate, AK)");
    add_tpm_options(*identity, options, ek, ak, transient);
    identity->add_option("-o,--out", out, "output file (default: standard output)");

    auto activate = app.add_subcommand("activate", "answer a credential challenge from `keel enroll`");
    add_tpm_options(*activate, options, ek, ak, transient);
    activate->add_option("challenge", in, "the challenge file")->required();
    activate->add_option("-o,--out", out, "output file (default: standard output)");

    auto quote = app.add_subcommand("quote", "write evidence for a verifier's nonce");
    add_tpm_options(*quote, options, ek, ak, transient);
    add_log_options(*quote, options, drtm_log, boot_log);
    quote->add_option("--nonce", nonce, "the verifier's nonce, hex")->required();
    quote->add_option("-o,--out", out, "output file (default: standard output)");

    try {
        std::vector<std::string> args = with_config(argc, argv);
        std::vector<char*> pointers;
        for (std::string& a : args) pointers.push_back(a.data());
        app.parse(int(pointers.size()), pointers.data());
    } catch (const keel::agent::ConfigError& e) {
        std::cerr << "keel-agent: " << e.what() << "\n";
        return exit_bad_input;
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        std::cerr << "keel-agent: " << e.what() << " (see keel-agent --help)\n";
        return exit_bad_input;
    }
    // serve speaks plain HTTP: evidence and challenges may only pass where
    // nothing but this machine sees them. Across the network, push mode
    // connects out over HTTPS with a client certificate.
    if (*serve && !any_address && !keel::net::is_loopback_address(keel::net::host_of(listen))) {
        std::cerr << "keel-agent: --listen " << listen
                  << ": keel-agent serve speaks plain HTTP, so only on a loopback address (127.0.0.0/8, ::1, "
                     "localhost); across the network use keel-agent push, which connects out over HTTPS\n";
        return exit_bad_input;
    }
    if (options.pcrs.empty())
        for (std::uint32_t i = 0; i < 24; ++i) options.pcrs.push_back(i);
    apply_tpm_options(options, ek, ak, transient);
    if (!drtm_log.empty()) {
        options.drtm_log = drtm_log;
    } else if (platform_log != boot_log && keel::agent::is_drtm_log(platform_log)) {
        // A Keel management VM: its kernel publishes the DRTM log there.
        options.drtm_log = platform_log;
        std::cerr << "keel-agent: the DRTM event log from " << platform_log << "\n";
    }
    if (!boot_log.empty()) options.boot_log = boot_log;

    try {
        std::optional<std::string> challenge;
        if (*activate) challenge = read_text(in);  // before touching the TPM: bad input is exit 2
        if (options.drtm_log) keel::agent::check_drtm_log(*options.drtm_log);
        if (options.boot_log) keel::agent::check_boot_log(*options.boot_log);
        AgentService service(options);
        if (*serve) {
            running_server = std::make_unique<keel::agent::HttpServer>(service, listen);
            std::signal(SIGTERM, stop_server);
            std::signal(SIGINT, stop_server);
            running_server->run();
            return 0;
        }
        if (*push) {
            running_push = std::make_unique<keel::agent::PushClient>(service, push_options);
            std::signal(SIGTERM, stop_server);
            std::signal(SIGINT, stop_server);
            std::signal(SIGPIPE, SIG_IGN);
            running_push->run();
            return 0;
        }
        if (*identity) write_text(out, service.identity_json());
        if (*activate) write_text(out, service.activate_json(*challenge));
        if (*quote) write_text(out, service.evidence_json(nonce));
        return 0;
    } catch (const keel::agent::RequestError& e) {
        std::cerr << "keel-agent: " << e.what() << "\n";
        return exit_bad_input;
    } catch (const keel::tpm::TpmError& e) {
        std::cerr << "keel-agent: TPM: " << e.what() << "\n";
        return exit_tpm_failure;
    } catch (const std::exception& e) {
        std::cerr << "keel-agent: " << e.what() << "\n";
        return exit_tpm_failure;
    }
}
