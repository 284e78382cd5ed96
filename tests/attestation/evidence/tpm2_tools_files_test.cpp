// tpm2_quote -o files: the five swtpm vectors read back as the selection the
// quote covers and the values it hashed; anything not self-consistent is
// rejected, while the bytes tpm2-tools leaves uninitialised are ignored.
#include <gtest/gtest.h>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/evidence/tpm2_tools_files.hpp"
#include "vectors.hpp"

namespace keel::evidence {
namespace {

using eventlog::alg_sha256;
using test::parse_error;
using test::vectors;

// Offsets in the file (tpm2_tools_files.hpp).
constexpr std::size_t list_count_at = 132;
constexpr std::size_t first_list_at = 136;
constexpr std::size_t list_size = 532;
std::size_t entry_at(std::size_t bank) { return 4 + 8 * bank; }
std::size_t digest_at(std::size_t list, std::size_t slot) { return first_list_at + list * list_size + 4 + slot * 66; }

void put_le32(Bytes& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

TEST(Tpm2ToolsPcrs, SelectionIsTheQuotesAndValuesFillIt) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        const auto pcrs = parse_tpm2_tools_pcrs(v.pcrs);
        EXPECT_EQ(pcrs.selection, parse_attest(v.msg).pcr_select);
        ASSERT_EQ(pcrs.values.size(), pcrs.selection.size());
        for (const auto& bank : pcrs.selection) {
            const auto& values = pcrs.values.at(bank.hash_alg);
            ASSERT_EQ(values.size(), bank.pcrs.size());
            for (std::uint32_t pcr : bank.pcrs)
                EXPECT_EQ(values.at(pcr).size(), eventlog::known_digest_size(bank.hash_alg));
        }
    }
}

TEST(Tpm2ToolsPcrs, ValuesLandOnTheirPcrs) {
    // make_vectors.sh extends PCRs 0-5, 7 and 23 only; in a fresh swtpm the
    // DRTM PCRs 17-22 read all ones and the others all zeros.
    const auto pcrs = parse_tpm2_tools_pcrs(test::vector("rsassa").pcrs);
    const auto& sha256 = pcrs.values.at(alg_sha256);
    EXPECT_EQ(sha256.at(6), Bytes(32, 0x00));
    for (std::uint32_t pcr : {17, 18, 19}) EXPECT_EQ(sha256.at(pcr), Bytes(32, 0xff));
    for (std::uint32_t pcr : {0, 1, 2, 3, 4, 5, 7}) {
        EXPECT_NE(sha256.at(pcr), Bytes(32, 0x00));
        EXPECT_NE(sha256.at(pcr), Bytes(32, 0xff));
    }
    EXPECT_NE(sha256.at(0), sha256.at(1));
}

TEST(Tpm2ToolsPcrs, FileSizesFollowTheLayout) {
    // 11 SHA-256 PCRs: two lists; 4 banks of 24: 12 lists; 4 PCRs: one list.
    EXPECT_EQ(test::vector("rsassa").pcrs.size(), 1200u);
    EXPECT_EQ(test::vector("rsassa4banks").pcrs.size(), 136u + 12 * 532);
    EXPECT_EQ(test::vector("ecdsa384").pcrs.size(), 136u + 532);
}

TEST(Tpm2ToolsPcrs, TruncatedAtEveryLengthOrLonger) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        for (std::size_t n = 0; n < v.pcrs.size(); ++n)
            EXPECT_EQ(parse_error([&] {
                          parse_tpm2_tools_pcrs(Bytes(v.pcrs.begin(), v.pcrs.begin() + n));
                      }).rfind("tpm2-tools PCR file: ", 0),
                      0u)
                << n;
        Bytes longer = v.pcrs;
        longer.push_back(0);
        EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(longer); }).rfind("tpm2-tools PCR file: ", 0), 0u);
    }
    Bytes rsassa = test::vector("rsassa").pcrs;
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(Bytes(rsassa.begin(), rsassa.begin() + 100)); }),
              "tpm2-tools PCR file: 100 bytes, fewer than the 136 of its PCR selection and list count");
    rsassa.resize(rsassa.size() + list_size);
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(rsassa); }),
              "tpm2-tools PCR file: 1732 bytes, but its 2 digest lists make 1200");
}

TEST(Tpm2ToolsPcrs, MoreBanksThanTheStructHolds) {
    Bytes b = test::vector("rsassa").pcrs;
    put_le32(b, 0, 17);
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: TPML_PCR_SELECTION count 17, more than the 16 banks it can hold");
}

TEST(Tpm2ToolsPcrs, MoreSelectBytesThanTheStructHolds) {
    Bytes b = test::vector("rsassa").pcrs;
    b[entry_at(0) + 2] = 5;
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: TPML_PCR_SELECTION entry 0 has sizeofSelect 5, more than 4");
}

TEST(Tpm2ToolsPcrs, RepeatedBank) {
    Bytes b = test::vector("rsapss").pcrs;  // sha1, sha256
    b[entry_at(1)] = 0x04;
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: TPML_PCR_SELECTION: bank sha1 appears twice");
}

TEST(Tpm2ToolsPcrs, MoreListsThanTpm2ToolsHolds) {
    Bytes b = test::vector("rsassa").pcrs;
    put_le32(b, list_count_at, 33);
    b.resize(first_list_at + 33 * list_size);
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: 33 digest lists, more than the 32 tpm2-tools holds");
}

TEST(Tpm2ToolsPcrs, DigestCountsMustFillTheSelection) {
    Bytes b = test::vector("rsassa").pcrs;  // lists of 8 and 3 for 11 PCRs
    put_le32(b, first_list_at + list_size, 2);
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: TPML_DIGEST: 10 digests for a selection of 11 PCRs");
    put_le32(b, first_list_at + list_size, 4);
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: TPML_DIGEST: 12 digests for a selection of 11 PCRs");
    put_le32(b, first_list_at + list_size, 9);
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: TPML_DIGEST 1 has count 9, more than 8");
    // Selecting one PCR more than there are values.
    b = test::vector("rsassa").pcrs;
    b[entry_at(0) + 3 + 2] |= 0x80;  // PCR 23
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: TPML_DIGEST: 11 digests for a selection of 12 PCRs");
}

TEST(Tpm2ToolsPcrs, DigestSizesMustFitTheBank) {
    Bytes b = test::vector("rsassa").pcrs;
    b[digest_at(0, 3)] = 20;
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: TPML_DIGEST: the sha256 value of PCR 3 has 20 bytes, not 32");
    b[digest_at(0, 3)] = 65;
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: digest 3 of TPML_DIGEST 0 has size 65, more than 64");
    // A list may hold values of two banks: rsapss's first has sha1 PCRs 0-2,
    // then sha256 PCRs 0-4.
    b = test::vector("rsapss").pcrs;
    b[digest_at(0, 3)] = 20;
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: TPML_DIGEST: the sha256 value of PCR 0 has 20 bytes, not 32");
}

TEST(Tpm2ToolsPcrs, UnknownBank) {
    Bytes b = test::vector("rsassa").pcrs;
    b[entry_at(0)] = 0x99;
    EXPECT_EQ(parse_error([&] { parse_tpm2_tools_pcrs(b); }),
              "tpm2-tools PCR file: TPML_PCR_SELECTION: bank 0x0099 is not a hash algorithm with a known digest size");
}

TEST(Tpm2ToolsPcrs, UninitialisedBytesAreIgnored) {
    const auto& v = test::vector("rsapss");
    const auto good = parse_tpm2_tools_pcrs(v.pcrs);
    Bytes b = v.pcrs;
    b[entry_at(0) + 7] = 0xa5;  // struct padding
    b[entry_at(1) + 6] = 0xff;  // pcrSelect[3], past sizeofSelect 3
    for (std::size_t i = entry_at(2); i < list_count_at; ++i) b[i] = 0x5a;  // unused entries
    b[digest_at(0, 0) + 2 + 20] = 0x77;  // after a 20-byte digest
    for (std::size_t i = digest_at(3, 3); i < first_list_at + 4 * list_size; ++i) b[i] = 0x33;  // unused slots
    const auto tolerant = parse_tpm2_tools_pcrs(b);
    EXPECT_EQ(tolerant.selection, good.selection);
    EXPECT_EQ(tolerant.values, good.values);
}

}  // namespace
}  // namespace keel::evidence
