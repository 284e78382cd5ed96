#include "attestation/tpm/key_templates.hpp"

#include <algorithm>
#include <cstdio>

namespace keel::tpm {
namespace {

// PolicySecret(TPM_RH_ENDORSEMENT) with SHA-256: whoever can authorize the
// endorsement hierarchy may use the EK (EK Credential Profile, B.6.1).
constexpr BYTE ek_auth_policy[32] = {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc,
                                     0x8d, 0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52,
                                     0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};

constexpr TPMA_OBJECT ek_attributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                      TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
constexpr TPMA_OBJECT ak_attributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
                                      TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                      TPMA_OBJECT_USERWITHAUTH;

constexpr TPMT_SYM_DEF_OBJECT aes128_cfb() {
    TPMT_SYM_DEF_OBJECT sym{};
    sym.algorithm = TPM2_ALG_AES;
    sym.keyBits.aes = 128;
    sym.mode.aes = TPM2_ALG_CFB;
    return sym;
}

constexpr TPMT_SYM_DEF_OBJECT no_symmetric() {
    TPMT_SYM_DEF_OBJECT sym{};
    sym.algorithm = TPM2_ALG_NULL;
    return sym;
}

TPMT_PUBLIC common(TPMI_ALG_PUBLIC type, TPMA_OBJECT attributes) {
    TPMT_PUBLIC p{};
    p.type = type;
    p.nameAlg = TPM2_ALG_SHA256;
    p.objectAttributes = attributes;
    return p;
}

std::string hex(unsigned value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%x", value);
    return text;
}

bool same_symmetric(const TPMT_SYM_DEF_OBJECT& a, const TPMT_SYM_DEF_OBJECT& b) {
    if (a.algorithm != b.algorithm) return false;
    return a.algorithm == TPM2_ALG_NULL || (a.keyBits.sym == b.keyBits.sym && a.mode.sym == b.mode.sym);
}

// The scheme's hash sits at the same place for every signing scheme; for
// TPM_ALG_NULL there is none.
template <class Scheme> bool same_scheme(const Scheme& a, const Scheme& b) {
    if (a.scheme != b.scheme) return false;
    return a.scheme == TPM2_ALG_NULL || a.details.anySig.hashAlg == b.details.anySig.hashAlg;
}

std::optional<std::string> rsa_mismatch(const TPMS_RSA_PARMS& key, const TPMS_RSA_PARMS& wanted) {
    if (!same_symmetric(key.symmetric, wanted.symmetric)) return "symmetric algorithm";
    if (!same_scheme(key.scheme, wanted.scheme)) return "signing scheme " + hex(key.scheme.scheme);
    if (key.keyBits != wanted.keyBits) return "key size " + std::to_string(key.keyBits) + " bits";
    auto exponent = [](UINT32 e) { return e == 0 ? 65537u : e; };  // 0 is the TPM's way to say 65537
    if (exponent(key.exponent) != exponent(wanted.exponent)) return "public exponent";
    return std::nullopt;
}

std::optional<std::string> ecc_mismatch(const TPMS_ECC_PARMS& key, const TPMS_ECC_PARMS& wanted) {
    if (!same_symmetric(key.symmetric, wanted.symmetric)) return "symmetric algorithm";
    if (!same_scheme(key.scheme, wanted.scheme)) return "signing scheme " + hex(key.scheme.scheme);
    if (key.curveID != wanted.curveID) return "curve " + hex(key.curveID);
    if (key.kdf.scheme != wanted.kdf.scheme) return "KDF";
    return std::nullopt;
}

}  // namespace

TPM2B_PUBLIC ek_template(EkType type) {
    TPM2B_PUBLIC t{};
    if (type == EkType::rsa2048) {
        t.publicArea = common(TPM2_ALG_RSA, ek_attributes);
        TPMS_RSA_PARMS& rsa = t.publicArea.parameters.rsaDetail;
        rsa.symmetric = aes128_cfb();
        rsa.scheme.scheme = TPM2_ALG_NULL;
        rsa.keyBits = 2048;
        rsa.exponent = 0;
        t.publicArea.unique.rsa.size = 256;  // zeros, as the profile says
    } else {
        t.publicArea = common(TPM2_ALG_ECC, ek_attributes);
        TPMS_ECC_PARMS& ecc = t.publicArea.parameters.eccDetail;
        ecc.symmetric = aes128_cfb();
        ecc.scheme.scheme = TPM2_ALG_NULL;
        ecc.curveID = TPM2_ECC_NIST_P256;
        ecc.kdf.scheme = TPM2_ALG_NULL;
        t.publicArea.unique.ecc.x.size = 32;
        t.publicArea.unique.ecc.y.size = 32;
    }
    t.publicArea.authPolicy.size = sizeof ek_auth_policy;
    std::copy(std::begin(ek_auth_policy), std::end(ek_auth_policy), t.publicArea.authPolicy.buffer);
    return t;
}

TPM2B_PUBLIC ak_template(AkScheme scheme) {
    TPM2B_PUBLIC t{};
    if (scheme == AkScheme::ecdsa) {
        t.publicArea = common(TPM2_ALG_ECC, ak_attributes);
        TPMS_ECC_PARMS& ecc = t.publicArea.parameters.eccDetail;
        ecc.symmetric = no_symmetric();
        ecc.scheme.scheme = TPM2_ALG_ECDSA;
        ecc.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
        ecc.curveID = TPM2_ECC_NIST_P256;
        ecc.kdf.scheme = TPM2_ALG_NULL;
    } else {
        t.publicArea = common(TPM2_ALG_RSA, ak_attributes);
        TPMS_RSA_PARMS& rsa = t.publicArea.parameters.rsaDetail;
        rsa.symmetric = no_symmetric();
        rsa.scheme.scheme = scheme == AkScheme::rsassa ? TPM2_ALG_RSASSA : TPM2_ALG_RSAPSS;
        rsa.scheme.details.anySig.hashAlg = TPM2_ALG_SHA256;
        rsa.keyBits = 2048;
        rsa.exponent = 0;
    }
    return t;
}

std::string describe(EkType type) { return type == EkType::rsa2048 ? "RSA-2048 EK" : "ECC NIST P-256 EK"; }

std::string describe(AkScheme scheme) {
    switch (scheme) {
    case AkScheme::rsassa: return "RSASSA-SHA256 AK";
    case AkScheme::rsapss: return "RSAPSS-SHA256 AK";
    case AkScheme::ecdsa: return "ECDSA-SHA256 AK";
    }
    return "AK";
}

std::optional<std::string> template_mismatch(const TPMT_PUBLIC& key, const TPMT_PUBLIC& wanted) {
    if (key.type != wanted.type) return "key type " + hex(key.type);
    if (key.nameAlg != wanted.nameAlg) return "name algorithm " + hex(key.nameAlg);
    if (key.objectAttributes != wanted.objectAttributes) return "object attributes " + hex(key.objectAttributes);
    const TPM2B_DIGEST &policy = key.authPolicy, &wanted_policy = wanted.authPolicy;
    if (!std::equal(policy.buffer, policy.buffer + policy.size, wanted_policy.buffer,
                    wanted_policy.buffer + wanted_policy.size))
        return "authPolicy";
    if (key.type == TPM2_ALG_RSA) return rsa_mismatch(key.parameters.rsaDetail, wanted.parameters.rsaDetail);
    if (key.type == TPM2_ALG_ECC) return ecc_mismatch(key.parameters.eccDetail, wanted.parameters.eccDetail);
    return std::nullopt;
}

}  // namespace keel::tpm
