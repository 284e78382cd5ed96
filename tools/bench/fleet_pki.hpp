// Certificates for the fleet benchmark, made in process with OpenSSL (a
// thousand hosts' certificates through the openssl command would take
// longer than the measurement): a CA, the verifier's server certificate for
// 127.0.0.1, and one client certificate per host with its host id as CN.
// P-256 keys; written as PEM files into a directory.
#pragma once

#include <filesystem>
#include <string>

namespace keel::bench {

struct PemPair {
    std::string certificate, private_key;  // file paths
};

class FleetPki {
public:
    explicit FleetPki(const std::filesystem::path& dir);
    ~FleetPki();
    FleetPki(const FleetPki&) = delete;
    FleetPki& operator=(const FleetPki&) = delete;

    const std::string& ca() const { return ca_file_; }
    PemPair server();  // SAN IP:127.0.0.1
    PemPair client(const std::string& cn);

private:
    PemPair issue(const std::string& cn, bool server, const std::string& stem);
    std::filesystem::path dir_;
    void* ca_key_ = nullptr;  // EVP_PKEY*
    void* ca_cert_ = nullptr;  // X509*
    std::string ca_file_;
    long serial_ = 1;
};

}  // namespace keel::bench
