// TPM2B_PUBLIC from untrusted bytes (libtss2-mu), the key's TPM name, the
// same key as an OpenSSL 3 EVP_PKEY, and whether it may serve as an AK.
#include "attestation/evidence/public_key.hpp"

#include <climits>
#include <cstdio>
#include <stdexcept>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include "attestation/evidence/key_crypto.hpp"
#include "attestation/evidence/tpm_constants.hpp"

namespace keel::evidence {

using namespace keys;

namespace {

using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, OsslDeleter<OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, OsslDeleter<OSSL_PARAM_free>>;

std::string hex16(std::uint16_t value) {
    char text[8];
    std::snprintf(text, sizeof text, "0x%04x", value);
    return text;
}

[[noreturn]] void malformed(const std::string& why) { throw ParseError("TPM2B_PUBLIC: " + why); }

Bytes copy_of(const std::uint8_t* data, std::size_t size) { return Bytes(data, data + size); }

// The same TPMT_PUBLIC marshalled by libtss2-mu: `marshalled` must be exactly
// what the fields say, or the name would vouch for bytes the fields hide.
bool canonical(const TPMT_PUBLIC& area, std::span<const std::uint8_t> bytes) {
    std::uint8_t buffer[sizeof(TPMT_PUBLIC)];
    std::size_t length = 0;
    if (Tss2_MU_TPMT_PUBLIC_Marshal(&area, buffer, sizeof buffer, &length) != TSS2_RC_SUCCESS) return false;
    return Bytes(buffer, buffer + length) == Bytes(bytes.begin(), bytes.end());
}

void fill_symmetric(TpmPublic& key, const TPMT_SYM_DEF_OBJECT& symmetric) {
    key.symmetric_alg = symmetric.algorithm;
    if (symmetric.algorithm == alg_null) return;
    key.symmetric_bits = symmetric.keyBits.sym;
    key.symmetric_mode = symmetric.mode.sym;
}

void fill_scheme(TpmPublic& key, std::uint16_t scheme, const TPMU_ASYM_SCHEME& details) {
    key.scheme = scheme;
    if (scheme != alg_null) key.scheme_hash = details.anySig.hashAlg;
}

EvpPkey from_params(const char* type, const OSSL_PARAM* params) {
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* key = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params)) <= 0)
        throw std::runtime_error(std::string("TPM public key: OpenSSL rejects it as an ") + type +
                                 " key: " + take_openssl_error());
    return EvpPkey(key);
}

EvpPkey rsa_pkey(const TpmPublic& key) {
    if (key.rsa_modulus.empty()) throw std::runtime_error("TPM public key: RSA key without a modulus");
    Bignum n(BN_bin2bn(key.rsa_modulus.data(), static_cast<int>(key.rsa_modulus.size()), nullptr));
    Bignum e(BN_new());
    ParamBld build(OSSL_PARAM_BLD_new());
    // The TPM writes 0 for the default exponent (Part 2, TPMS_RSA_PARMS).
    if (!n || !e || !build || !BN_set_word(e.get(), key.rsa_exponent == 0 ? 65537 : key.rsa_exponent) ||
        !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
        !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()))
        throw std::runtime_error("TPM public key: out of memory: " + take_openssl_error());
    Params params(OSSL_PARAM_BLD_to_param(build.get()));
    if (!params) throw std::runtime_error("TPM public key: out of memory: " + take_openssl_error());
    return from_params("RSA", params.get());
}

EvpPkey ecc_pkey(const TpmPublic& key) {
    const EccCurve* curve = find_curve(key.curve);
    if (!curve)
        throw std::runtime_error("TPM public key: ECC curve " + hex16(key.curve) + " is not NIST P-256/384/521");
    if (key.ecc_x.empty() || key.ecc_y.empty() || key.ecc_x.size() > curve->field_bytes ||
        key.ecc_y.size() > curve->field_bytes)
        throw std::runtime_error(std::string("TPM public key: coordinates do not fit ") + curve->name);
    // SEC 1 uncompressed point; TPMs may drop leading zero bytes of x and y.
    Bytes point{0x04};
    point.insert(point.end(), curve->field_bytes - key.ecc_x.size(), 0);
    append(point, key.ecc_x);
    point.insert(point.end(), curve->field_bytes - key.ecc_y.size(), 0);
    append(point, key.ecc_y);
    ParamBld build(OSSL_PARAM_BLD_new());
    if (!build || !OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->name, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
        throw std::runtime_error("TPM public key: out of memory: " + take_openssl_error());
    Params params(OSSL_PARAM_BLD_to_param(build.get()));
    if (!params) throw std::runtime_error("TPM public key: out of memory: " + take_openssl_error());
    return from_params("EC", params.get());
}

std::string describe_scheme(std::uint16_t scheme) {
    switch (scheme) {
    case alg_null: return "TPM_ALG_NULL";
    case alg_rsassa: return "RSASSA";
    case alg_rsapss: return "RSAPSS";
    case alg_ecdsa: return "ECDSA";
    default: return "algorithm " + hex16(scheme);
    }
}

struct RequiredAttribute {
    std::uint32_t bit;
    bool set;  // whether an AK must have it set
    const char* problem;
};

// What makes a signature over a TPMS_ATTEST mean that the TPM made it: only a
// restricted signing key refuses to sign bytes that begin with
// TPM_GENERATED_VALUE unless the TPM produced them itself.
const RequiredAttribute restricted_signing_attributes[] = {
    {attr_restricted, true,
     "the key is not restricted: an unrestricted TPM key can sign any bytes, including a forged TPMS_ATTEST, so "
     "its quotes prove nothing"},
    {attr_sign, true, "the key cannot sign (sign is clear): it cannot sign quotes"},
    {attr_decrypt, false,
     "the key can decrypt (decrypt is set): an attestation key must be a signing key and nothing else"},
};

// What keeps the key on the TPM that made it.
const RequiredAttribute residency_attributes[] = {
    {attr_fixed_tpm, true, "the key is not fixedTPM: it could be duplicated out of the TPM that quotes with it"},
    {attr_fixed_parent, true, "the key is not fixedParent: it could be duplicated to another parent and TPM"},
    {attr_sensitive_data_origin, true,
     "the key is not sensitiveDataOrigin: its private part may have been made outside the TPM"},
};

std::string scheme_problem(const TpmPublic& key) {
    const bool fits =
        key.type == alg_rsa ? key.scheme == alg_rsassa || key.scheme == alg_rsapss : key.scheme == alg_ecdsa;
    if (fits) return {};
    if (key.scheme == alg_rsassa || key.scheme == alg_rsapss || key.scheme == alg_ecdsa)
        return "the key's signing scheme " + describe_scheme(key.scheme) + " does not fit its " +
               (key.type == alg_rsa ? "RSA" : "ECC") + " key";
    const std::string problem = "the key's signing scheme is " + describe_scheme(key.scheme) + " (" +
                                hex16(key.scheme) + "), not RSASSA, RSAPSS or ECDSA";
    if (key.scheme != alg_null) return problem;
    return problem + ": a caller could have it sign with any scheme and hash";
}

std::string size_problem(const TpmPublic& key) {
    if (key.type == alg_rsa) {
        if (key.rsa_bits >= 2048) return {};
        return "the key is RSA-" + std::to_string(key.rsa_bits) + ": attestation keys need at least 2048 bits";
    }
    if (key.curve == curve_nist_p256 || key.curve == curve_nist_p384) return {};
    return "the key is on ECC curve " + hex16(key.curve) + ", not NIST P-256 or P-384";
}

}  // namespace

TpmPublic parse_public(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < 2) malformed("too short for its size field");
    const std::size_t declared = static_cast<std::size_t>(bytes[0]) << 8 | bytes[1];
    if (declared == 0) malformed("size 0: there is no public area");
    if (bytes.size() < 2 + declared)
        malformed("declares " + std::to_string(declared) + " bytes but " + std::to_string(bytes.size() - 2) +
                  " follow");
    if (bytes.size() > 2 + declared)
        malformed(std::to_string(bytes.size() - 2 - declared) + " bytes after the end of the structure");

    TPM2B_PUBLIC pub{};
    std::size_t offset = 0;
    const TSS2_RC rc = Tss2_MU_TPM2B_PUBLIC_Unmarshal(bytes.data(), bytes.size(), &offset, &pub);
    if (rc != TSS2_RC_SUCCESS) {
        char code[16];
        std::snprintf(code, sizeof code, "0x%08x", rc);
        malformed(std::string("not a valid TPMT_PUBLIC (libtss2-mu error ") + code + ")");
    }
    if (offset != bytes.size())
        malformed("the public area ends " + std::to_string(bytes.size() - offset) + " bytes before its size says");

    const TPMT_PUBLIC& area = pub.publicArea;
    if (area.type != alg_rsa && area.type != alg_ecc) malformed("type " + hex16(area.type) + " is not RSA or ECC");
    if (!hash_name(area.nameAlg))
        malformed("nameAlg " + describe_hash(area.nameAlg) + " is not SHA-1/256/384/512, so the key has no name");
    const auto marshalled = bytes.subspan(2);
    if (!canonical(area, marshalled)) malformed("the public area is not in canonical form");

    TpmPublic key;
    key.type = area.type;
    key.name_alg = area.nameAlg;
    key.attributes = area.objectAttributes;
    key.auth_policy = copy_of(area.authPolicy.buffer, area.authPolicy.size);
    if (area.type == alg_rsa) {
        const TPMS_RSA_PARMS& rsa = area.parameters.rsaDetail;
        fill_symmetric(key, rsa.symmetric);
        fill_scheme(key, rsa.scheme.scheme, rsa.scheme.details);
        key.rsa_bits = rsa.keyBits;
        key.rsa_exponent = rsa.exponent;
        key.rsa_modulus = copy_of(area.unique.rsa.buffer, area.unique.rsa.size);
        if (key.rsa_bits == 0 || key.rsa_bits % 8 != 0 || key.rsa_modulus.size() != key.rsa_bits / 8u)
            malformed("the RSA modulus has " + std::to_string(key.rsa_modulus.size()) + " bytes, keyBits says " +
                      std::to_string(key.rsa_bits) + " bits");
    } else {
        const TPMS_ECC_PARMS& ecc = area.parameters.eccDetail;
        fill_symmetric(key, ecc.symmetric);
        fill_scheme(key, ecc.scheme.scheme, ecc.scheme.details);
        key.curve = ecc.curveID;
        key.ecc_x = copy_of(area.unique.ecc.x.buffer, area.unique.ecc.x.size);
        key.ecc_y = copy_of(area.unique.ecc.y.buffer, area.unique.ecc.y.size);
        if (key.ecc_x.empty() || key.ecc_y.empty()) malformed("the ECC point is empty");
    }
    key.marshalled.assign(marshalled.begin(), marshalled.end());
    append_u16(key.name, key.name_alg);
    append(key.name, digest(key.name_alg, key.marshalled));
    return key;
}

EvpPkey to_evp_pkey(const TpmPublic& key) {
    if (key.type == alg_rsa) return rsa_pkey(key);
    if (key.type == alg_ecc) return ecc_pkey(key);
    throw std::runtime_error("TPM public key: type " + hex16(key.type) + " is not RSA or ECC");
}

EvpPkey read_pem_public_key(std::span<const std::uint8_t> pem) {
    if (pem.empty()) throw ParseError("PEM public key: empty input");
    if (pem.size() > INT_MAX) throw ParseError("PEM public key: too large");
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw std::runtime_error("PEM public key: out of memory: " + take_openssl_error());
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (!key)
        throw ParseError("PEM public key: no SubjectPublicKeyInfo (\"BEGIN PUBLIC KEY\") block: " +
                         take_openssl_error());
    return EvpPkey(key);
}

std::vector<std::string> restricted_signing_key_problems(const TpmPublic& key) {
    std::vector<std::string> problems;
    for (const RequiredAttribute& required : restricted_signing_attributes)
        if (((key.attributes & required.bit) != 0) != required.set) problems.emplace_back(required.problem);
    return problems;
}

std::vector<std::string> attestation_key_problems(const TpmPublic& key) {
    if (key.type != alg_rsa && key.type != alg_ecc)
        return {"the key's type " + hex16(key.type) + " is neither RSA nor ECC"};
    std::vector<std::string> problems = restricted_signing_key_problems(key);
    for (const RequiredAttribute& required : residency_attributes)
        if (((key.attributes & required.bit) != 0) != required.set) problems.emplace_back(required.problem);
    if (auto problem = scheme_problem(key); !problem.empty()) problems.push_back(problem);
    const bool signing_scheme = key.scheme == alg_rsassa || key.scheme == alg_rsapss || key.scheme == alg_ecdsa;
    if (signing_scheme && key.scheme_hash != alg_sha256 && key.scheme_hash != alg_sha384 &&
        key.scheme_hash != alg_sha512)
        problems.push_back("the key signs with " + describe_hash(key.scheme_hash) +
                           ", not SHA-256, SHA-384 or SHA-512");
    if (auto problem = size_problem(key); !problem.empty()) problems.push_back(problem);
    // The name is what MakeCredential binds the credential to: with a SHA-1
    // name, a chosen-prefix collision could bind it to another public area.
    if (key.name_alg != alg_sha256 && key.name_alg != alg_sha384 && key.name_alg != alg_sha512)
        problems.push_back("the key's name uses " + describe_hash(key.name_alg) +
                           ", not SHA-256, SHA-384 or SHA-512: a credential bound to it proves too little");
    return problems;
}

}  // namespace keel::evidence
