// TPM structures from untrusted bytes: the tpm2_quote vectors parse to what
// tpm2_quote was asked for, and every kind of malformed input is a ParseError
// that names the structure.
#include <gtest/gtest.h>
#include <random>
#include <stdexcept>
#include <tss2/tss2_mu.h>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/evidence/tpm_types.hpp"
#include "vectors.hpp"

namespace keel::evidence {
namespace {

using eventlog::alg_sha1;
using eventlog::alg_sha256;
using test::parse_error;
using test::vectors;

std::vector<std::uint32_t> range(std::uint32_t first, std::uint32_t last) {
    std::vector<std::uint32_t> v;
    for (auto i = first; i <= last; ++i) v.push_back(i);
    return v;
}

Bytes prefix(const Bytes& b, std::size_t n) { return Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)); }

// Offset of clockInfo.safe in a marshalled TPMS_ATTEST: magic, type,
// qualifiedSigner, extraData, then clock, resetCount, restartCount.
std::size_t safe_offset(const Bytes& msg) {
    const Attest a = parse_attest(msg);
    return 4 + 2 + 2 + a.qualified_signer.size() + 2 + a.extra_data.size() + 8 + 4 + 4;
}

TEST(Attest, VectorsHoldTheQuoteTpm2QuoteWasAskedFor) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        const Attest a = parse_attest(v.msg);
        EXPECT_EQ(a.magic, tpm_generated_value);
        EXPECT_EQ(a.type, st_attest_quote);
        EXPECT_EQ(a.extra_data, v.nonce);
        EXPECT_EQ(a.pcr_digest.size(), eventlog::known_digest_size(v.hash_alg));
        EXPECT_FALSE(a.qualified_signer.empty());
        EXPECT_TRUE(a.clock_info.safe);
    }
    // make_vectors.sh: -l sha256:0,1,2,3,4,5,6,7,17,18,19 and sha1:0,1,2+sha256:0-23
    const std::vector<std::uint32_t> rsassa_pcrs{0, 1, 2, 3, 4, 5, 6, 7, 17, 18, 19};
    EXPECT_EQ(parse_attest(test::vector("rsassa").msg).pcr_select,
              (std::vector<PcrSelection>{{alg_sha256, rsassa_pcrs}}));
    EXPECT_EQ(parse_attest(test::vector("rsapss").msg).pcr_select,
              (std::vector<PcrSelection>{{alg_sha1, {0, 1, 2}}, {alg_sha256, range(0, 23)}}));
}

TEST(Attest, TruncatedAtEveryLength) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        EXPECT_EQ(parse_error([&] { parse_attest({}); }), "TPMS_ATTEST: the input is empty");
        for (std::size_t n = 1; n < v.msg.size(); ++n)
            EXPECT_EQ(parse_error([&] { parse_attest(prefix(v.msg, n)); }),
                      "TPMS_ATTEST: truncated: the input ends inside the structure after " + std::to_string(n) +
                          (n == 1 ? " byte" : " bytes"));
    }
}

TEST(Attest, TrailingBytes) {
    Bytes msg = test::vector("rsassa").msg;
    msg.push_back(0);
    EXPECT_EQ(parse_error([&] { parse_attest(msg); }), "TPMS_ATTEST: 1 byte after the end of the structure");
    msg.push_back(0);
    EXPECT_EQ(parse_error([&] { parse_attest(msg); }), "TPMS_ATTEST: 2 bytes after the end of the structure");
}

TEST(Attest, UnknownType) {
    Bytes msg = test::vector("rsassa").msg;
    msg[4] = 0x81;
    msg[5] = 0x99;
    EXPECT_EQ(parse_error([&] { parse_attest(msg); }), "TPMS_ATTEST: unknown attestation type 0x8199");
}

TEST(Attest, NameLongerThanAnyName) {
    Bytes msg = test::vector("rsassa").msg;
    ASSERT_EQ(msg[6], 0);
    msg[7] = sizeof(TPMU_NAME) + 1;  // qualifiedSigner.size; enough bytes follow
    EXPECT_EQ(parse_error([&] { parse_attest(msg); }),
              "TPMS_ATTEST: a TPM2B size field exceeds the size of its buffer");
}

TEST(Attest, SafeMustBeYesOrNo) {
    Bytes msg = test::vector("ecdsa").msg;
    const std::size_t at = safe_offset(msg);
    ASSERT_EQ(msg[at], 1);
    msg[at] = 0;
    EXPECT_FALSE(parse_attest(msg).clock_info.safe);
    msg[at] = 2;
    EXPECT_EQ(parse_error([&] { parse_attest(msg); }), "TPMS_ATTEST: clockInfo.safe is 2, neither YES nor NO");
}

TEST(Attest, QuoteWithARepeatedBank) {
    Bytes msg = test::vector("rsapss").msg;
    // After safe: firmwareVersion, then the TPML_PCR_SELECTION count and its
    // entries {hash, sizeofSelect, 3 bytes}: make the second bank sha1 too.
    const std::size_t second_hash = safe_offset(msg) + 1 + 8 + 4 + 6;
    ASSERT_EQ(msg[second_hash + 1], alg_sha256);
    msg[second_hash + 1] = alg_sha1;
    EXPECT_EQ(parse_error([&] { parse_attest(msg); }), "TPMS_ATTEST: bank sha1 appears twice");
}

TEST(Attest, TooLongForAnyStructure) {
    const Bytes big(4097, 0);
    EXPECT_EQ(parse_error([&] { parse_attest(big); }),
              "TPMS_ATTEST: 4097 bytes, more than the 4096 Keel accepts for any TPM structure");
}

TEST(Attest, OtherTypesHaveNoQuoteFields) {
    TPMS_ATTEST t{};
    t.magic = tpm_generated_value;
    t.type = TPM2_ST_ATTEST_CERTIFY;
    t.extraData.size = 3;
    t.attested.certify.name.size = 2;
    t.clockInfo.safe = 1;
    Bytes bytes(sizeof t);
    std::size_t offset = 0;
    ASSERT_EQ(Tss2_MU_TPMS_ATTEST_Marshal(&t, bytes.data(), bytes.size(), &offset), TSS2_RC_SUCCESS);
    bytes.resize(offset);
    const Attest a = parse_attest(bytes);
    EXPECT_EQ(a.type, TPM2_ST_ATTEST_CERTIFY);
    EXPECT_EQ(a.extra_data, Bytes(3, 0));
    EXPECT_TRUE(a.pcr_select.empty());
    EXPECT_TRUE(a.pcr_digest.empty());
}

// Every parser either returns or throws ParseError on the vectors with a few
// random bytes changed; the same seed every run, so a failure reproduces.
TEST(Parsers, MutatedVectorsParseOrThrowParseError) {
    std::vector<Bytes> seeds{marshal_pcr_selection({{alg_sha1, {0, 1}}, {alg_sha256, {7}}}),
                             marshal_digest_list({Bytes(20, 1), Bytes(32, 2)})};
    for (const auto& v : vectors()) {
        seeds.push_back(v.msg);
        seeds.push_back(v.sig);
    }
    std::mt19937 rng(20240601);
    std::size_t parsed = 0, rejected = 0;
    for (int i = 0; i < 4000; ++i) {
        Bytes b = seeds[rng() % seeds.size()];
        for (int changes = 1 + rng() % 3; changes > 0; --changes)
            b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        for (auto parse :
             {+[](const Bytes& b) { parse_attest(b); }, +[](const Bytes& b) { parse_signature(b); },
              +[](const Bytes& b) { parse_pcr_selection(b); }, +[](const Bytes& b) { parse_digest_list(b); }}) {
            try {
                parse(b);
                ++parsed;
            } catch (const ParseError&) { ++rejected; }
        }
    }
    EXPECT_GT(parsed, 0u);
    EXPECT_GT(rejected, 0u);
}

TEST(Signature, Vectors) {
    const Signature ssa = parse_signature(test::vector("rsassa").sig);
    EXPECT_EQ(ssa.sig_alg, TPM2_ALG_RSASSA);
    EXPECT_EQ(ssa.hash_alg, alg_sha256);
    EXPECT_EQ(ssa.rsa_signature.size(), 256u);
    EXPECT_TRUE(ssa.ecdsa_r.empty() && ssa.ecdsa_s.empty());

    const Signature pss = parse_signature(test::vector("rsapss").sig);
    EXPECT_EQ(pss.sig_alg, TPM2_ALG_RSAPSS);
    EXPECT_EQ(pss.rsa_signature.size(), 256u);

    for (auto [name, hash, size] : {std::tuple{"ecdsa", alg_sha256, 32u}, {"ecdsa384", eventlog::alg_sha384, 48u}}) {
        const Signature ec = parse_signature(test::vector(name).sig);
        EXPECT_EQ(ec.sig_alg, TPM2_ALG_ECDSA);
        EXPECT_EQ(ec.hash_alg, hash);
        EXPECT_EQ(ec.ecdsa_r.size(), size);
        EXPECT_EQ(ec.ecdsa_s.size(), size);
        EXPECT_TRUE(ec.rsa_signature.empty());
    }
}

TEST(Signature, TruncatedAtEveryLength) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        EXPECT_EQ(parse_error([&] { parse_signature({}); }), "TPMT_SIGNATURE: the input is empty");
        for (std::size_t n = 1; n < v.sig.size(); ++n)
            EXPECT_EQ(parse_error([&] { parse_signature(prefix(v.sig, n)); }).rfind("TPMT_SIGNATURE: truncated", 0),
                      0u);
    }
}

TEST(Signature, TrailingByte) {
    Bytes sig = test::vector("ecdsa").sig;
    sig.push_back(0x42);
    EXPECT_EQ(parse_error([&] { parse_signature(sig); }), "TPMT_SIGNATURE: 1 byte after the end of the structure");
}

TEST(Signature, UnsupportedAlgorithms) {
    Bytes hmac{0x00, 0x05, 0x00, 0x0b};
    hmac.resize(4 + 32, 0xab);
    EXPECT_EQ(parse_error([&] { parse_signature(hmac); }), "TPMT_SIGNATURE: unsupported signature algorithm 0x0005");
    EXPECT_EQ(parse_error([&] {
                  parse_signature(Bytes{0x00, 0x10});
              }),
              "TPMT_SIGNATURE: unsupported signature algorithm 0x0010");  // TPM_ALG_NULL
    Bytes ecdaa = test::vector("ecdsa").sig;
    ecdaa[1] = 0x1a;
    EXPECT_EQ(parse_error([&] { parse_signature(ecdaa); }), "TPMT_SIGNATURE: unsupported signature algorithm 0x001a");
}

TEST(Signature, RsaSignatureLongerThanAnyKey) {
    Bytes sig = test::vector("rsassa").sig;  // sigAlg, hash, size 0x0100, 256 bytes
    sig[4] = 0x02;
    sig[5] = 0x01;  // 513 > TPM2_MAX_RSA_KEY_BYTES
    sig.resize(6 + 513, 0);
    EXPECT_EQ(parse_error([&] { parse_signature(sig); }),
              "TPMT_SIGNATURE: a TPM2B size field exceeds the size of its buffer");
}

TEST(PcrSelection, MarshalsAndParsesBack) {
    const std::vector<PcrSelection> selection{{alg_sha1, {0, 1, 2}}, {alg_sha256, range(0, 23)}};
    const Bytes bytes = marshal_pcr_selection(selection);
    EXPECT_EQ(bytes, (Bytes{0, 0, 0, 2, 0x00, 0x04, 3, 0x07, 0, 0, 0x00, 0x0b, 3, 0xff, 0xff, 0xff}));
    EXPECT_EQ(parse_pcr_selection(bytes), selection);
    EXPECT_TRUE(parse_pcr_selection(marshal_pcr_selection({})).empty());
}

TEST(PcrSelection, FourSelectBytesReachPcr31) {
    const Bytes bytes{0, 0, 0, 1, 0x00, 0x0b, 4, 0x01, 0, 0, 0x80};
    EXPECT_EQ(parse_pcr_selection(bytes), (std::vector<PcrSelection>{{alg_sha256, {0, 31}}}));
    EXPECT_EQ(marshal_pcr_selection({{alg_sha256, {0, 31}}}), bytes);
}

TEST(PcrSelection, EmptyBitmap) {
    EXPECT_EQ(parse_pcr_selection(Bytes{0, 0, 0, 1, 0x00, 0x0b, 0}), (std::vector<PcrSelection>{{alg_sha256, {}}}));
}

TEST(PcrSelection, MoreThanFourSelectBytes) {
    const Bytes bytes{0, 0, 0, 1, 0x00, 0x0b, 5, 0xff, 0xff, 0xff, 0xff, 0x01};
    EXPECT_EQ(parse_error([&] { parse_pcr_selection(bytes); }),
              "TPML_PCR_SELECTION: a count or size field exceeds its maximum");
}

TEST(PcrSelection, MoreThanSixteenBanks) {
    Bytes bytes{0, 0, 0, 17};
    for (int i = 0; i < 17; ++i) bytes.insert(bytes.end(), {0x00, static_cast<std::uint8_t>(i), 0});
    EXPECT_EQ(parse_error([&] { parse_pcr_selection(bytes); }),
              "TPML_PCR_SELECTION: a count or size field exceeds its maximum");
}

TEST(PcrSelection, RepeatedBank) {
    const Bytes bytes{0, 0, 0, 2, 0x00, 0x0b, 3, 0x01, 0, 0, 0x00, 0x0b, 3, 0x02, 0, 0};
    EXPECT_EQ(parse_error([&] { parse_pcr_selection(bytes); }), "TPML_PCR_SELECTION: bank sha256 appears twice");
}

TEST(PcrSelection, TruncatedAndTrailing) {
    const Bytes bytes = marshal_pcr_selection({{alg_sha1, {0}}, {alg_sha256, {7, 8}}});
    for (std::size_t n = 1; n < bytes.size(); ++n)
        EXPECT_EQ(parse_error([&] { parse_pcr_selection(prefix(bytes, n)); }).rfind("TPML_PCR_SELECTION: truncated", 0),
                  0u);
    Bytes longer = bytes;
    longer.push_back(0);
    EXPECT_EQ(parse_error([&] { parse_pcr_selection(longer); }),
              "TPML_PCR_SELECTION: 1 byte after the end of the structure");
}

TEST(PcrSelection, MarshalRejectsWhatNoSelectionHolds) {
    EXPECT_THROW(marshal_pcr_selection({{alg_sha256, {32}}}), std::invalid_argument);
    EXPECT_THROW(marshal_pcr_selection(std::vector<PcrSelection>(17, {alg_sha256, {0}})), std::invalid_argument);
}

TEST(DigestList, MarshalsAndParsesBack) {
    std::vector<Bytes> digests;
    for (std::uint8_t i = 0; i < 8; ++i) digests.emplace_back(i * 8u + 8u, i);
    const Bytes bytes = marshal_digest_list(digests);
    EXPECT_EQ(parse_digest_list(bytes), digests);
    EXPECT_TRUE(parse_digest_list(marshal_digest_list({})).empty());
}

TEST(DigestList, MoreThanEightDigests) {
    Bytes bytes{0, 0, 0, 9};
    for (int i = 0; i < 9; ++i) bytes.insert(bytes.end(), {0, 0});
    EXPECT_EQ(parse_error([&] { parse_digest_list(bytes); }), "TPML_DIGEST: a count or size field exceeds its maximum");
}

TEST(DigestList, DigestLongerThanAnyHash) {
    Bytes bytes{0, 0, 0, 1, 0, 65};
    bytes.resize(bytes.size() + 65, 0x11);
    EXPECT_EQ(parse_error([&] { parse_digest_list(bytes); }),
              "TPML_DIGEST: a TPM2B size field exceeds the size of its buffer");
}

TEST(DigestList, TruncatedAndTrailing) {
    const Bytes bytes = marshal_digest_list({Bytes(20, 1), Bytes(32, 2)});
    for (std::size_t n = 1; n < bytes.size(); ++n)
        EXPECT_EQ(parse_error([&] { parse_digest_list(prefix(bytes, n)); }).rfind("TPML_DIGEST: truncated", 0), 0u);
    Bytes longer = bytes;
    longer.insert(longer.end(), {0, 0, 0});
    EXPECT_EQ(parse_error([&] { parse_digest_list(longer); }), "TPML_DIGEST: 3 bytes after the end of the structure");
}

TEST(DigestList, MarshalRejectsWhatNoListHolds) {
    EXPECT_THROW(marshal_digest_list(std::vector<Bytes>(9, Bytes(32))), std::invalid_argument);
    EXPECT_THROW(marshal_digest_list({Bytes(65)}), std::invalid_argument);
}

}  // namespace
}  // namespace keel::evidence
