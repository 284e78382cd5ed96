// Quote signatures and PCR digests: the swtpm vectors verify and their PCR
// values hash to the quoted digest; any change to signature, message, key,
// scheme or PCR values is caught.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/quote_check.hpp"
#include "attestation/evidence/tpm2_tools_files.hpp"
#include "vectors.hpp"

namespace keel::evidence {
namespace {

using eventlog::alg_sha1;
using eventlog::alg_sha256;
using eventlog::alg_sha384;
using test::parse_error;
using test::Pkey;
using test::read_public_key;
using test::vectors;

constexpr const char* does_not_verify = "the signature does not verify with the attestation key";

Pkey key_of(const std::string& vector) { return read_public_key(vector + ".akpub.pem"); }

TEST(SignatureCheck, EveryVectorVerifies) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        EXPECT_EQ(signature_problem(key_of(v.name).get(), v.msg, parse_signature(v.sig)), "");
    }
}

TEST(SignatureCheck, EverySignatureByteFlipFails) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        const Pkey key = key_of(v.name);
        const Signature good = parse_signature(v.sig);
        auto flip_each = [&](Bytes Signature::*field) {
            for (std::size_t i = 0; i < (good.*field).size(); ++i) {
                Signature bad = good;
                (bad.*field)[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
                EXPECT_EQ(signature_problem(key.get(), v.msg, bad), does_not_verify) << "byte " << i;
            }
        };
        flip_each(&Signature::rsa_signature);
        flip_each(&Signature::ecdsa_r);
        flip_each(&Signature::ecdsa_s);
    }
}

TEST(SignatureCheck, EveryMessageByteFlipFails) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        const Pkey key = key_of(v.name);
        const Signature sig = parse_signature(v.sig);
        for (std::size_t i = 0; i < v.msg.size(); ++i) {
            Bytes msg = v.msg;
            msg[i] ^= 0x80;
            EXPECT_EQ(signature_problem(key.get(), msg, sig), does_not_verify) << "byte " << i;
        }
    }
}

TEST(SignatureCheck, AnotherKeyOfTheSameTypeFails) {
    const auto& ssa = test::vector("rsassa");
    EXPECT_EQ(signature_problem(key_of("rsapss").get(), ssa.msg, parse_signature(ssa.sig)), does_not_verify);
    const auto& ec = test::vector("ecdsa");
    EXPECT_EQ(signature_problem(key_of("ecdsa384").get(), ec.msg, parse_signature(ec.sig)), does_not_verify);
}

TEST(SignatureCheck, SchemeMustFitTheKeyType) {
    const auto& ssa = test::vector("rsassa");
    EXPECT_EQ(signature_problem(key_of("ecdsa").get(), ssa.msg, parse_signature(ssa.sig)),
              "an RSASSA signature needs an RSA key, not EC");
    const auto& ec = test::vector("ecdsa");
    EXPECT_EQ(signature_problem(key_of("rsassa").get(), ec.msg, parse_signature(ec.sig)),
              "an ECDSA signature needs an EC key, not RSA");
}

TEST(SignatureCheck, PssAndPkcs1AreNotInterchangeable) {
    const auto& ssa = test::vector("rsassa");
    Signature as_pss = parse_signature(ssa.sig);
    as_pss.sig_alg = 0x0016;
    EXPECT_EQ(signature_problem(key_of("rsassa").get(), ssa.msg, as_pss), does_not_verify);
    const auto& pss = test::vector("rsapss");
    Signature as_ssa = parse_signature(pss.sig);
    as_ssa.sig_alg = 0x0014;
    EXPECT_EQ(signature_problem(key_of("rsapss").get(), pss.msg, as_ssa), does_not_verify);
}

TEST(SignatureCheck, HashMustBeTheOneSignedWith) {
    const auto& v = test::vector("rsassa");
    Signature sig = parse_signature(v.sig);
    sig.hash_alg = alg_sha384;
    EXPECT_EQ(signature_problem(key_of("rsassa").get(), v.msg, sig), does_not_verify);
    sig.hash_alg = eventlog::alg_sm3_256;
    EXPECT_EQ(signature_problem(key_of("rsassa").get(), v.msg, sig),
              "the signature's hash algorithm sm3_256 is not sha1, sha256, sha384 or sha512");
}

TEST(SignatureCheck, UnsupportedSchemeNoKeyWrongLength) {
    const auto& v = test::vector("rsassa");
    const Pkey key = key_of("rsassa");
    Signature sig = parse_signature(v.sig);
    EXPECT_EQ(signature_problem(nullptr, v.msg, sig), "no attestation key to check the signature with");
    sig.rsa_signature.pop_back();
    EXPECT_EQ(signature_problem(key.get(), v.msg, sig),
              "the RSA signature has 255 bytes, but the key's modulus has 256");
    sig.sig_alg = 0x0005;
    EXPECT_EQ(signature_problem(key.get(), v.msg, sig), "signature algorithm 0x0005 is not RSASSA, RSAPSS or ECDSA");
}

// Keys made here, so that signatures can have the salt lengths and r/s forms
// that the swtpm vectors happen not to have.
Pkey generate(const char* type, const char* param) {
    if (std::string(type) == "RSA") return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
    return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", param));
}

Bytes sign(EVP_PKEY* key, const Bytes& msg, int padding, int salt) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key), 1);
    if (padding) {
        EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, padding), 1);
        if (padding == RSA_PKCS1_PSS_PADDING) { EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt), 1); }
    }
    std::size_t size = 0;
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &size, msg.data(), msg.size()), 1);
    Bytes sig(size);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &size, msg.data(), msg.size()), 1);
    sig.resize(size);
    return sig;
}

TEST(SignatureCheck, PssWithAnySaltLength) {
    const Pkey key = generate("RSA", nullptr);
    const Bytes& msg = test::vector("rsapss").msg;
    // TPMs use the digest size (swtpm, many dTPMs) or the maximum (some fTPMs).
    for (int salt : {RSA_PSS_SALTLEN_DIGEST, RSA_PSS_SALTLEN_MAX, 0, 20}) {
        SCOPED_TRACE(salt);
        Signature sig{0x0016, alg_sha256, sign(key.get(), msg, RSA_PKCS1_PSS_PADDING, salt), {}, {}};
        EXPECT_EQ(signature_problem(key.get(), msg, sig), "");
        sig.rsa_signature[100] ^= 1;
        EXPECT_EQ(signature_problem(key.get(), msg, sig), does_not_verify);
    }
}

// r and s as a TPM sends them: big-endian, padded to the curve size.
void split_ecdsa(const Bytes& der, Bytes& r, Bytes& s, std::size_t size) {
    const unsigned char* p = der.data();
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())),
                                                              ECDSA_SIG_free);
    ASSERT_TRUE(sig);
    r.assign(size, 0);
    s.assign(size, 0);
    ASSERT_EQ(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), r.data(), static_cast<int>(size)), static_cast<int>(size));
    ASSERT_EQ(BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), s.data(), static_cast<int>(size)), static_cast<int>(size));
}

TEST(SignatureCheck, EcdsaRAndSWithLeadingZerosOrTopBitSet) {
    const Pkey key = generate("EC", "P-256");
    const Bytes& msg = test::vector("ecdsa").msg;
    bool leading_zero = false, top_bit = false;
    // About one signature in 128 has a zero first byte in r or s.
    for (int i = 0; i < 5000 && !(leading_zero && top_bit); ++i) {
        Signature sig{0x0018, alg_sha256, {}, {}, {}};
        split_ecdsa(sign(key.get(), msg, 0, 0), sig.ecdsa_r, sig.ecdsa_s, 32);
        if (sig.ecdsa_r[0] & 0x80) {
            top_bit = true;
            EXPECT_EQ(signature_problem(key.get(), msg, sig), "");
        }
        for (Bytes* part : {&sig.ecdsa_r, &sig.ecdsa_s}) {
            if ((*part)[0] != 0) continue;
            leading_zero = true;
            EXPECT_EQ(signature_problem(key.get(), msg, sig), "");  // fixed size, as TPMs send it
            Signature stripped = sig;
            Bytes& p = part == &sig.ecdsa_r ? stripped.ecdsa_r : stripped.ecdsa_s;
            p.erase(p.begin());
            EXPECT_EQ(signature_problem(key.get(), msg, stripped), "");  // minimal, as some stacks send it
        }
    }
    EXPECT_TRUE(leading_zero);
    EXPECT_TRUE(top_bit);
}

TEST(PcrDigest, EveryVectorsValuesGiveTheQuotedDigest) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        const Attest a = parse_attest(v.msg);
        const auto pcrs = parse_tpm2_tools_pcrs(v.pcrs);
        EXPECT_EQ(pcr_digest(v.hash_alg, a.pcr_select, pcrs.values), a.pcr_digest);
    }
}

TEST(PcrDigest, ChangingAnySelectedPcrChangesIt) {
    for (const char* name : {"rsassa", "rsapss"}) {
        const auto& v = test::vector(name);
        const Attest a = parse_attest(v.msg);
        const auto values = parse_tpm2_tools_pcrs(v.pcrs).values;
        for (const auto& bank : a.pcr_select)
            for (std::uint32_t pcr : bank.pcrs) {
                PcrValues changed = values;
                changed[bank.hash_alg][pcr][0] ^= 1;
                const auto digest = pcr_digest(v.hash_alg, a.pcr_select, changed);
                ASSERT_TRUE(digest);
                EXPECT_NE(*digest, a.pcr_digest) << name << " bank " << bank.hash_alg << " PCR " << pcr;
            }
    }
}

TEST(PcrDigest, BanksInSelectionOrder) {
    const auto& v = test::vector("rsapss");
    const Attest a = parse_attest(v.msg);
    const auto values = parse_tpm2_tools_pcrs(v.pcrs).values;
    const std::vector<PcrSelection> swapped{a.pcr_select[1], a.pcr_select[0]};
    EXPECT_NE(pcr_digest(v.hash_alg, swapped, values), a.pcr_digest);
}

TEST(PcrDigest, ValuesOutsideTheSelectionDoNotMatter) {
    const auto& v = test::vector("rsassa");
    const Attest a = parse_attest(v.msg);
    PcrValues values = parse_tpm2_tools_pcrs(v.pcrs).values;
    values[alg_sha256][23] = Bytes(32, 0x23);
    values[alg_sha1][0] = Bytes(20, 0x01);
    EXPECT_EQ(pcr_digest(v.hash_alg, a.pcr_select, values), a.pcr_digest);
}

TEST(PcrDigest, MissingOrMalformedValuesGiveNothing) {
    const auto& v = test::vector("rsapss");
    const Attest a = parse_attest(v.msg);
    const PcrValues values = parse_tpm2_tools_pcrs(v.pcrs).values;
    ASSERT_TRUE(pcr_digest(v.hash_alg, a.pcr_select, values));

    PcrValues missing_pcr = values;
    missing_pcr[alg_sha256].erase(17);
    EXPECT_EQ(pcr_digest(v.hash_alg, a.pcr_select, missing_pcr), std::nullopt);
    PcrValues missing_bank = values;
    missing_bank.erase(alg_sha1);
    EXPECT_EQ(pcr_digest(v.hash_alg, a.pcr_select, missing_bank), std::nullopt);
    PcrValues short_value = values;
    short_value[alg_sha1][2].pop_back();
    EXPECT_EQ(pcr_digest(v.hash_alg, a.pcr_select, short_value), std::nullopt);
    PcrValues long_value = values;
    long_value[alg_sha256][0].push_back(0);
    EXPECT_EQ(pcr_digest(v.hash_alg, a.pcr_select, long_value), std::nullopt);
    EXPECT_EQ(pcr_digest(eventlog::alg_sm3_256, a.pcr_select, values), std::nullopt);
    EXPECT_EQ(pcr_digest(0x0001, a.pcr_select, values), std::nullopt);
}

TEST(PcrDigest, EmptySelectionIsTheHashOfNothing) {
    // SHA-256 of the empty string.
    const auto digest = pcr_digest(alg_sha256, {}, {});
    ASSERT_TRUE(digest);
    EXPECT_EQ(eventlog::to_hex(*digest), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(PcrValuesFromLists, DigestsFillTheSelectionInOrder) {
    const std::vector<PcrSelection> selection{{alg_sha1, {3}}, {alg_sha256, {0, 7}}};
    const PcrValues values = pcr_values_from_lists(selection, {Bytes(20, 1), Bytes(32, 2), Bytes(32, 3)});
    EXPECT_EQ(values,
              (PcrValues{{alg_sha1, {{3, Bytes(20, 1)}}}, {alg_sha256, {{0, Bytes(32, 2)}, {7, Bytes(32, 3)}}}}));
}

TEST(PcrValuesFromLists, CountsAndSizesMustFit) {
    const std::vector<PcrSelection> selection{{alg_sha1, {3}}, {alg_sha256, {0, 7}}};
    EXPECT_EQ(parse_error([&] {
                  pcr_values_from_lists(selection, {Bytes(20, 1), Bytes(32, 2)});
              }),
              "TPML_DIGEST: 2 digests for a selection of 3 PCRs");
    EXPECT_EQ(parse_error([&] { pcr_values_from_lists(selection, std::vector<Bytes>(4, Bytes(32))); }),
              "TPML_DIGEST: 4 digests for a selection of 3 PCRs");
    EXPECT_EQ(parse_error([&] {
                  pcr_values_from_lists(selection, {Bytes(20), Bytes(32), Bytes(20)});
              }),
              "TPML_DIGEST: the sha256 value of PCR 7 has 20 bytes, not 32");
    EXPECT_EQ(parse_error([&] {
                  pcr_values_from_lists({{alg_sha256, {1}}, {alg_sha256, {2}}}, {Bytes(32), Bytes(32)});
              }),
              "TPML_PCR_SELECTION: bank sha256 appears twice");
    EXPECT_EQ(parse_error([&] {
                  pcr_values_from_lists({{0x0099, {1}}}, {Bytes(32)});
              }),
              "TPML_PCR_SELECTION: bank 0x0099 is not a hash algorithm with a known digest size");
    EXPECT_EQ(parse_error([&] {
                  pcr_values_from_lists({{alg_sha256, {2, 1}}}, {Bytes(32), Bytes(32)});
              }),
              "TPML_PCR_SELECTION: the PCRs of bank sha256 are not distinct, ascending and below 32");
}

}  // namespace
}  // namespace keel::evidence
