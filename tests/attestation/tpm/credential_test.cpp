// activate_credential against credentials tpm2_makecredential makes in
// software: the secret comes back only for the EK and AK it was made for.
#include <gtest/gtest.h>

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

struct Credential {
    Bytes blob;  // TPM2B_ID_OBJECT
    Bytes secret;  // TPM2B_ENCRYPTED_SECRET
};

std::uint32_t be32(const Bytes& b, std::size_t at) {
    return std::uint32_t(b[at]) << 24 | std::uint32_t(b[at + 1]) << 16 | std::uint32_t(b[at + 2]) << 8 | b[at + 3];
}

// tpm2_makecredential's output: u32 magic 0xBADCC0DE, u32 version 1, then
// TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET, each a u16 size and its bytes.
Credential split_tpm2_tools_credential(const Bytes& file) {
    if (file.size() < 10 || be32(file, 0) != 0xbadcc0de || be32(file, 4) != 1)
        throw std::runtime_error("not a tpm2_makecredential file");
    std::size_t at = 8;
    auto next_tpm2b = [&]() {
        if (at + 2 > file.size()) throw std::runtime_error("credential file cut short");
        const std::size_t size = std::size_t(file[at]) << 8 | file[at + 1];
        if (at + 2 + size > file.size()) throw std::runtime_error("credential file cut short");
        Bytes part(file.begin() + long(at), file.begin() + long(at + 2 + size));
        at += 2 + size;
        return part;
    };
    Credential credential;
    credential.blob = next_tpm2b();
    credential.secret = next_tpm2b();
    if (at != file.size()) throw std::runtime_error("bytes after the credential");
    return credential;
}

Credential make_credential(const Swtpm& swtpm, const Bytes& ek_public, const Bytes& ak_name, const Bytes& secret) {
    const auto dir = swtpm.dir();
    write_file(dir / "ek.pub", ek_public);
    write_file(dir / "secret", secret);
    ToolRun run = run_tool({"tpm2_makecredential", "-T", "none", "-e", (dir / "ek.pub").string(), "-s",
                            (dir / "secret").string(), "-n", hex(ak_name), "-o", (dir / "credential").string()},
                           dir);
    if (run.status != 0) throw std::runtime_error("tpm2_makecredential failed: " + run.output);
    return split_tpm2_tools_credential(read_file(dir / "credential"));
}

const Bytes secret = {'k', 'e', 'e', 'l', ' ', 'e', 'n', 'r', 'o', 'l', 'l', 'm', 'e', 'n', 't', '!'};

class CredentialRoundTrip : public testing::TestWithParam<std::tuple<EkType, AkScheme>> {};

TEST_P(CredentialRoundTrip, SecretComesBack) {
    const auto [ek, ak] = GetParam();
    Swtpm swtpm;
    Attester attester(attester_options(swtpm, ek, ak));
    const tpm::Identity id = attester.identity();
    const Credential credential = make_credential(swtpm, id.ek_public, id.ak_name, secret);
    EXPECT_EQ(hex(attester.activate_credential(credential.blob, credential.secret)), hex(secret));
}

INSTANTIATE_TEST_SUITE_P(Credential, CredentialRoundTrip,
                         testing::Values(std::tuple{EkType::rsa2048, AkScheme::rsassa},
                                         std::tuple{EkType::ecc_p256, AkScheme::ecdsa}),
                         [](const auto& info) {
                             return std::get<0>(info.param) == EkType::rsa2048 ? "RsaEk" : "EccEk";
                         });

// Made for another TPM's EK: this TPM's EK cannot recover the seed.
TEST(Credential, AnotherTpmsEkFails) {
    Swtpm other;
    Bytes other_ek;
    {
        Attester attester(attester_options(other, EkType::rsa2048, AkScheme::rsassa));
        other_ek = attester.identity().ek_public;
    }
    Swtpm swtpm;
    Attester attester(attester_options(swtpm, EkType::rsa2048, AkScheme::rsassa));
    const tpm::Identity id = attester.identity();
    ASSERT_NE(hex(other_ek), hex(id.ek_public));
    const Credential credential = make_credential(swtpm, other_ek, id.ak_name, secret);
    EXPECT_THROW(attester.activate_credential(credential.blob, credential.secret), tpm::TpmError);
    EXPECT_NO_THROW(attester.identity()) << "the Attester is still usable";
}

// Made for another AK: the credential's integrity HMAC covers the AK name.
TEST(Credential, AnotherAkNameFails) {
    Swtpm swtpm;
    Attester attester(attester_options(swtpm, EkType::ecc_p256, AkScheme::ecdsa));
    const tpm::Identity id = attester.identity();
    Bytes other_name = id.ak_name;
    other_name.back() ^= 1;
    const Credential credential = make_credential(swtpm, id.ek_public, other_name, secret);
    EXPECT_THROW(attester.activate_credential(credential.blob, credential.secret), tpm::TpmError);
}

TEST(Credential, MalformedInputIsRefusedBeforeTheTpm) {
    Swtpm swtpm;
    Attester attester(attester_options(swtpm, EkType::ecc_p256, AkScheme::ecdsa));
    const tpm::Identity id = attester.identity();
    const Credential credential = make_credential(swtpm, id.ek_public, id.ak_name, secret);
    Bytes longer = credential.blob;
    longer.push_back(0);
    EXPECT_THROW(attester.activate_credential(longer, credential.secret), std::invalid_argument);
    const Bytes shorter(credential.secret.begin(), credential.secret.end() - 1);
    EXPECT_THROW(attester.activate_credential(credential.blob, shorter), std::invalid_argument);
    EXPECT_EQ(hex(attester.activate_credential(credential.blob, credential.secret)), hex(secret));
}

}  // namespace
}  // namespace keel::test
