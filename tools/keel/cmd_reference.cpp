// keel reference: reference values as signed documents
// (attestation/refdoc/reference_document.hpp).
//   keel reference sign --key KEY.pem --name NAME --version VERSION [--out DOC] REFERENCE.json
//     wraps `keel measure -o`'s output into a document signed with the
//     publisher's EC P-256 key (ES256); keel-verifierd keeps it once it is
//     published (POST /v1/references) and hosts refer to it by name and version.
//   keel reference verify --pub PUB DOC
//     checks a document as keel-verifierd does, with the publisher's public
//     key (PEM or JWK), and prints its name, version, time and digest.
// DOC "-" reads the document from standard input.
// Exit 0: signed / verified; 1: the document was refused (signature, key,
// algorithm, type or contents); 2: bad input (not a document, not an ES256
// key, reference values keel does not accept, usage); 3: a file that cannot
// be read or written.
#include <CLI/CLI.hpp>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>

#include "attestation/ear/jwk.hpp"
#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/refdoc/reference_document.hpp"
#include "tools/keel/commands.hpp"
#include "tools/keel/file_io.hpp"

namespace keel::cli {
namespace {

constexpr std::size_t max_key_bytes = 64u << 10;
// keel measure's output; the document must still fit max_document_bytes.
constexpr std::size_t max_reference_bytes = refdoc::max_document_bytes / 2;

struct SignOptions {
    std::string key, name, version, out, reference;
};

struct VerifyOptions {
    std::string pub, document;
};

std::string iso_seconds(std::int64_t seconds) {
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

std::string read_document(const std::string& argument) {
    std::string text;
    if (argument == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), {});
        if (text.size() > refdoc::max_document_bytes + 2) throw InputError("standard input: larger than a document");
    } else {
        text = read_text_file(argument, refdoc::max_document_bytes + 2);
    }
    // A file written by keel reference sign ends in a newline; the JWS does not.
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

int sign(const SignOptions& o) {
    const auto key = ear::es256_private_key_from_pem(read_text_file(o.key, max_key_bytes));
    const auto values = read_text_file(o.reference, max_reference_bytes);
    // Named as keel measure's output, not as a token, when it is not one.
    try {
        eventlog::parse_reference_values(values);
    } catch (const eventlog::Error& e) { throw InputError(o.reference + ": " + e.what()); }
    const auto document = refdoc::sign_reference_document(key.get(), o.name, o.version, values, std::time(nullptr));
    if (o.out.empty()) {
        std::cout << document << "\n";
        return exit_ok;
    }
    {
        std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
        out << document << "\n";
        if (!out.flush()) throw FileError("cannot write " + o.out);
    }
    std::cout << "Signed " << o.name << "@" << o.version << " (ES256, key " << ear::jwk_thumbprint(key.get())
              << "): " << o.out << "\nDigest: " << refdoc::sha256_label(document) << "\n";
    return exit_ok;
}

int verify(const VerifyOptions& o) {
    const auto key = ear::load_verification_key(read_text_file(o.pub, max_key_bytes));
    const auto d = refdoc::verify_reference_document(read_document(o.document), key.get());
    const auto values = eventlog::parse_reference_values(d.reference_json);
    // Name and version are labels (document_shape.hpp): safe to print as they are.
    std::cout << "Signature: valid (ES256, publisher key " << d.publisher << ")\n"
              << "Name: " << d.name << "\nVersion: " << d.version << "\nSigned at: " << iso_seconds(d.issued_at)
              << "\nDigest: " << d.digest << "\nComponents: " << values.components.size() << "\n";
    return exit_ok;
}

// Runs `body`, mapping what it throws to the exit status (commands.hpp).
template <typename F> void run(const char* command, const std::string& key_file, F body) {
    int rc = exit_ok;
    try {
        rc = body();
    } catch (const FileError& e) {
        std::cerr << command << ": " << e.what() << "\n";
        rc = exit_local_fault;
    } catch (const InputError& e) {
        std::cerr << command << ": " << e.what() << "\n";
        rc = exit_bad_input;
    } catch (const ear::KeyError& e) {
        std::cerr << command << ": " << key_file << ": " << e.what() << "\n";
        rc = exit_bad_input;
    } catch (const ear::MalformedToken& e) {
        std::cerr << command << ": " << e.what() << "\n";
        rc = exit_bad_input;
    } catch (const ear::TokenRefused& e) {
        std::cout << "Refused: " << e.what() << "\n";
        rc = exit_mismatch;
    }
    if (rc != exit_ok) throw CLI::RuntimeError(rc);
}

}  // namespace

void add_reference_command(CLI::App& app) {
    auto* ref = app.add_subcommand("reference", "reference values as signed documents (for keel-verifierd)");
    ref->require_subcommand(1, 1);

    auto s = std::make_shared<SignOptions>();
    auto* sign_cmd = ref->add_subcommand("sign", "sign keel measure's reference values as NAME@VERSION");
    sign_cmd->add_option("--key", s->key, "the publisher's EC P-256 private key (PEM)")->required();
    sign_cmd->add_option("--name", s->name, "the document's name, e.g. keel-hv")->required();
    sign_cmd->add_option("--version", s->version, "the document's version, e.g. 1.4.2")->required();
    sign_cmd->add_option("--out,-o", s->out, "write the document here (default: standard output)");
    sign_cmd->add_option("reference", s->reference, "reference values (keel measure -o)")->required();
    sign_cmd->callback([s] {
        // Refused by the document's own rules at signing: bad input, not a refusal.
        run("keel reference sign", s->key, [&] {
            try {
                return sign(*s);
            } catch (const ear::TokenRefused& e) { throw InputError(e.what()); }
        });
    });

    auto v = std::make_shared<VerifyOptions>();
    auto* verify_cmd = ref->add_subcommand("verify", "check a signed reference document and print what it names");
    verify_cmd->add_option("--pub", v->pub, "the publisher's public key: PEM or JWK")->required();
    verify_cmd->add_option("document", v->document, "the document (compact JWS), or - for standard input")->required();
    verify_cmd->callback([v] { run("keel reference verify", v->pub, [&] { return verify(*v); }); });
}

}  // namespace keel::cli
