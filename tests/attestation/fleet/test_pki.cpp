#include "test_pki.hpp"

#include <fstream>
#include <stdexcept>

#include "tests/launch/launch_run.hpp"

namespace keel::test {
namespace {

void openssl(std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    auto r = run_process(args);
    if (r.status != 0) throw std::runtime_error("openssl " + args[1] + " failed: " + r.output);
}

void make_ca(const std::filesystem::path& dir, const std::string& stem, const std::string& cn) {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             (dir / (stem + ".key")).string(), "-out", (dir / (stem + ".pem")).string(), "-subj", "/CN=" + cn, "-days",
             "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"});
}

}  // namespace

TestPki::TestPki(const std::filesystem::path& dir) : dir_(dir / "pki") {
    std::filesystem::create_directories(dir_);
    make_ca(dir_, "ca", "Keel fleet test CA");
    make_ca(dir_, "rogue-ca", "Somebody else's CA");
    ca_ = (dir_ / "ca.pem").string();
    ca_key_ = (dir_ / "ca.key").string();
    rogue_ca_ = (dir_ / "rogue-ca.pem").string();
    rogue_ca_key_ = (dir_ / "rogue-ca.key").string();
    server_ = issue("127.0.0.1", ca_, ca_key_, "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", "server");
}

ClientCert TestPki::client(const std::string& cn, bool rogue) {
    std::string stem = (rogue ? "rogue-" : "client-") + cn;
    for (auto& c : stem)
        if (c == '/' || c == '=') c = '_';
    return issue(cn, rogue ? rogue_ca_ : ca_, rogue ? rogue_ca_key_ : ca_key_, "extendedKeyUsage=clientAuth\n", stem);
}

ClientCert TestPki::issue(const std::string& cn, const std::string& ca, const std::string& ca_key,
                          const std::string& ext, const std::string& stem) {
    const auto key = (dir_ / (stem + ".key")).string(), csr = (dir_ / (stem + ".csr")).string(),
               pem = (dir_ / (stem + ".pem")).string(), ext_file = (dir_ / (stem + ".ext")).string();
    std::ofstream(ext_file) << ext;
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
             "-subj", "/CN=" + cn});
    openssl({"x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", pem, "-days", "2",
             "-extfile", ext_file});
    return {pem, key};
}

}  // namespace keel::test
