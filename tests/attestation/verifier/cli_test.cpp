// keel verify as a process on software-made evidence and tpm2-tools files
// (synthetic_launch.hpp): exit status 0 trusted, 1 not trusted, 2 bad input.
// Documents that repeat a member are bad input; a quote signed by a key whose
// TPM2B_PUBLIC shows it is not a restricted signing key is not trusted.
#include "cli_fixture.hpp"

namespace keel::test {
namespace {

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
