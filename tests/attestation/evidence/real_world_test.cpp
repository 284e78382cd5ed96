// Quotes from real TPMs (copies in tests/data/evidence/real-world, see the
// README there): each signature verifies with its AK, the nonce is the one
// the upstream test used, and the PCR values published with the quote hash
// to its pcrDigest, with the signature's hash over banks in selection order.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/evidence/quote_check.hpp"
#include "vectors.hpp"

namespace keel::evidence {
namespace {

using test::read_file;
using test::read_public_key;

struct Quote {
    Attest attest;
    Signature signature;
    std::string problem;
};

Quote check(const std::string& dir, const std::string& stem, const std::string& key) {
    const Bytes msg = read_file(dir + "/" + stem + ".tpms_attest.bin");
    Quote q{parse_attest(msg), parse_signature(read_file(dir + "/" + stem + ".tpmt_signature.bin")), {}};
    q.problem = signature_problem(read_public_key(dir + "/" + key).get(), msg, q.signature);
    return q;
}

void expect_digest_and_a_changed_value_fails(const Quote& q, PcrValues values) {
    EXPECT_EQ(pcr_digest(q.signature.hash_alg, q.attest.pcr_select, values), q.attest.pcr_digest);
    auto& first = values[q.attest.pcr_select.front().hash_alg][q.attest.pcr_select.front().pcrs.front()];
    first.back() ^= 1;
    EXPECT_NE(pcr_digest(q.signature.hash_alg, q.attest.pcr_select, values), q.attest.pcr_digest);
}

TEST(RealWorld, GceVtpmQuotesInThreeBanks) {
    const std::string dir = "real-world/gce-cos-85-nonce9009";
    const auto decoded = test::read_json(dir + "/decoded.json");
    ASSERT_EQ(decoded["quotes"].size(), 3u);
    for (const auto& entry : decoded["quotes"]) {
        const std::string file = entry["tpms_attest"];
        SCOPED_TRACE(file);
        const Quote q = check(dir, file.substr(0, file.find('.')), "ak_pub.pem");
        EXPECT_EQ(q.problem, "");
        EXPECT_EQ(q.signature.sig_alg, 0x0014);
        EXPECT_EQ(q.signature.hash_alg, eventlog::alg_sha256);
        EXPECT_EQ(q.attest.extra_data, read_file(dir + "/nonce.bin"));
        // One bank per quote, all 24 PCRs.
        const auto bank = eventlog::algorithm_from_name(entry["pcr_hash_alg"].get<std::string>());
        ASSERT_TRUE(bank);
        ASSERT_EQ(q.attest.pcr_select.size(), 1u);
        EXPECT_EQ(q.attest.pcr_select[0].hash_alg, *bank);
        EXPECT_EQ(q.attest.pcr_select[0].pcrs.size(), 24u);
        const nlohmann::json banks{{entry["pcr_hash_alg"].get<std::string>(), entry["pcrs"]}};
        expect_digest_and_a_changed_value_fails(q, test::values_from_json(banks));
    }
}

TEST(RealWorld, WindowsGcpQuoteSignedWithSha1AndNoNonce) {
    const std::string dir = "real-world/windows-gcp-shielded-vm";
    const Quote q = check(dir, "quote", "ak_pub.pem");
    EXPECT_EQ(q.problem, "");
    EXPECT_EQ(q.signature.sig_alg, 0x0014);
    EXPECT_EQ(q.signature.hash_alg, eventlog::alg_sha1);
    EXPECT_TRUE(q.attest.extra_data.empty());
    const PcrValues values = test::values_from_json(test::read_json(dir + "/pcrs.json"));
    expect_digest_and_a_changed_value_fails(q, values);
    // The digest uses the signature's hash (sha1), not the AK's nameAlg (sha256).
    EXPECT_NE(pcr_digest(eventlog::alg_sha256, q.attest.pcr_select, values), q.attest.pcr_digest);
}

TEST(RealWorld, IntelSeclTxtServerQuoteInTwoBanks) {
    const std::string dir = "real-world/intel-secl-purley-txt";
    const Quote q = check(dir, "quote", "aik_cert.pem");
    EXPECT_EQ(q.problem, "");
    EXPECT_EQ(q.signature.hash_alg, eventlog::alg_sha256);
    // The verifier sent SHA-256 of its nonce as qualifying data.
    const Bytes nonce = read_file(dir + "/nonce_raw.bin");
    Bytes hashed(32);
    ASSERT_EQ(EVP_Digest(nonce.data(), nonce.size(), hashed.data(), nullptr, EVP_sha256(), nullptr), 1);
    EXPECT_EQ(q.attest.extra_data, hashed);
    EXPECT_EQ(q.attest.extra_data, read_file(dir + "/extraData_expected.bin"));
    // sha256 bank first, then sha1: the order the digest is taken in.
    ASSERT_EQ(q.attest.pcr_select.size(), 2u);
    EXPECT_EQ(q.attest.pcr_select[0].hash_alg, eventlog::alg_sha256);
    EXPECT_EQ(q.attest.pcr_select[1].hash_alg, eventlog::alg_sha1);
    expect_digest_and_a_changed_value_fails(q, test::values_from_json(test::read_json(dir + "/pcrs.json")));
}

TEST(RealWorld, AnotherAkDoesNotVerify) {
    const std::string gce = "real-world/gce-cos-85-nonce9009";
    const Bytes msg = read_file(gce + "/quote1.tpms_attest.bin");
    const Signature sig = parse_signature(read_file(gce + "/quote1.tpmt_signature.bin"));
    EXPECT_EQ(signature_problem(read_public_key("real-world/windows-gcp-shielded-vm/ak_pub.pem").get(), msg, sig),
              "the signature does not verify with the attestation key");
}

}  // namespace
}  // namespace keel::evidence
