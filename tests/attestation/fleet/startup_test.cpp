// keel-verifierd as a process, before it serves: --version, and the
// configuration checks that keep it from running unsafely (no TLS on a
// non-loopback address, unknown keys) or on a database it must not touch.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/launch/launch_run.hpp"

namespace keel::test {
namespace {

std::string program() { return KEEL_VERIFIERD_PATH; }

std::filesystem::path scratch(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("keel-verifierd-start-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    return dir / name;
}

TEST(VerifierdStart, PrintsItsVersion) {
    auto r = run_process({program(), "--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.output.find("keel-verifierd 0."), std::string::npos) << r.output;
}

TEST(VerifierdStart, RefusesANonLoopbackAddressWithoutTls) {
    const auto db = scratch("never.sqlite");
    // A daemon that wrongly starts is ended by timeout (status 124): the test fails, it does not hang.
    auto r = run_process({"timeout", "30", program(), "--listen", "0.0.0.0:0", "--database", db.string()});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("without TLS"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(db));  // refused before anything was opened
}

TEST(VerifierdStart, RefusesAConfigurationWithAnUnknownKey) {
    const auto config = scratch("typo.toml");
    std::ofstream(config) << "[tls]\ncertificate = \"a\"\nprivate_key = \"b\"\nclient_cert_ca = \"c\"\n";
    auto r = run_process({"timeout", "30", program(), "--config", config.string()});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("tls.client_cert_ca is not a keel-verifierd setting"), std::string::npos) << r.output;
}

TEST(VerifierdStart, RefusesADatabaseThatIsNotAKeelStore) {
    const auto db = scratch("foreign.sqlite");
    std::ofstream(db) << "this is not SQLite";
    auto r = run_process({"timeout", "30", program(), "--listen", "127.0.0.1:0", "--database", db.string()});
    EXPECT_EQ(r.status, 3) << r.output;
}

TEST(VerifierdStart, RefusesAnEarSigningKeyThatIsNotP256) {
    const auto key = scratch("ear-p384.key"), db = scratch("never-ear.sqlite"), config = scratch("ear.toml");
    auto made = run_process(
        {"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", key.string()});
    ASSERT_EQ(made.status, 0) << made.output;
    std::ofstream(config) << "listen = \"127.0.0.1:0\"\ndatabase = \"" << db.string() << "\"\n[ear]\nsigning_key = \""
                          << key.string() << "\"\n";
    auto r = run_process({"timeout", "30", program(), "--config", config.string()});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("not P-256"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(db));  // refused before the store was opened
}

}  // namespace
}  // namespace keel::test
