#include "attestation/eventlog/evp.hpp"

namespace keel::eventlog::evp {
namespace {

const char* openssl_name(AlgorithmId id) {
    switch (id) {
    case alg_sha1: return "SHA1";
    case alg_sha256: return "SHA2-256";
    case alg_sha384: return "SHA2-384";
    case alg_sha512: return "SHA2-512";
    case alg_sm3_256: return "SM3";
    case alg_sha3_256: return "SHA3-256";
    case alg_sha3_384: return "SHA3-384";
    case alg_sha3_512: return "SHA3-512";
    default: return nullptr;
    }
}
template <AlgorithmId id> const EVP_MD* cached() {
    static const Md md(EVP_MD_fetch(nullptr, openssl_name(id), nullptr));
    return md.get();
}

}  // namespace

const EVP_MD* fetched_md(AlgorithmId id) {
    switch (id) {
    case alg_sha1: return cached<alg_sha1>();
    case alg_sha256: return cached<alg_sha256>();
    case alg_sha384: return cached<alg_sha384>();
    case alg_sha512: return cached<alg_sha512>();
    case alg_sm3_256: return cached<alg_sm3_256>();
    case alg_sha3_256: return cached<alg_sha3_256>();
    case alg_sha3_384: return cached<alg_sha3_384>();
    case alg_sha3_512: return cached<alg_sha3_512>();
    default: return nullptr;
    }
}

}  // namespace keel::eventlog::evp
