// keel ear verify as a process: a relying party's check of a token with the
// key keel-verifierd publishes. Exit 0 only for a genuine token whose
// appraisals are all affirming; 1 for a refused token or a contraindicated
// host; 2 for bytes that are not a token or a key that is not ES256's; 3 for
// a key file that cannot be read.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ear_fixture.hpp"
#include "tests/launch/launch_run.hpp"

namespace keel::ear {
namespace {

class EarCli : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            std::filesystem::temp_directory_path() / ("keel-ear-cli-" + std::to_string(getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
        key_ = test::p256_key();
        jwk_ = write("ear-key.jwk", public_jwk(key_.get()).dump());
    }
    void TearDown() override {
        if (!HasFailure()) std::filesystem::remove_all(dir_);
    }
    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name) << text;
        return (dir_ / name).string();
    }
    keel::test::ProcessResult verify(const std::string& key, const std::string& token) {
        return keel::test::run_process({KEEL_CLI, "ear", "verify", "--key", key, token});
    }
    std::filesystem::path dir_;
    Pkey key_;
    std::string jwk_;
};

TEST_F(EarCli, AGenuineAffirmingTokenVerifiesAndItsClaimsArePrinted) {
    auto r = verify(jwk_, sign_ear(key_.get(), test::claims("trusted")));
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("Signature: valid (ES256, key " + jwk_thumbprint(key_.get()) + ")"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("\"eat_nonce\": \"" + to_base64url(test::appraisal().nonce) + "\""), std::string::npos);
    EXPECT_NE(r.output.find("Appraisal of \"node-1\": affirming"), std::string::npos) << r.output;
}

TEST_F(EarCli, AContraindicatedHostIsExit1EvenThoughTheTokenVerifies) {
    auto r = verify(jwk_, sign_ear(key_.get(), test::claims("not-trusted")));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("Signature: valid"), std::string::npos);
    EXPECT_NE(r.output.find("Appraisal of \"node-1\": contraindicated"), std::string::npos) << r.output;
}

TEST_F(EarCli, RefusedTokensAreExit1AndSayWhy) {
    auto other = test::p256_key();
    auto r = verify(jwk_, sign_ear(other.get(), test::claims()));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("Refused: the signature does not verify"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("Signature: valid"), std::string::npos);
    r = verify(jwk_, test::assemble({{"alg", "none"}}, test::claims(), {}));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("only ES256 is accepted"), std::string::npos) << r.output;
}

TEST_F(EarCli, BadInputIsExit2AndAnUnreadableKeyIsALocalFault) {
    auto r = verify(jwk_, "not-a-token");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("not a compact JWS"), std::string::npos) << r.output;
    const auto hmac_secret = write("secret.jwk", R"({"kty": "oct", "k": "c2VjcmV0"})");
    r = verify(hmac_secret, sign_ear(key_.get(), test::claims()));
    EXPECT_EQ(r.status, 2) << r.output;
    r = verify((dir_ / "missing.jwk").string(), sign_ear(key_.get(), test::claims()));
    EXPECT_EQ(r.status, 3) << r.output;
}

}  // namespace
}  // namespace keel::ear
