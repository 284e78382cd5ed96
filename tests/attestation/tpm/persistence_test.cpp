// Persistent keys: made once, found again by the next Attester and after a
// reboot; a foreign key at Keel's handle is refused, not used or replaced.
#include <gtest/gtest.h>

#include <string>

#include "attestation/tpm/attester.hpp"
#include "swtpm_fixture.hpp"
#include "test_support.hpp"

namespace keel::test {
namespace {

using tpm::AkScheme;
using tpm::Attester;
using tpm::EkType;

tpm::Identity identity_of(const Swtpm& swtpm, EkType ek, AkScheme ak, bool persist) {
    Attester attester(attester_options(swtpm, ek, ak, persist));
    return attester.identity();
}

// Puts a primary key of tpm2-tools' default shape (not an EK, not an AK) at
// `handle`.
void persist_foreign_key(const Swtpm& swtpm, const std::string& hierarchy, const std::string& handle) {
    const std::string tcti = "--tcti=" + swtpm.tcti();
    const std::string context = (swtpm.dir() / "foreign.ctx").string();
    for (const std::vector<std::string>& argv :
         {std::vector<std::string>{"tpm2_createprimary", tcti, "-C", hierarchy, "-G", "ecc256", "-c", context},
          std::vector<std::string>{"tpm2_evictcontrol", tcti, "-C", "o", "-c", context, handle},
          std::vector<std::string>{"tpm2_flushcontext", tcti, "-t"}}) {
        ToolRun run = run_tool(argv, swtpm.dir());
        ASSERT_EQ(run.status, 0) << argv[0] << ": " << run.output;
    }
}

void expect_refused(const Swtpm& swtpm, EkType ek, AkScheme ak, const std::string& handle) {
    Attester attester(attester_options(swtpm, ek, ak, true));
    try {
        attester.identity();
        FAIL() << "a foreign key at " << handle << " was used";
    } catch (const tpm::TpmError& e) {
        FAIL() << "a TPM error instead of a clear refusal: " << e.what();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(handle), std::string::npos) << e.what();
    }
}

TEST(Persistence, SecondAttesterAndRebootFindTheSameAk) {
    Swtpm swtpm;
    const tpm::Identity first = identity_of(swtpm, EkType::rsa2048, AkScheme::rsassa, true);
    const tpm::Identity second = identity_of(swtpm, EkType::rsa2048, AkScheme::rsassa, true);
    EXPECT_EQ(hex(second.ak_name), hex(first.ak_name));
    EXPECT_EQ(hex(second.ak_public), hex(first.ak_public));
    EXPECT_EQ(hex(second.ek_public), hex(first.ek_public));
    swtpm.restart();
    const tpm::Identity rebooted = identity_of(swtpm, EkType::rsa2048, AkScheme::rsassa, true);
    EXPECT_EQ(hex(rebooted.ak_name), hex(first.ak_name));
    EXPECT_EQ(swtpm.loaded_handles(), 0u);
}

// Keys made without persist are new every time (AKs) and leave nothing behind.
TEST(Persistence, TransientAkIsNewEachTime) {
    Swtpm swtpm;
    const tpm::Identity first = identity_of(swtpm, EkType::ecc_p256, AkScheme::ecdsa, false);
    const tpm::Identity second = identity_of(swtpm, EkType::ecc_p256, AkScheme::ecdsa, false);
    EXPECT_NE(hex(second.ak_name), hex(first.ak_name));
    EXPECT_EQ(hex(second.ek_public), hex(first.ek_public)) << "the EK template makes the same key every time";
    // Still nothing persistent: a persisting Attester now makes its own AK.
    const tpm::Identity persisted = identity_of(swtpm, EkType::ecc_p256, AkScheme::ecdsa, true);
    EXPECT_NE(hex(persisted.ak_name), hex(second.ak_name));
    EXPECT_EQ(swtpm.loaded_handles(), 0u);
}

// swtpm_setup made the RSA EK at 0x81010001 from template L-1: the
// persistent EK and one made from Keel's template are the same key.
TEST(Persistence, SwtpmSetupsEkMatchesTemplate) {
    Swtpm swtpm;
    EXPECT_EQ(hex(identity_of(swtpm, EkType::rsa2048, AkScheme::rsassa, true).ek_public),
              hex(identity_of(swtpm, EkType::rsa2048, AkScheme::rsassa, false).ek_public));
}

// Each (EK, scheme) has a handle of its own.
TEST(Persistence, AkPerSchemeAndEk) {
    Swtpm swtpm;
    const auto rsassa = identity_of(swtpm, EkType::rsa2048, AkScheme::rsassa, true);
    const auto rsapss = identity_of(swtpm, EkType::rsa2048, AkScheme::rsapss, true);
    const auto ecdsa = identity_of(swtpm, EkType::ecc_p256, AkScheme::ecdsa, true);
    EXPECT_EQ(hex(identity_of(swtpm, EkType::rsa2048, AkScheme::rsassa, true).ak_name), hex(rsassa.ak_name));
    EXPECT_EQ(hex(identity_of(swtpm, EkType::rsa2048, AkScheme::rsapss, true).ak_name), hex(rsapss.ak_name));
    EXPECT_EQ(hex(identity_of(swtpm, EkType::ecc_p256, AkScheme::ecdsa, true).ak_name), hex(ecdsa.ak_name));
    EXPECT_NE(hex(rsassa.ak_name), hex(rsapss.ak_name));
}

TEST(Persistence, ForeignKeyAtAkHandleIsRefused) {
    Swtpm swtpm;
    persist_foreign_key(swtpm, "o", "0x81018000");
    expect_refused(swtpm, EkType::rsa2048, AkScheme::rsassa, "0x81018000");
    EXPECT_EQ(swtpm.loaded_handles(), 0u);
}

TEST(Persistence, ForeignKeyAtEkHandleIsRefused) {
    Swtpm swtpm;
    persist_foreign_key(swtpm, "e", "0x81010002");
    expect_refused(swtpm, EkType::ecc_p256, AkScheme::ecdsa, "0x81010002");
    // Without persist the handle is not looked at.
    EXPECT_NO_THROW(identity_of(swtpm, EkType::ecc_p256, AkScheme::ecdsa, false));
}

// An AK tpm2_createak made under the EK, made persistent at Keel's RSASSA
// handle: with the same scheme it is Keel's AK, with RSAPSS it is refused.
void persist_tpm2_createak(const Swtpm& swtpm, const std::string& scheme, const std::string& handle) {
    const std::string tcti = "--tcti=" + swtpm.tcti();
    const std::string context = (swtpm.dir() / "ak.ctx").string();
    for (const std::vector<std::string>& argv :
         {std::vector<std::string>{"tpm2_createak", tcti, "-C", "0x81010001", "-c", context, "-G", "rsa", "-g",
                                   "sha256", "-s", scheme, "-n", (swtpm.dir() / "ak.name").string()},
          std::vector<std::string>{"tpm2_evictcontrol", tcti, "-C", "o", "-c", context, handle},
          std::vector<std::string>{"tpm2_flushcontext", tcti, "-t"}}) {
        ToolRun run = run_tool(argv, swtpm.dir());
        ASSERT_EQ(run.status, 0) << argv[0] << ": " << run.output;
    }
}

TEST(Persistence, Tpm2CreateakAkIsKeelsAk) {
    Swtpm swtpm;
    persist_tpm2_createak(swtpm, "rsassa", "0x81018000");
    const tpm::Identity id = identity_of(swtpm, EkType::rsa2048, AkScheme::rsassa, true);
    EXPECT_EQ(hex(id.ak_name), hex(read_file(swtpm.dir() / "ak.name")));
}

TEST(Persistence, AkOfAnotherSchemeAtHandleIsRefused) {
    Swtpm swtpm;
    persist_tpm2_createak(swtpm, "rsapss", "0x81018000");
    expect_refused(swtpm, EkType::rsa2048, AkScheme::rsassa, "0x81018000");
}

}  // namespace
}  // namespace keel::test
