// Certificates for a test fleet, made with the openssl command in a
// temporary directory: a CA, the verifier's server certificate (SAN
// IP:127.0.0.1), client certificates whose CN names an operator or a host,
// and a second CA's certificate for a client nobody trusts.
#pragma once

#include <filesystem>
#include <string>

namespace keel::test {

struct ClientCert {
    std::string certificate, private_key;
};

class TestPki {
public:
    explicit TestPki(const std::filesystem::path& dir);
    const std::string& ca() const { return ca_; }
    ClientCert server() const { return server_; }
    // A client certificate with subject CN `cn` (openssl -subj syntax after
    // "/CN=", so "a/CN=b" gives two CNs), from the fleet's CA (or,
    // with `rogue`, from a CA the verifier does not know).
    ClientCert client(const std::string& cn, bool rogue = false);

private:
    ClientCert issue(const std::string& cn, const std::string& ca, const std::string& ca_key, const std::string& ext,
                     const std::string& stem);
    std::filesystem::path dir_;
    std::string ca_, ca_key_, rogue_ca_, rogue_ca_key_;
    ClientCert server_;
};

}  // namespace keel::test
