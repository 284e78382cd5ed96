// swtpm without a resource manager holds 3 transient objects: every handle
// Attester does not flush shows up here, as a count or as TPM_RC 0x902.
#include <gtest/gtest.h>

#include "attestation/tpm/attester.hpp"
#include "swtpm_fixture.hpp"
#include "test_support.hpp"

namespace keel::test {
namespace {

using tpm::AkScheme;
using tpm::Attester;
using tpm::EkType;

const std::vector<std::uint32_t> all_pcrs = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                             12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23};

TEST(HandleLeak, FiftyQuotesOnOneAttester) {
    Swtpm swtpm;
    {
        Attester attester(attester_options(swtpm, EkType::rsa2048, AkScheme::rsassa));
        const Bytes nonce(32, 0x5a);
        for (int i = 0; i < 50; ++i) ASSERT_NO_THROW(attester.quote(nonce, all_pcrs)) << "quote " << i;
    }
    EXPECT_EQ(swtpm.loaded_handles(), 0u);
}

TEST(HandleLeak, TwentyAttestersInARow) {
    Swtpm swtpm;
    for (int i = 0; i < 20; ++i) {
        Attester attester(attester_options(swtpm, EkType::ecc_p256, AkScheme::ecdsa));
        ASSERT_NO_THROW(attester.identity()) << "Attester " << i;
        ASSERT_NO_THROW(attester.quote(Bytes(16, std::uint8_t(i)), {0, 17})) << "Attester " << i;
    }
    EXPECT_EQ(swtpm.loaded_handles(), 0u);
}

TEST(HandleLeak, TwentyPersistentAttestersInARow) {
    Swtpm swtpm;
    for (int i = 0; i < 20; ++i) {
        Attester attester(attester_options(swtpm, EkType::rsa2048, AkScheme::rsassa, true));
        ASSERT_NO_THROW(attester.identity()) << "Attester " << i;
    }
    EXPECT_EQ(swtpm.loaded_handles(), 0u);
}

// Failed commands give their sessions back too.
TEST(HandleLeak, FailedActivationsLeaveNothing) {
    Swtpm swtpm;
    {
        Attester attester(attester_options(swtpm, EkType::ecc_p256, AkScheme::ecdsa));
        attester.identity();
        // A well-formed credential blob and secret that no EK made: all zeros.
        const Bytes blob = {0x00, 0x22, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
        Bytes secret = {0x00, 0x44, 0x00, 0x20};
        secret.resize(2 + 0x44, 0x00);
        for (int i = 0; i < 10; ++i) EXPECT_THROW(attester.activate_credential(blob, secret), tpm::TpmError);
    }
    EXPECT_EQ(swtpm.loaded_handles(), 0u);
}

}  // namespace
}  // namespace keel::test
