// keel ear verify --key KEY TOKEN: check an attestation result that
// keel-verifierd signed (GET /v1/hosts/{id}/ear) as a relying party would,
// with the key it publishes (GET /v1/ear-key: a JWK) or the same key as PEM.
// The checks are verify_ear's (attestation/ear/ear_token.hpp): ES256 only,
// the signature, exp/nbf when present, an EAR's shape; then the claims are
// printed (JSON-escaped, so a hostile message cannot drive the terminal).
// TOKEN "-" reads the token from standard input.
// Exit 0: the token verified and every appraisal in it is affirming; 1: the
// token was refused, or verified and an appraisal is not affirming; 2: bad
// input (not a token, not an ES256 key, usage); 3: a file that cannot be read.
#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>
#include <iterator>

#include "attestation/ear/ear_token.hpp"
#include "attestation/ear/jwk.hpp"
#include "tools/keel/commands.hpp"
#include "tools/keel/file_io.hpp"

namespace keel::cli {
namespace {

constexpr std::size_t max_key_bytes = 64u << 10;

struct EarOptions {
    std::string key, token;
};

std::string read_token(const std::string& argument) {
    if (argument != "-") return argument;
    std::string text(std::istreambuf_iterator<char>(std::cin), {});
    if (text.size() > ear::max_token_bytes + 2) throw InputError("standard input: more than a token's size");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

int verify(const EarOptions& o) {
    const auto key = ear::load_verification_key(read_text_file(o.key, max_key_bytes));
    const auto result = ear::verify_ear(read_token(o.token), key.get(), std::time(nullptr));
    std::cout << "Signature: valid (ES256, key " << ear::jwk_thumbprint(key.get()) << ")\n";
    std::cout << "Header: " << result.header.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) << "\n";
    std::cout << "Claims: " << result.claims.dump(2, ' ', true, nlohmann::json::error_handler_t::replace) << "\n";
    bool affirming = true;
    for (const auto& [name, submod] : result.claims["submods"].items()) {
        const auto status = submod["ear.status"].get<std::string>();
        affirming &= status == "affirming";
        std::cout << "Appraisal of "
                  << nlohmann::json(name).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) << ": "
                  << status << "\n";
    }
    return affirming ? exit_ok : exit_mismatch;
}

}  // namespace

void add_ear_command(CLI::App& app) {
    auto* ear_cmd = app.add_subcommand("ear", "signed attestation results (EAR tokens from keel-verifierd)");
    ear_cmd->require_subcommand(1, 1);
    auto o = std::make_shared<EarOptions>();
    auto* cmd = ear_cmd->add_subcommand("verify", "check an EAR token's signature and claims, and print them");
    cmd->add_option("--key", o->key, "the verifier's public key: a JWK (GET /v1/ear-key) or a PEM public key")
        ->required();
    cmd->add_option("token", o->token, "the token (compact JWS), or - to read it from standard input")->required();
    cmd->callback([o] {
        int rc = exit_ok;
        try {
            rc = verify(*o);
        } catch (const FileError& e) {
            std::cerr << "keel ear verify: " << e.what() << "\n";
            rc = exit_local_fault;
        } catch (const InputError& e) {
            std::cerr << "keel ear verify: " << e.what() << "\n";
            rc = exit_bad_input;
        } catch (const ear::KeyError& e) {
            std::cerr << "keel ear verify: " << o->key << ": " << e.what() << "\n";
            rc = exit_bad_input;
        } catch (const ear::MalformedToken& e) {
            std::cerr << "keel ear verify: " << e.what() << "\n";
            rc = exit_bad_input;
        } catch (const ear::TokenRefused& e) {
            std::cout << "Refused: " << e.what() << "\n";
            rc = exit_mismatch;
        }
        if (rc != exit_ok) throw CLI::RuntimeError(rc);
    });
}

}  // namespace keel::cli
