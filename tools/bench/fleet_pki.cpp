#include "tools/bench/fleet_pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>

namespace keel::bench {
namespace {

EVP_PKEY* new_key() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    if (!key) throw std::runtime_error("EVP_EC_gen failed");
    return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext || !X509_add_ext(cert, ext, -1)) throw std::runtime_error(std::string("extension ") + value);
    X509_EXTENSION_free(ext);
}

X509* new_cert(EVP_PKEY* key, const std::string& cn, long serial) {
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 7 * 86400);
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + path);
    const bool ok =
        cert ? PEM_write_X509(f, cert) == 1 : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    std::fclose(f);
    if (!ok) throw std::runtime_error("cannot write " + path);
}

}  // namespace

FleetPki::FleetPki(const std::filesystem::path& dir) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    auto* key = new_key();
    auto* cert = new_cert(key, "Keel fleet benchmark CA", serial_++);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, cert, NID_key_usage, "critical,keyCertSign");
    if (!X509_sign(cert, key, EVP_sha256())) throw std::runtime_error("X509_sign failed");
    ca_key_ = key;
    ca_cert_ = cert;
    ca_file_ = (dir_ / "ca.pem").string();
    write_pem(ca_file_, cert, nullptr);
}

FleetPki::~FleetPki() {
    X509_free(static_cast<X509*>(ca_cert_));
    EVP_PKEY_free(static_cast<EVP_PKEY*>(ca_key_));
}

PemPair FleetPki::server() { return issue("127.0.0.1", true, "server"); }

PemPair FleetPki::client(const std::string& cn) { return issue(cn, false, "client-" + cn); }

PemPair FleetPki::issue(const std::string& cn, bool server, const std::string& stem) {
    auto* issuer = static_cast<X509*>(ca_cert_);
    auto* key = new_key();
    auto* cert = new_cert(key, cn, serial_++);
    X509_set_issuer_name(cert, X509_get_subject_name(issuer));
    add_extension(cert, issuer, NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
    if (server) add_extension(cert, issuer, NID_subject_alt_name, "IP:127.0.0.1");
    if (!X509_sign(cert, static_cast<EVP_PKEY*>(ca_key_), EVP_sha256())) throw std::runtime_error("X509_sign failed");
    PemPair out{(dir_ / (stem + ".pem")).string(), (dir_ / (stem + ".key")).string()};
    write_pem(out.certificate, cert, nullptr);
    write_pem(out.private_key, nullptr, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
}

}  // namespace keel::bench
