// quote(): every allocated bank, values that belong to the quote in the
// order of its selection, a signature tpm2_checkquote accepts.
#include <gtest/gtest.h>
#include <tss2/tss2_mu.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "attestation/tpm/attester.hpp"
#include "swtpm_fixture.hpp"
#include "test_support.hpp"

namespace keel::test {
namespace {

using tpm::AkScheme;
using tpm::Attester;
using tpm::EkType;

template <class T> T unmarshal(const Bytes& bytes, TSS2_RC (*fn)(const std::uint8_t*, std::size_t, std::size_t*, T*)) {
    T value;
    std::memset(&value, 0, sizeof value);  // padding too: the structs are written to tpm2-tools' files as they are
    std::size_t offset = 0;
    EXPECT_EQ(fn(bytes.data(), bytes.size(), &offset, &value), TSS2_RC_SUCCESS);
    EXPECT_EQ(offset, bytes.size()) << "bytes after the structure";
    return value;
}

const std::vector<std::uint32_t> all_pcrs = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                             12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23};
const std::vector<std::pair<std::uint16_t, const char*>> banks = {
    {TPM2_ALG_SHA1, "SHA1"}, {TPM2_ALG_SHA256, "SHA256"}, {TPM2_ALG_SHA384, "SHA384"}};

Bytes nonce_of(std::size_t size, std::uint8_t seed) {
    Bytes nonce(size);
    for (std::size_t i = 0; i < size; ++i) nonce[i] = static_cast<std::uint8_t>(seed + 31 * i);
    return nonce;
}

// A launch, then a different value in every PCR of every bank, so that a
// value in the wrong place changes the PCR digest.
void give_every_pcr_its_own_value(Swtpm& swtpm) {
    swtpm.hash_sequence(nonce_of(3000, 1));
    for (std::uint32_t pcr = 0; pcr < 24; ++pcr) {
        const Bytes event = {'p', 'c', 'r', std::uint8_t(pcr)};
        std::map<std::uint16_t, Bytes> digests;
        for (auto [bank, name] : banks) digests[bank] = digest(name, event);
        swtpm.extend(pcr, 2, digests);
    }
}

struct ParsedQuote {
    TPML_PCR_SELECTION selection;
    std::vector<TPML_DIGEST> lists;
    Bytes values;  // every digest, concatenated in order
    std::size_t value_count = 0;
    TPMS_ATTEST attest;
};

ParsedQuote parse(const tpm::Quote& quote) {
    ParsedQuote parsed;
    parsed.selection = unmarshal(quote.pcr_selection, Tss2_MU_TPML_PCR_SELECTION_Unmarshal);
    for (const Bytes& list : quote.pcr_values) {
        parsed.lists.push_back(unmarshal(list, Tss2_MU_TPML_DIGEST_Unmarshal));
        const TPML_DIGEST& digests = parsed.lists.back();
        EXPECT_GE(digests.count, 1u);
        EXPECT_LE(digests.count, 8u);
        for (std::uint32_t i = 0; i < digests.count; ++i)
            parsed.values.insert(parsed.values.end(), digests.digests[i].buffer,
                                 digests.digests[i].buffer + digests.digests[i].size);
        parsed.value_count += digests.count;
    }
    parsed.attest = unmarshal(quote.attest, Tss2_MU_TPMS_ATTEST_Unmarshal);
    return parsed;
}

std::vector<std::pair<std::uint16_t, std::uint32_t>> selected(const TPML_PCR_SELECTION& selection) {
    std::vector<std::pair<std::uint16_t, std::uint32_t>> slots;
    for (std::uint32_t b = 0; b < selection.count; ++b)
        for (std::uint32_t pcr = 0; pcr < 8u * selection.pcrSelections[b].sizeofSelect; ++pcr)
            if (selection.pcrSelections[b].pcrSelect[pcr / 8] >> (pcr % 8) & 1)
                slots.emplace_back(selection.pcrSelections[b].hash, pcr);
    return slots;
}

// tpm2_quote's -o file (format "serialized"): the TPML_PCR_SELECTION and
// TPML_DIGEST structs as they lie in memory, with a u32 count in between.
Bytes tpm2_tools_pcrs_file(const ParsedQuote& parsed) {
    auto raw = [](const auto& value) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(&value);
        return Bytes(bytes, bytes + sizeof value);
    };
    Bytes file = raw(parsed.selection);
    const auto count = static_cast<std::uint32_t>(parsed.lists.size());
    file.insert(file.end(), reinterpret_cast<const std::uint8_t*>(&count),
                reinterpret_cast<const std::uint8_t*>(&count) + sizeof count);
    for (const TPML_DIGEST& list : parsed.lists) {
        Bytes bytes = raw(list);
        file.insert(file.end(), bytes.begin(), bytes.end());
    }
    return file;
}

void write_ak_pem(const Swtpm& swtpm, const Bytes& ak_public) {
    const std::string pem = public_key_pem(ak_public);
    write_file(swtpm.dir() / "ak.pem", Bytes(pem.begin(), pem.end()));
}

// Signature, nonce and PCR digest, all checked by tpm2_checkquote.
ToolRun checkquote(const Swtpm& swtpm, const Bytes& ak_public, const tpm::Quote& quote, const Bytes& nonce) {
    const auto dir = swtpm.dir();
    write_ak_pem(swtpm, ak_public);
    write_file(dir / "attest.bin", quote.attest);
    write_file(dir / "signature.bin", quote.signature);
    write_file(dir / "pcrs.bin", tpm2_tools_pcrs_file(parse(quote)));
    return run_tool({"tpm2_checkquote", "-u", (dir / "ak.pem").string(), "-m", (dir / "attest.bin").string(), "-s",
                     (dir / "signature.bin").string(), "-f", (dir / "pcrs.bin").string(), "-g", "sha256", "-q",
                     hex(nonce)},
                    dir);
}

// tpm2_checkquote 5.4 rejects every RSAPSS quote (tpm2-tools issue #3283),
// so RSAPSS signatures go to OpenSSL, with the salt length read from the
// signature (TPMs differ in it). Nonce and PCR digest are checked by the
// test itself.
ToolRun openssl_verify_pss(const Swtpm& swtpm, const Bytes& ak_public, const Bytes& attest, const Bytes& signature) {
    const auto dir = swtpm.dir();
    write_ak_pem(swtpm, ak_public);
    const TPMT_SIGNATURE parsed = unmarshal(signature, Tss2_MU_TPMT_SIGNATURE_Unmarshal);
    EXPECT_EQ(parsed.sigAlg, TPM2_ALG_RSAPSS);
    const TPM2B_PUBLIC_KEY_RSA& sig = parsed.signature.rsapss.sig;
    write_file(dir / "signature.raw", Bytes(sig.buffer, sig.buffer + sig.size));
    write_file(dir / "attest.bin", attest);
    return run_tool({"openssl", "dgst", "-sha256", "-verify", (dir / "ak.pem").string(), "-sigopt",
                     "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:auto", "-signature",
                     (dir / "signature.raw").string(), (dir / "attest.bin").string()},
                    dir);
}

class QuoteAllPcrs : public testing::TestWithParam<std::tuple<EkType, AkScheme>> {};

TEST_P(QuoteAllPcrs, ThreeBanksInOrderAndVerified) {
    const auto [ek, ak] = GetParam();
    Swtpm swtpm;
    give_every_pcr_its_own_value(swtpm);
    const Bytes nonce = nonce_of(32, 7);
    tpm::Identity id;
    tpm::Quote quote;
    {
        Attester attester(attester_options(swtpm, ek, ak));
        id = attester.identity();
        quote = attester.quote(nonce, all_pcrs);
    }
    const ParsedQuote parsed = parse(quote);

    const auto slots = selected(parsed.selection);
    ASSERT_EQ(slots.size(), 72u);
    ASSERT_EQ(parsed.selection.count, 3u);
    for (std::uint32_t b = 0; b < 3; ++b) EXPECT_EQ(parsed.selection.pcrSelections[b].hash, banks[b].first);
    EXPECT_EQ(parsed.value_count, 72u);
    EXPECT_EQ(quote.pcr_values.size(), 9u) << "8 digests per TPM2_PCR_Read";

    const TPMS_ATTEST& attest = parsed.attest;
    EXPECT_EQ(attest.magic, TPM2_GENERATED_VALUE);
    EXPECT_EQ(attest.type, TPM2_ST_ATTEST_QUOTE);
    EXPECT_EQ(hex({attest.extraData.buffer, attest.extraData.size}), hex(nonce));
    EXPECT_EQ(selected(attest.attested.quote.pcrSelect), slots);
    EXPECT_EQ(hex({attest.attested.quote.pcrDigest.buffer, attest.attested.quote.pcrDigest.size}),
              hex(digest("SHA256", parsed.values)))
        << "the values, concatenated in selection order, are not what the TPM quoted";

    // The values are the TPM's, each in its place.
    std::size_t at = 0;
    for (auto [bank, pcr] : slots) {
        const Bytes value = swtpm.pcr_read(bank, pcr);
        EXPECT_EQ(hex({parsed.values.data() + at, value.size()}), hex(value)) << "bank " << bank << " PCR " << pcr;
        at += value.size();
    }

    if (ak == AkScheme::rsapss) {
        ToolRun verified = openssl_verify_pss(swtpm, id.ak_public, quote.attest, quote.signature);
        EXPECT_EQ(verified.status, 0) << verified.output;
        Bytes altered = quote.attest;
        altered.back() ^= 1;
        EXPECT_NE(openssl_verify_pss(swtpm, id.ak_public, altered, quote.signature).status, 0)
            << "OpenSSL accepted the signature for another message";
    } else {
        ToolRun verified = checkquote(swtpm, id.ak_public, quote, nonce);
        EXPECT_EQ(verified.status, 0) << verified.output;
        ToolRun other_nonce = checkquote(swtpm, id.ak_public, quote, nonce_of(32, 8));
        EXPECT_NE(other_nonce.status, 0) << "tpm2_checkquote accepted another nonce";
    }
}

INSTANTIATE_TEST_SUITE_P(Quote, QuoteAllPcrs,
                         testing::Values(std::tuple{EkType::rsa2048, AkScheme::rsassa},
                                         std::tuple{EkType::rsa2048, AkScheme::rsapss},
                                         std::tuple{EkType::ecc_p256, AkScheme::ecdsa}),
                         [](const auto& info) {
                             switch (std::get<1>(info.param)) {
                             case AkScheme::rsassa: return "Rsassa";
                             case AkScheme::rsapss: return "Rsapss";
                             default: return "Ecdsa";
                             }
                         });

// Nine values: the second TPM2_PCR_Read starts inside the last bank.
TEST(Quote, SomePcrsAscendingWhateverTheOrderAsked) {
    Swtpm swtpm;
    give_every_pcr_its_own_value(swtpm);
    const Bytes nonce = nonce_of(20, 3);
    Attester attester(attester_options(swtpm, EkType::ecc_p256, AkScheme::ecdsa));
    const tpm::Quote quote = attester.quote(nonce, {17, 0, 4, 17});
    const ParsedQuote parsed = parse(quote);
    const std::vector<std::pair<std::uint16_t, std::uint32_t>> expected = {
        {TPM2_ALG_SHA1, 0},    {TPM2_ALG_SHA1, 4},   {TPM2_ALG_SHA1, 17},  {TPM2_ALG_SHA256, 0}, {TPM2_ALG_SHA256, 4},
        {TPM2_ALG_SHA256, 17}, {TPM2_ALG_SHA384, 0}, {TPM2_ALG_SHA384, 4}, {TPM2_ALG_SHA384, 17}};
    EXPECT_EQ(selected(parsed.selection), expected);
    EXPECT_EQ(parsed.lists.size(), 2u);
    EXPECT_EQ(parsed.value_count, 9u);
    EXPECT_EQ(hex({parsed.attest.attested.quote.pcrDigest.buffer, parsed.attest.attested.quote.pcrDigest.size}),
              hex(digest("SHA256", parsed.values)));
}

TEST(Quote, OnlyAllocatedBanks) {
    Swtpm swtpm({.pcr_banks = "sha256"});
    Attester attester(attester_options(swtpm, EkType::ecc_p256, AkScheme::ecdsa));
    const ParsedQuote parsed = parse(attester.quote(nonce_of(8, 1), all_pcrs));
    ASSERT_EQ(parsed.selection.count, 1u);
    EXPECT_EQ(parsed.selection.pcrSelections[0].hash, TPM2_ALG_SHA256);
    EXPECT_EQ(parsed.value_count, 24u);
}

TEST(Quote, RefusesWhatCannotBeQuoted) {
    Swtpm swtpm;
    Attester attester(attester_options(swtpm, EkType::ecc_p256, AkScheme::ecdsa));
    EXPECT_THROW(attester.quote(nonce_of(65, 0), {0}), std::invalid_argument);
    EXPECT_THROW(attester.quote(nonce_of(8, 0), {24}), std::invalid_argument);
    EXPECT_THROW(attester.quote(nonce_of(8, 0), {}), std::invalid_argument);
    EXPECT_NO_THROW(attester.quote(nonce_of(64, 0), {0}));
    EXPECT_NO_THROW(attester.quote({}, {0}));
}

}  // namespace
}  // namespace keel::test
