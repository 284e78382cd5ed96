// keel reference sign and keel reference verify as processes: a publisher
// signs keel measure's output once; anyone with the publisher's public key
// (PEM or JWK) checks it. Exit 0: signed or verified; 1: refused; 2: bad
// input (reference values keel does not accept, a bad name, not a
// document, not an ES256 key); 3: a file that cannot be read.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <openssl/pem.h>

#include "refdoc_fixture.hpp"
#include "tests/launch/launch_run.hpp"

namespace keel::refdoc {
namespace {

class ReferenceCli : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            std::filesystem::temp_directory_path() / ("keel-refdoc-cli-" + std::to_string(getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
        key_ = test::p256_key();
        private_pem_ = write_key("publisher.pem", true);
        public_pem_ = write_key("publisher.pub", false);
        values_ = write("reference.json", test::reference_values().dump(2));
    }
    void TearDown() override {
        if (!HasFailure()) std::filesystem::remove_all(dir_);
    }
    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name) << text;
        return (dir_ / name).string();
    }
    std::string write_key(const std::string& name, bool with_private) {
        const auto path = (dir_ / name).string();
        FILE* f = std::fopen(path.c_str(), "w");
        if (with_private)
            PEM_write_PrivateKey(f, key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
        else
            PEM_write_PUBKEY(f, key_.get());
        std::fclose(f);
        return path;
    }
    std::string read(const std::string& path) {
        std::ifstream in(path);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    keel::test::ProcessResult keel(std::vector<std::string> args) {
        args.insert(args.begin(), KEEL_CLI);
        return keel::test::run_process(args);
    }
    keel::test::ProcessResult sign(const std::string& out, const std::string& name = "keel-hv",
                                   const std::string& version = "1.4.2") {
        return keel(
            {"reference", "sign", "--key", private_pem_, "--name", name, "--version", version, "--out", out, values_});
    }
    std::filesystem::path dir_;
    ear::Pkey key_;
    std::string private_pem_, public_pem_, values_;
};

TEST_F(ReferenceCli, SignThenVerifyPrintsNameVersionAndDigest) {
    const auto doc = (dir_ / "keel-hv-1.4.2.jws").string();
    auto s = sign(doc);
    ASSERT_EQ(s.status, 0) << s.output;
    auto token = read(doc);
    ASSERT_FALSE(token.empty());
    token.pop_back();  // the newline
    const auto digest = sha256_label(token);
    EXPECT_NE(s.output.find(digest), std::string::npos) << s.output;
    const auto d = verify_reference_document(token, key_.get());
    EXPECT_EQ(d.label(), "keel-hv@1.4.2");
    EXPECT_EQ(nlohmann::json::parse(d.reference_json), test::reference_values());

    for (const auto& pub : {public_pem_, write("publisher.jwk", ear::public_jwk(key_.get()).dump())}) {
        auto v = keel({"reference", "verify", "--pub", pub, doc});
        EXPECT_EQ(v.status, 0) << v.output;
        EXPECT_NE(v.output.find("Signature: valid (ES256, publisher key " + ear::jwk_thumbprint(key_.get()) + ")"),
                  std::string::npos)
            << v.output;
        EXPECT_NE(v.output.find("Name: keel-hv\n"), std::string::npos) << v.output;
        EXPECT_NE(v.output.find("Version: 1.4.2\n"), std::string::npos) << v.output;
        EXPECT_NE(v.output.find("Digest: " + digest + "\n"), std::string::npos) << v.output;
        EXPECT_NE(v.output.find("Components: 2\n"), std::string::npos) << v.output;
    }
    // Without --out the document goes to standard output.
    auto out = keel({"reference", "sign", "--key", private_pem_, "--name", "n", "--version", "1", values_});
    EXPECT_EQ(out.status, 0) << out.output;
    EXPECT_EQ(std::count(out.output.begin(), out.output.end(), '.'), 2) << out.output;
}

TEST_F(ReferenceCli, RefusedDocumentsAreExit1AndSayWhy) {
    auto other = test::p256_key();
    const auto by_other = write("other.jws", test::genuine(other.get()) + "\n");
    auto r = keel({"reference", "verify", "--pub", public_pem_, by_other});
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("Refused: reference document: signed by key"), std::string::npos) << r.output;

    const auto parts = test::split(test::genuine(key_.get()));
    const auto renamed =
        write("renamed.jws",
              parts.header + "." + ear::to_base64url(test::payload("keel-hv", "9.9.9").dump()) + "." + parts.signature);
    r = keel({"reference", "verify", "--pub", public_pem_, renamed});
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("signature does not verify"), std::string::npos) << r.output;

    auto none = test::header(key_.get());
    none["alg"] = "none";
    r = keel({"reference", "verify", "--pub", public_pem_,
              write("none.jws", ear::signing_input(none, test::payload()) + ".")});
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("only ES256"), std::string::npos) << r.output;
}

TEST_F(ReferenceCli, BadInputIsExit2AndUnreadableFilesExit3) {
    const auto doc = (dir_ / "d.jws").string();
    auto r = sign(doc, "keel/hv");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("\"name\" must be"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(doc));
    auto bad_values = test::reference_values();
    bad_values["components"][0]["host_specfic"] = true;
    values_ = write("bad.json", bad_values.dump());
    r = sign(doc);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("unknown member \"host_specfic\""), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(doc));

    r = keel({"reference", "verify", "--pub", public_pem_, write("junk.jws", "not a document")});
    EXPECT_EQ(r.status, 2) << r.output;
    r = keel({"reference", "verify", "--pub", private_pem_ + ".missing", write("x.jws", "a.b.c")});
    EXPECT_EQ(r.status, 3) << r.output;
    r = keel({"reference", "sign", "--key", public_pem_, "--name", "n", "--version", "1", values_});
    EXPECT_EQ(r.status, 2) << r.output;  // a public key cannot sign
    r = keel({"reference", "sign", "--key", private_pem_, "--name", "n", values_});
    EXPECT_EQ(r.status, 2) << r.output;  // no --version
}

}  // namespace
}  // namespace keel::refdoc
