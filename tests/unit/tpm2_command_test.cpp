// TPM 2.0 command marshalling and response parsing (hypervisor/tpm), the
// code the secure loader and the hypervisor use to talk to the TPM.
#include <gtest/gtest.h>

#include <vector>

#include "hypervisor/tpm/tpm2_command.hpp"
#include "hypervisor/tpm/tpm_mmio.hpp"

using namespace keel;
using namespace keel::tpm;

namespace {

std::vector<uint8_t> bytes(std::initializer_list<int> b) { return {b.begin(), b.end()}; }

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

}  // namespace

TEST(Tpm2Command, PcrExtendCarriesEveryBankWithAnEmptyPasswordSession) {
    DigestList d{};
    d.count = 2;
    d.digests[0].alg = 0x0004;
    d.digests[1].alg = 0x000b;
    for (int i = 0; i < 20; ++i) d.digests[0].bytes[i] = uint8_t(i);
    for (int i = 0; i < 32; ++i) d.digests[1].bytes[i] = uint8_t(0x80 + i);
    size_t sizes[] = {20, 32};
    uint8_t buf[MAX_MESSAGE];
    size_t len = build_pcr_extend(buf, sizeof buf, 17, d, sizes);
    ASSERT_EQ(len, 10u + 4 + 4 + 9 + 4 + (2 + 20) + (2 + 32));
    EXPECT_EQ(buf[0], 0x80);
    EXPECT_EQ(buf[1], 0x02);  // TPM_ST_SESSIONS
    EXPECT_EQ(be32(buf + 2), len);
    EXPECT_EQ(be32(buf + 6), 0x182u);  // TPM_CC_PCR_Extend
    EXPECT_EQ(be32(buf + 10), 17u);
    EXPECT_EQ(be32(buf + 14), 9u);
    EXPECT_EQ(be32(buf + 18), 0x40000009u);  // TPM_RS_PW
    EXPECT_EQ(be32(buf + 27), 2u);
    EXPECT_EQ(buf[31], 0x00);
    EXPECT_EQ(buf[32], 0x04);
    EXPECT_EQ(buf[33 + 19], 19);
    EXPECT_EQ(buf[33 + 20], 0x00);
    EXPECT_EQ(buf[33 + 21], 0x0b);
    EXPECT_EQ(buf[len - 1], 0x80 + 31);
}

TEST(Tpm2Command, BuildersRefuseWhatDoesNotFit) {
    DigestList d{};
    d.count = 1;
    d.digests[0].alg = 0x000b;
    size_t sizes[] = {32};
    uint8_t buf[40];
    EXPECT_EQ(build_pcr_extend(buf, sizeof buf, 17, d, sizes), 0u);
    EXPECT_EQ(build_pcr_extend(buf, sizeof buf, 24, d, sizes), 0u);  // no PCR 24
    EXPECT_EQ(build_pcr_read(buf, 10, 0x000b, 17), 0u);
    uint8_t big[MAX_MESSAGE];
    EXPECT_EQ(build_pcr_read(big, sizeof big, 0x000b, 24), 0u);
}

TEST(Tpm2Command, PcrReadSelectsExactlyOnePcr) {
    uint8_t buf[MAX_MESSAGE];
    size_t len = build_pcr_read(buf, sizeof buf, 0x000b, 19);
    ASSERT_EQ(len, 10u + 4 + 2 + 1 + 3);
    EXPECT_EQ(be32(buf + 6), 0x17eu);
    EXPECT_EQ(buf[16], 3);
    EXPECT_EQ(buf[17], 0);
    EXPECT_EQ(buf[18], 0);
    EXPECT_EQ(buf[19], 1u << 3);  // PCR 19 = byte 2, bit 3
}

TEST(Tpm2Command, ParsesTheAllocatedBanks) {
    // Two banks: sha1 with PCRs 0-23, sha256 with only 17 and 18; sha384 empty.
    auto resp = bytes({0x80, 0x01, 0, 0,    0,    38,   0,    0,    0, 0,    0,    0,    0,    0,    5, 0, 0, 0, 3,
                       0x00, 0x04, 3, 0xff, 0xff, 0xff, 0x00, 0x0b, 3, 0x00, 0x00, 0x06, 0x00, 0x0c, 3, 0, 0, 0, 0});
    resp[5] = uint8_t(resp.size());
    BankList banks{};
    ASSERT_EQ(parse_get_capability_pcrs(resp.data(), resp.size(), banks), Status::Ok);
    ASSERT_EQ(banks.count, 3u);
    EXPECT_EQ(banks.banks[0].alg, 0x0004);
    EXPECT_EQ(banks.banks[0].pcrs, 0xffffffu);
    EXPECT_EQ(banks.banks[1].pcrs, (1u << 17) | (1u << 18));
    EXPECT_EQ(banks.banks[2].pcrs, 0u);
}

TEST(Tpm2Command, RejectsBadResponses) {
    BankList banks{};
    auto ok = bytes({0x80, 0x01, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0});
    EXPECT_EQ(parse_get_capability_pcrs(ok.data(), ok.size(), banks), Status::Ok);
    EXPECT_EQ(banks.count, 0u);
    // Declared size larger than what arrived, smaller, every truncation, a TPM error, a bad tag.
    auto longer = ok;
    longer[5] = 40;
    EXPECT_EQ(parse_get_capability_pcrs(longer.data(), longer.size(), banks), Status::Truncated);
    for (size_t n = 0; n < ok.size(); ++n) {
        auto cut = std::vector<uint8_t>(ok.begin(), ok.begin() + n);
        if (n >= 6) cut[5] = uint8_t(n);
        EXPECT_NE(parse_get_capability_pcrs(cut.data(), cut.size(), banks), Status::Ok) << n;
    }
    auto error = bytes({0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x09, 0x07});
    uint32_t rc = 0;
    EXPECT_EQ(response_code(error.data(), error.size(), rc), Status::Ok);
    EXPECT_EQ(rc, 0x907u);
    EXPECT_NE(parse_get_capability_pcrs(error.data(), error.size(), banks), Status::Ok);
    auto bad_tag = ok;
    bad_tag[1] = 0x05;
    EXPECT_EQ(parse_get_capability_pcrs(bad_tag.data(), bad_tag.size(), banks), Status::Malformed);
    auto too_many = ok;
    too_many[18] = 9;
    EXPECT_EQ(parse_get_capability_pcrs(too_many.data(), too_many.size(), banks), Status::Malformed);
}

TEST(Tpm2Command, ParsesOnePcrValue) {
    std::vector<uint8_t> resp = {0x80, 0x01, 0, 0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 7, 0,
                                 0,    0,    1, 0x00, 0x0b, 3, 0, 0, 2, 0, 0, 0, 1, 0, 32};
    for (int i = 0; i < 32; ++i) resp.push_back(uint8_t(i));
    resp[5] = uint8_t(resp.size());
    uint8_t digest[MAX_DIGEST];
    size_t size = 0;
    ASSERT_EQ(parse_pcr_read(resp.data(), resp.size(), digest, sizeof digest, size), Status::Ok);
    EXPECT_EQ(size, 32u);
    EXPECT_EQ(digest[31], 31);
    EXPECT_EQ(parse_pcr_read(resp.data(), resp.size(), digest, 16, size), Status::Malformed);  // no room
    resp[27] = 0;  // no digest returned: the bank lacks that PCR
    EXPECT_EQ(parse_pcr_read(resp.data(), resp.size(), digest, sizeof digest, size), Status::NotFound);
}

TEST(TpmMmio, LocalitiesOneToFourAreTheHypervisors) {
    EXPECT_FALSE(touches_privileged_localities(TIS_BASE, LOCALITY_SIZE));  // locality 0 may be delegated
    EXPECT_TRUE(touches_privileged_localities(TIS_BASE, LOCALITY_SIZE + 1));
    EXPECT_TRUE(touches_privileged_localities(TIS_BASE + 2 * LOCALITY_SIZE, 4096));
    EXPECT_TRUE(touches_privileged_localities(TIS_BASE + 4 * LOCALITY_SIZE + 4095, 1));
    EXPECT_FALSE(touches_privileged_localities(TIS_BASE + 5 * LOCALITY_SIZE, 4096));
    EXPECT_TRUE(touches_privileged_localities(0, 1ull << 32));  // a 4 GiB identity map
    EXPECT_TRUE(touches_privileged_localities(~0ull - 10, 100));  // wraps
    EXPECT_FALSE(touches_privileged_localities(TIS_BASE + LOCALITY_SIZE, 0));
}
