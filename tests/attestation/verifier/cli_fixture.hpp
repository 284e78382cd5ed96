// keel verify as a process on software-made evidence (synthetic_launch.hpp):
// the fixture the CLI tests share. Every file the tests give keel verify is
// written to a scratch directory.
#pragma once

#include <gtest/gtest.h>

#include <openssl/pem.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/base64.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "synthetic_launch.hpp"
#include "tests/attestation/keys/public_key_pem.hpp"
#include "tests/unit/eventlog/run_command.hpp"

namespace keel::test {

inline constexpr std::uint16_t sha256 = 0x000B;

inline std::string as_text(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Text `copy` inserted before the first `anchor` of `text`.
inline std::string insert_before(std::string text, const std::string& anchor, const std::string& copy) {
    const auto at = text.find(anchor);
    if (at == std::string::npos) throw std::runtime_error("no " + anchor + " in the document");
    return text.insert(at, copy);
}

class VerifyCli : public ::testing::Test {
protected:
    static void SetUpTestSuite() { key_ = generate_rsa_key().release(); }
    static void TearDownTestSuite() { EVP_PKEY_free(key_); }

    VerifyCli() {
        components_ = keel_components();
        QuoteContents q;
        q.nonce = nonce_;
        q.selection = full_selection({sha256});
        q.pcrs = launch_pcrs({sha256}, components_);
        quote_ = sign_quote(key_, q);
        document_.nonce = nonce_;
        document_.ak_name = Bytes{0x00, 0x0b, 1, 2, 3};
        document_.attest = quote_.attest;
        document_.signature = quote_.signature;
        document_.pcr_selection = evidence::marshal_pcr_selection(q.selection);
        document_.pcr_values = pcr_read_lists(q.selection, q.pcrs);
        document_.drtm_log = drtm_log({sha256}, components_);
        reference_ = reference_json({sha256}, components_);

        pem_ = scratch_.write("ak.pem", public_key_pem(key_)).string();
        ak_pub_ = scratch_.write("ak.pub", as_text(tpm2b_public(key_, ak_attributes))).string();
        unrestricted_pub_ =
            scratch_.write("unrestricted.pub", as_text(tpm2b_public(key_, ak_attributes & ~attribute_restricted)))
                .string();
        msg_ = scratch_.write("quote.msg", as_text(quote_.attest)).string();
        sig_ = scratch_.write("quote.sig", as_text(quote_.signature)).string();
    }

    // A DRTM log whose hypervisor is not the one the reference values know.
    Bytes tampered_log() const {
        auto components = components_;
        components[2].measured.push_back(0x90);
        return drtm_log({sha256}, components);
    }

    CommandResult verify_evidence(const std::string& evidence, const std::string& key,
                                  const std::string& reference = "", const std::string& policy = "") {
        std::vector<std::string> args = {
            "verify",
            "--evidence",
            scratch_.write("evidence-" + std::to_string(++files_), evidence).string(),
            "--nonce",
            eventlog::to_hex(nonce_),
            "--ak-public",
            key,
            "--reference",
            scratch_.write("reference-" + std::to_string(files_), reference.empty() ? reference_ : reference).string()};
        if (!policy.empty()) {
            args.push_back("--policy");
            args.push_back(scratch_.write("policy-" + std::to_string(files_), policy).string());
        }
        return run_command(KEEL_CLI, args);
    }

    CommandResult checkquote(const std::string& key) {
        return run_command(
            KEEL_CLI, {"verify", "-u", key, "-m", msg_, "-s", sig_, "-q", eventlog::to_hex(nonce_), "-g", "sha256"});
    }

    static inline EVP_PKEY* key_ = nullptr;
    ScratchDir scratch_;
    Bytes nonce_ = Bytes(32, 0x5a);
    std::vector<Component> components_;
    SignedQuote quote_;
    evidence::EvidenceDocument document_;
    std::string reference_, pem_, ak_pub_, unrestricted_pub_, msg_, sig_;
    int files_ = 0;
};

}  // namespace keel::test
