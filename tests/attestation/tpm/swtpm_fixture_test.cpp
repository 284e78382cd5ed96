// The fixture itself: a DRTM hash sequence, locality-gated extends, reboots,
// and fixtures side by side.
#include <gtest/gtest.h>
#include <tss2/tss2_tpm2_types.h>

#include <filesystem>
#include <tuple>

#include "attestation/tpm/attester.hpp"
#include "swtpm_control.hpp"
#include "swtpm_fixture.hpp"
#include "test_support.hpp"

namespace keel::test {
namespace {

Bytes zeros(std::size_t n) { return Bytes(n, 0); }

Bytes pattern(std::size_t n) {
    Bytes data(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
    return data;
}

// More than one CMD_HASH_DATA's worth (4096 bytes).
TEST(SwtpmFixture, HashSequenceSetsPcr17InEveryBank) {
    Swtpm swtpm;
    const Bytes data = pattern(10000);
    swtpm.hash_sequence(data);
    for (auto [bank, name, size] : {std::tuple{TPM2_ALG_SHA1, "SHA1", 20}, std::tuple{TPM2_ALG_SHA256, "SHA256", 32},
                                    std::tuple{TPM2_ALG_SHA384, "SHA384", 48}}) {
        EXPECT_EQ(hex(swtpm.pcr_read(bank, 17)), hex(digest(name, concat(zeros(size), digest(name, data))))) << name;
        for (std::uint32_t pcr = 18; pcr <= 22; ++pcr) EXPECT_EQ(hex(swtpm.pcr_read(bank, pcr)), hex(zeros(size)));
    }
}

TEST(SwtpmFixture, WithoutLaunchPcr17IsAllOnes) {
    Swtpm swtpm;
    EXPECT_EQ(hex(swtpm.pcr_read(TPM2_ALG_SHA256, 17)), hex(Bytes(32, 0xff)));
}

TEST(SwtpmFixture, Pcr18ExtendsAtLocality2NotAt0) {
    Swtpm swtpm;
    swtpm.hash_sequence(pattern(64));
    const Bytes measurement = digest("SHA256", pattern(100));
    swtpm.extend(18, 2, {{TPM2_ALG_SHA256, measurement}});
    const Bytes expected = digest("SHA256", concat(zeros(32), measurement));
    EXPECT_EQ(hex(swtpm.pcr_read(TPM2_ALG_SHA256, 18)), hex(expected));

    try {
        swtpm.extend(18, 0, {{TPM2_ALG_SHA256, measurement}});
        FAIL() << "PCR 18 extended at locality 0";
    } catch (const tpm::TpmError& e) { EXPECT_EQ(e.rc(), TPM2_RC_LOCALITY) << e.what(); }
    EXPECT_EQ(hex(swtpm.pcr_read(TPM2_ALG_SHA256, 18)), hex(expected));
    // Locality 0 is back for the next client: PCR 23 takes any locality.
    swtpm.extend(23, 0, {{TPM2_ALG_SHA256, measurement}});
}

TEST(SwtpmFixture, ExtendSeveralBanksAtOnce) {
    Swtpm swtpm;
    const Bytes data = pattern(33);
    swtpm.extend(16, 0, {{TPM2_ALG_SHA1, digest("SHA1", data)}, {TPM2_ALG_SHA384, digest("SHA384", data)}});
    EXPECT_EQ(hex(swtpm.pcr_read(TPM2_ALG_SHA1, 16)), hex(digest("SHA1", concat(zeros(20), digest("SHA1", data)))));
    EXPECT_EQ(hex(swtpm.pcr_read(TPM2_ALG_SHA384, 16)),
              hex(digest("SHA384", concat(zeros(48), digest("SHA384", data)))));
    EXPECT_EQ(hex(swtpm.pcr_read(TPM2_ALG_SHA256, 16)), hex(zeros(32)));
}

TEST(SwtpmFixture, RestartIsAReboot) {
    Swtpm swtpm;
    const std::string tcti = swtpm.tcti();
    const std::uint32_t before = swtpm.reset_count();
    swtpm.extend(23, 0, {{TPM2_ALG_SHA256, digest("SHA256", pattern(5))}});
    swtpm.restart();
    EXPECT_GT(swtpm.reset_count(), before);
    EXPECT_EQ(swtpm.tcti(), tcti);
    EXPECT_EQ(hex(swtpm.pcr_read(TPM2_ALG_SHA256, 23)), hex(zeros(32)));
}

TEST(SwtpmFixture, TwoSideBySideAndGoneAfterwards) {
    std::filesystem::path first_dir;
    std::string first_tcti;
    {
        Swtpm first, second;
        first_dir = first.dir();
        first_tcti = first.tcti();
        EXPECT_NE(first.tcti(), second.tcti());
        first.extend(23, 0, {{TPM2_ALG_SHA256, digest("SHA256", pattern(1))}});
        EXPECT_NE(hex(first.pcr_read(TPM2_ALG_SHA256, 23)), hex(second.pcr_read(TPM2_ALG_SHA256, 23)));
    }
    EXPECT_FALSE(std::filesystem::exists(first_dir));
    tpm::AttesterOptions options{.tcti = first_tcti};
    EXPECT_THROW(tpm::Attester attester(options), tpm::TpmError);
}

TEST(SwtpmFixture, PcrBanksAsAsked) {
    Swtpm swtpm({.pcr_banks = "sha256"});
    tpm::Attester attester({.tcti = swtpm.tcti()});
    EXPECT_EQ(attester.allocated_banks(), std::vector<std::uint16_t>{TPM2_ALG_SHA256});
}

TEST(SwtpmFixture, DefaultBanksAreSha1Sha256Sha384) {
    Swtpm swtpm;
    tpm::Attester attester({.tcti = swtpm.tcti()});
    EXPECT_EQ(attester.allocated_banks(),
              (std::vector<std::uint16_t>{TPM2_ALG_SHA1, TPM2_ALG_SHA256, TPM2_ALG_SHA384}));
}

}  // namespace
}  // namespace keel::test
