#include "attestation/evidence/quote_check.hpp"

#include <cstdio>
#include <memory>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <unordered_map>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/evp.hpp"

namespace keel::evidence {
namespace {

struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
    void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// The hashes a TPM signs quotes with; the same cache as the replay's.
const EVP_MD* hash_md(std::uint16_t alg) {
    switch (alg) {
    case eventlog::alg_sha1:
    case eventlog::alg_sha256:
    case eventlog::alg_sha384:
    case eventlog::alg_sha512: return eventlog::evp::fetched_md(alg);
    default: return nullptr;
    }
}

// A hashing context per thread, reused instead of allocated for every call
// (re-initialising it keeps the provider's hash state).
EVP_MD_CTX* thread_digest_ctx() {
    thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    return ctx.get();
}
// Verification contexts per key, scheme and hash, kept per thread: setting
// one up (EVP_PKEY_CTX_new_from_pkey, verify_init) fetches the signature
// method under a lock, which costs as much as a P-256 verify's arithmetic
// minus a third. A verifier service appraises many hosts in turn on each of
// its threads, so one context (the last key's) missed nearly every time.
// Each entry holds a reference to its key, so a key's address cannot be
// reused by another key while its context is kept; a host re-enrolled with
// a new key gets a new EVP_PKEY and so a new context. Bounded: when full,
// every context is dropped (a fleet larger than this gains less, never a
// wrong key).
class VerifyContextCache {
public:
    static constexpr std::size_t max_entries = 1024;
    ~VerifyContextCache() { clear(); }
    EVP_PKEY_CTX* get(EVP_PKEY* key, std::uint16_t scheme, std::uint16_t hash, const EVP_MD* md) {
        const Key k{key, scheme, hash};
        if (auto it = entries_.find(k); it != entries_.end()) return it->second;
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
        if (!ctx || EVP_PKEY_verify_init(ctx) != 1 || !configure(ctx, scheme, md)) {
            EVP_PKEY_CTX_free(ctx);
            return nullptr;
        }
        if (entries_.size() >= max_entries) clear();
        if (EVP_PKEY_up_ref(key) != 1) {
            EVP_PKEY_CTX_free(ctx);
            return nullptr;
        }
        entries_.emplace(k, ctx);
        return ctx;
    }

private:
    struct Key {
        EVP_PKEY* key;
        std::uint16_t scheme, hash;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const {
            return std::hash<const void*>()(k.key) ^ (std::size_t(k.scheme) << 16 | k.hash);
        }
    };
    static bool configure(EVP_PKEY_CTX* ctx, std::uint16_t scheme, const EVP_MD* md) {
        if (EVP_PKEY_CTX_set_signature_md(ctx, md) != 1) return false;
        if (scheme == alg_ecdsa) return true;
        const bool pss = scheme == alg_rsapss;
        // TPMs differ in PSS salt length (the digest size, or the maximum):
        // take what the signature says, as the TPM 2.0 spec permits either.
        return EVP_PKEY_CTX_set_rsa_padding(ctx, pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) == 1 &&
               (!pss || (EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_AUTO) == 1 &&
                         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1));
    }
    void clear() {
        for (auto& [k, ctx] : entries_) {
            EVP_PKEY_CTX_free(ctx);
            EVP_PKEY_free(k.key);
        }
        entries_.clear();
    }
    std::unordered_map<Key, EVP_PKEY_CTX*, KeyHash> entries_;
};

EVP_PKEY_CTX* verify_context(EVP_PKEY* key, std::uint16_t scheme, std::uint16_t hash, const EVP_MD* md) {
    thread_local VerifyContextCache cache;
    return cache.get(key, scheme, hash, md);
}

// OpenSSL queues an error for every failed verification; a verifier that
// checks many bad quotes on one thread must not let the queue grow.
std::string failed(std::string why) {
    ERR_clear_error();
    return why;
}

std::string hex16(std::uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(v));
    return buf;
}

// A key's type in words, for "an ECDSA signature needs an EC key, not RSA".
std::string key_type(EVP_PKEY* key) {
    const char* name = EVP_PKEY_get0_type_name(key);
    return name ? name : "of unknown type";
}

// The DER ECDSA-Sig-Value OpenSSL verifies: INTEGERs, minimal and positive,
// whatever leading zeros the TPM's fixed-size r and s carry.
Bytes ecdsa_der(const Signature& signature) {
    std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(signature.ecdsa_r.data(), static_cast<int>(signature.ecdsa_r.size()), nullptr);
    BIGNUM* s = BN_bin2bn(signature.ecdsa_s.data(), static_cast<int>(signature.ecdsa_s.size()), nullptr);
    if (!sig || !r || !s || !ECDSA_SIG_set0(sig.get(), r, s)) {
        BN_free(r);
        BN_free(s);
        return {};
    }
    const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (size <= 0) return {};
    Bytes der(static_cast<std::size_t>(size));
    unsigned char* p = der.data();
    i2d_ECDSA_SIG(sig.get(), &p);
    return der;
}

}  // namespace

std::string signature_problem(EVP_PKEY* key, std::span<const std::uint8_t> attest, const Signature& signature) {
    if (key == nullptr) return "no attestation key to check the signature with";
    const std::uint16_t scheme = signature.sig_alg;
    if (scheme != alg_rsassa && scheme != alg_rsapss && scheme != alg_ecdsa)
        return "signature algorithm " + hex16(scheme) + " is not RSASSA, RSAPSS or ECDSA";
    const EVP_MD* md = hash_md(signature.hash_alg);
    if (md == nullptr)
        return "the signature's hash algorithm " + eventlog::algorithm_name(signature.hash_alg) +
               " is not sha1, sha256, sha384 or sha512";

    const int type = EVP_PKEY_get_base_id(key);
    Bytes der;
    std::span<const std::uint8_t> sig;
    if (scheme == alg_ecdsa) {
        if (type != EVP_PKEY_EC) return "an ECDSA signature needs an EC key, not " + key_type(key);
        der = ecdsa_der(signature);
        if (der.empty()) return failed("the ECDSA signature's r and s do not encode");
        sig = der;
    } else {
        // An RSA-PSS key (restricted to PSS) cannot make an RSASSA signature.
        if (type != EVP_PKEY_RSA && !(scheme == alg_rsapss && type == EVP_PKEY_RSA_PSS))
            return std::string("an ") + signature_scheme_name(scheme) + " signature needs an RSA key, not " +
                   key_type(key);
        const auto modulus = static_cast<std::size_t>(EVP_PKEY_get_size(key));
        if (signature.rsa_signature.size() != modulus)
            return "the RSA signature has " + std::to_string(signature.rsa_signature.size()) +
                   " bytes, but the key's modulus has " + std::to_string(modulus);
        sig = signature.rsa_signature;
    }

    // Hash, then verify the digest with a key context kept per thread: setting
    // one up fetches the signature method under a lock, which costs as much
    // as the rest of a quote check besides the RSA operation itself.
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    EVP_MD_CTX* hasher = thread_digest_ctx();
    if (hasher == nullptr || EVP_DigestInit_ex2(hasher, md, nullptr) != 1 ||
        EVP_DigestUpdate(hasher, attest.data(), attest.size()) != 1 ||
        EVP_DigestFinal_ex(hasher, digest, &digest_size) != 1)
        return failed("OpenSSL cannot hash the quote");
    EVP_PKEY_CTX* ctx = verify_context(key, scheme, signature.hash_alg, md);
    if (ctx == nullptr)
        return failed("OpenSSL cannot set up " + std::string(signature_scheme_name(scheme)) + " with this key");
    if (EVP_PKEY_verify(ctx, sig.data(), sig.size(), digest, digest_size) != 1)
        return failed("the signature does not verify with the attestation key");
    return {};
}

std::optional<Bytes> pcr_digest(std::uint16_t alg, const std::vector<PcrSelection>& selection,
                                const PcrValues& values) {
    const EVP_MD* md = hash_md(alg);
    EVP_MD_CTX* ctx = thread_digest_ctx();
    if (md == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx, md, nullptr) != 1) return std::nullopt;
    for (const auto& bank : selection) {
        if (bank.pcrs.empty()) continue;
        const auto bank_values = values.find(bank.hash_alg);
        const std::size_t size = eventlog::known_digest_size(bank.hash_alg);
        if (bank_values == values.end() || size == 0) return std::nullopt;
        for (std::uint32_t pcr : bank.pcrs) {
            const auto value = bank_values->second.find(pcr);
            if (value == bank_values->second.end() || value->second.size() != size) return std::nullopt;
            if (EVP_DigestUpdate(ctx, value->second.data(), size) != 1) return std::nullopt;
        }
    }
    Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx, out.data(), &length) != 1) return std::nullopt;
    out.resize(length);
    return out;
}

}  // namespace keel::evidence
