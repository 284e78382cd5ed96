// keel verify as a process on software-made evidence and tpm2-tools files
// (synthetic_launch.hpp): exit status 0 trusted, 1 not trusted, 2 bad input.
// Documents that repeat a member are bad input; a quote signed by a key whose
// TPM2B_PUBLIC shows it is not a restricted signing key is not trusted.
#include <gtest/gtest.h>

#include <openssl/pem.h>

#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/base64.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "synthetic_launch.hpp"
#include "tests/unit/eventlog/run_command.hpp"

namespace keel::test {
namespace {

constexpr std::uint16_t sha256 = 0x000B;

std::string as_text(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

std::string pem_of(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return pem;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Text `copy` inserted before the first `anchor` of `text`.
std::string insert_before(std::string text, const std::string& anchor, const std::string& copy) {
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
        std::vector<Bytes> digests;
        for (std::uint32_t pcr = 0; pcr < 24; ++pcr) digests.push_back(q.pcrs.at(sha256).at(pcr));
        for (std::size_t i = 0; i < digests.size(); i += 8)
            document_.pcr_values.push_back(evidence::marshal_digest_list(
                std::vector<Bytes>(digests.begin() + i, digests.begin() + std::min(i + 8, digests.size()))));
        document_.drtm_log = drtm_log({sha256}, components_);
        reference_ = reference_json({sha256}, components_);

        pem_ = scratch_.write("ak.pem", pem_of(key_)).string();
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

    static EVP_PKEY* key_;
    ScratchDir scratch_;
    Bytes nonce_ = Bytes(32, 0x5a);
    std::vector<Component> components_;
    SignedQuote quote_;
    evidence::EvidenceDocument document_;
    std::string reference_, pem_, ak_pub_, unrestricted_pub_, msg_, sig_;
    int files_ = 0;
};

EVP_PKEY* VerifyCli::key_ = nullptr;

TEST_F(VerifyCli, GenuineEvidenceIsTrustedWithEitherKeyForm) {
    for (const auto& key : {pem_, ak_pub_}) {
        auto r = verify_evidence(evidence::write_evidence(document_), key);
        EXPECT_EQ(r.status, 0) << key << ": " << r.out << r.err;
    }
    auto tampered = document_;
    tampered.drtm_log = tampered_log();
    auto r = verify_evidence(evidence::write_evidence(tampered), pem_);
    EXPECT_EQ(r.status, 1) << r.out << r.err;  // the tampered log alone is caught
}

// The attack: the DRTM log named twice, a tampered one first and the genuine
// one last. nlohmann::json keeps the last copy, so the verifier saw only the
// genuine log and said "trusted"; a reader keeping the first copy sees the
// tampered one. The document has no single meaning: bad input.
TEST_F(VerifyCli, TamperedDrtmLogFollowedByTheGenuineOneIsBadInput) {
    const auto genuine = evidence::write_evidence(document_);
    const auto doubled =
        insert_before(genuine, "\"drtm\"", "\"drtm\": \"" + evidence::to_base64(tampered_log()) + "\",\n    ");
    auto r = verify_evidence(doubled, pem_);
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "evidence: member \"drtm\" appears twice in \"event_logs\"")) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;  // no verdict at all
    // The other order (genuine first, tampered last) is refused just the same.
    auto tampered = document_;
    tampered.drtm_log = tampered_log();
    const auto reversed = insert_before(evidence::write_evidence(tampered), "\"drtm\"",
                                        "\"drtm\": \"" + evidence::to_base64(*document_.drtm_log) + "\", ");
    r = verify_evidence(reversed, pem_);
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "member \"drtm\" appears twice in \"event_logs\"")) << r.err;
}

TEST_F(VerifyCli, RepeatedEvidenceMembersAreBadInput) {
    const auto genuine = evidence::write_evidence(document_);
    const auto b64 = [](const Bytes& b) { return "\"" + evidence::to_base64(b) + "\""; };
    for (const auto& [name, text, words] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"two nonces", insert_before(genuine, "\"nonce\"", "\"nonce\": " + b64(Bytes(32, 0x11)) + ", "),
              "member \"nonce\" appears twice in the top-level object"},
             {"two quotes",
              insert_before(genuine, "\"quote\"",
                            "\"quote\": {\"attest\": " + b64(quote_.attest) +
                                ", \"signature\": " + b64(quote_.signature) + "}, "),
              "member \"quote\" appears twice in the top-level object"},
             {"two signatures in the quote",
              insert_before(genuine, "\"signature\"", "\"signature\": " + b64(quote_.signature) + ", "),
              "member \"signature\" appears twice in \"quote\""},
             {"two PCR selections", insert_before(genuine, "\"selection\"", "\"selection\": \"AAAAAA==\", "),
              "member \"selection\" appears twice in \"pcrs\""},
             {"two event_logs objects", insert_before(genuine, "\"event_logs\"", "\"event_logs\": {}, "),
              "member \"event_logs\" appears twice in the top-level object"},
             {"in an array element", insert_before(genuine, "\"values\": [", "\"values\": [{\"x\": 1, \"x\": 1}], "),
              "member \"x\" appears twice in \"pcrs.values[0]\""},
         }) {
        auto r = verify_evidence(text, pem_);
        EXPECT_EQ(r.status, 2) << name << ": " << r.out << r.err;
        EXPECT_TRUE(contains(r.err, "keel verify: ")) << name << ": " << r.err;
        EXPECT_TRUE(contains(r.err, words)) << name << ": " << r.err;
    }
}

TEST_F(VerifyCli, RepeatedReferenceAndPolicyMembersAreBadInput) {
    const auto genuine = evidence::write_evidence(document_);
    // Reference values that list the components twice: an empty list first.
    auto r = verify_evidence(genuine, pem_, insert_before(reference_, "\"components\"", "\"components\": [], "));
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "reference values: member \"components\" appears twice in the top-level object"))
        << r.err;
    // A component digest given twice (a wrong one, then the right one).
    auto digest = insert_before(reference_, "\"sha256\"", "\"sha256\": \"" + std::string(64, '0') + "\", ");
    r = verify_evidence(genuine, pem_, digest);
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "member \"sha256\" appears twice in \"components[0].digests\"")) << r.err;

    const std::string policy = R"({"format": "keel-attestation-policy", "version": 1, "require_drtm": true})";
    r = verify_evidence(genuine, pem_, "", policy);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    r = verify_evidence(genuine, pem_, "", insert_before(policy, "\"require_drtm\"", "\"require_drtm\": false, "));
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "policy: member \"require_drtm\" appears twice in the top-level object")) << r.err;
}

// tpm2_checkquote's arguments. The TPMS_ATTEST here was made in software, as a
// forger would make one; signed by a key the TPM would use for anything, it
// verifies. Given as TPM2B_PUBLIC, the key shows it is no restricted signing
// key: not trusted. Given as PEM, nothing shows it: accepted, as
// tpm2_checkquote accepts it, with a note.
TEST_F(VerifyCli, QuoteFromAnUnrestrictedKeyIsNotTrusted) {
    auto r = checkquote(unrestricted_pub_);
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "quote.signature")) << r.out;
    EXPECT_TRUE(contains(r.out, "the key is not a restricted signing key: the key is not restricted: an unrestricted "
                                "TPM key can sign any bytes, including a forged TPMS_ATTEST"))
        << r.out;

    r = checkquote(ak_pub_);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    r = checkquote(pem_);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "that it is a restricted signing key was not checked")) << r.out;

    // Keel's own appraisal of an evidence file applies the same rule.
    r = verify_evidence(evidence::write_evidence(document_), unrestricted_pub_);
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "not a restricted signing key")) << r.out;
}

}  // namespace
}  // namespace keel::test
