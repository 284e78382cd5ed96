#include "vectors.hpp"

#include <fstream>
#include <iterator>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdexcept>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/hex.hpp"

namespace keel::evidence::test {

std::string data_path(const std::string& relative) { return std::string(KEEL_EVIDENCE_DATA) + "/" + relative; }

Bytes read_file(const std::string& relative) {
    std::ifstream in(data_path(relative), std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + data_path(relative));
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

Pkey read_public_key(const std::string& relative) {
    const Bytes pem = read_file(relative);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    if (std::string(pem.begin(), pem.end()).find("BEGIN CERTIFICATE") != std::string::npos) {
        std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                         X509_free);
        if (!cert) throw std::runtime_error("bad certificate " + relative);
        return Pkey(X509_get_pubkey(cert.get()));
    }
    Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!key) throw std::runtime_error("bad public key " + relative);
    return key;
}

const std::vector<Vector>& vectors() {
    static const std::vector<Vector> all = [] {
        std::vector<Vector> v;
        for (auto [name, hash] : {std::pair{"rsassa", eventlog::alg_sha256},
                                  {"rsapss", eventlog::alg_sha256},
                                  {"ecdsa", eventlog::alg_sha256},
                                  {"ecdsa384", eventlog::alg_sha384},
                                  {"rsassa4banks", eventlog::alg_sha256}}) {
            const std::string n = name;
            v.push_back({n, read_file(n + ".msg"), read_file(n + ".sig"), read_file(n + ".pcrs"),
                         read_file(n + ".nonce"), hash});
        }
        return v;
    }();
    return all;
}

const Vector& vector(const std::string& name) {
    for (const auto& v : vectors())
        if (v.name == name) return v;
    throw std::runtime_error("no vector " + name);
}

nlohmann::json read_json(const std::string& relative) { return nlohmann::json::parse(read_file(relative)); }

PcrValues values_from_json(const nlohmann::json& banks) {
    PcrValues values;
    for (const auto& [bank, pcrs] : banks.items()) {
        const auto alg = eventlog::algorithm_from_name(bank);
        if (!alg) throw std::runtime_error("unknown bank " + bank);
        for (const auto& [index, hex] : pcrs.items()) {
            auto value = eventlog::from_hex(hex.get<std::string>());
            if (!value) throw std::runtime_error("bad hex for PCR " + index);
            values[*alg][static_cast<std::uint32_t>(std::stoul(index))] = std::move(*value);
        }
    }
    return values;
}

}  // namespace keel::evidence::test
