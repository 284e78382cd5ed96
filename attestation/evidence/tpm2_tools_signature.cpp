#include "attestation/evidence/tpm2_tools_signature.hpp"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include <memory>
#include <string>

namespace keel::evidence {
namespace {

constexpr std::uint8_t der_sequence = 0x30;

struct SigFree {
    void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

Bytes big_endian(const BIGNUM* n) {
    Bytes out(static_cast<std::size_t>(BN_num_bytes(n)));
    BN_bn2bin(n, out.data());
    return out;
}

Signature plain_ecdsa(std::span<const std::uint8_t> bytes, std::uint16_t hash) {
    const unsigned char* p = bytes.data();
    std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(bytes.size())));
    // DER has one encoding: trailing bytes would be a second meaning.
    if (!sig || p != bytes.data() + bytes.size())
        throw ParseError("plain ECDSA signature: not one DER SEQUENCE {r, s} (" + std::to_string(bytes.size()) +
                         " bytes)");
    Signature out;
    out.sig_alg = alg_ecdsa;
    out.hash_alg = hash;
    out.ecdsa_r = big_endian(ECDSA_SIG_get0_r(sig.get()));
    out.ecdsa_s = big_endian(ECDSA_SIG_get0_s(sig.get()));
    return out;
}

}  // namespace

Tpm2ToolsSignature parse_tpm2_tools_signature(std::span<const std::uint8_t> bytes, EVP_PKEY* key,
                                              std::uint16_t rsa_scheme, std::uint16_t plain_hash) {
    const int type = key ? EVP_PKEY_get_base_id(key) : EVP_PKEY_NONE;
    if ((type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS) &&
        bytes.size() == static_cast<std::size_t>(EVP_PKEY_get_size(key))) {
        Signature out;
        out.sig_alg = rsa_scheme;
        out.hash_alg = plain_hash;
        out.rsa_signature.assign(bytes.begin(), bytes.end());
        return {std::move(out), true};
    }
    if (type == EVP_PKEY_EC && !bytes.empty() && bytes[0] == der_sequence)
        return {plain_ecdsa(bytes, plain_hash), true};
    return {parse_signature(bytes), false};
}

}  // namespace keel::evidence
