// The verifier's half of the credential exchange: TPM2_MakeCredential done
// with OpenSSL 3 instead of a TPM (Part 1, 24; Part 3, 12.6). The TPM holding
// the EK recovers `secret` with TPM2_ActivateCredential only when the object
// it names has exactly `object_name`, which is how the AK is tied to the EK.
#include "attestation/evidence/make_credential.hpp"

#include <stdexcept>
#include <string>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "attestation/evidence/kdf.hpp"
#include "attestation/evidence/key_crypto.hpp"
#include "attestation/evidence/tpm_constants.hpp"

namespace keel::evidence {

using namespace keys;

namespace {

// Part 1, 24.4 and Annex B.10.3/C.6.1: the secret-sharing "use" for credentials.
constexpr std::string_view identity_label = "IDENTITY";

[[noreturn]] void refuse(const std::string& why) { throw std::runtime_error("make_credential: " + why); }

// Wipes key material when it goes out of scope, however the function ends.
struct SecretBytes {
    Bytes bytes;
    ~SecretBytes() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

// The seed and the TPMU_ENCRYPTED_SECRET that lets the EK's TPM recover it.
struct SharedSeed {
    SecretBytes seed;
    Bytes encrypted;
};

void check_ek(const TpmPublic& ek) {
    if (ek.type == alg_rsa) {
        if (ek.rsa_bits != 2048 && ek.rsa_bits != 3072)
            refuse("the EK is RSA-" + std::to_string(ek.rsa_bits) + ", not RSA-2048 or RSA-3072");
    } else if (ek.type == alg_ecc) {
        if (ek.curve != curve_nist_p256 && ek.curve != curve_nist_p384)
            refuse("the EK's curve is not NIST P-256 or P-384");
    } else {
        refuse("the EK is neither RSA nor ECC");
    }
    if (!hash_name(ek.name_alg)) refuse("the EK's nameAlg is " + describe_hash(ek.name_alg));
    // Only a storage key's TPM unwraps a credential (Part 3, 12.5.1).
    if (!(ek.attributes & attr_restricted) || !(ek.attributes & attr_decrypt) || (ek.attributes & attr_sign))
        refuse("the EK is not a restricted decryption (storage) key");
    if (ek.symmetric_alg != alg_aes || (ek.symmetric_bits != 128 && ek.symmetric_bits != 256) ||
        ek.symmetric_mode != alg_cfb)
        refuse("the EK's symmetric algorithm is not AES-128-CFB or AES-256-CFB");
}

void check_name(std::span<const std::uint8_t> name) {
    const std::uint16_t alg = name.size() >= 2 ? static_cast<std::uint16_t>(name[0] << 8 | name[1]) : 0;
    if (!hash_name(alg) || name.size() != 2 + digest_size(alg))
        refuse("the object name is not a nameAlg followed by a SHA-1/256/384/512 digest");
}

Bytes random_bytes(std::size_t size) {
    Bytes out(size);
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) refuse("no random bytes: " + take_openssl_error());
    return out;
}

// Annex B.10.3: a random seed, RSA-OAEP encrypted with the EK's nameAlg and
// the label "IDENTITY" including its NUL.
SharedSeed rsa_seed(const TpmPublic& ek) {
    SharedSeed shared;
    shared.seed.bytes = random_bytes(digest_size(ek.name_alg));
    EvpPkey key = to_evp_pkey(ek);
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    char* hash = const_cast<char*>(hash_name(ek.name_alg));
    char label[identity_label.size() + 1] = {};
    identity_label.copy(label, identity_label.size());
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE,
                                         const_cast<char*>(OSSL_PKEY_RSA_PAD_MODE_OAEP), 0),
        OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, hash, 0),
        OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, hash, 0),
        OSSL_PARAM_construct_octet_string(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL, label, sizeof label),
        OSSL_PARAM_construct_end(),
    };
    const Bytes& seed = shared.seed.bytes;
    std::size_t length = 0;
    if (!ctx || EVP_PKEY_encrypt_init_ex(ctx.get(), params) <= 0 ||
        EVP_PKEY_encrypt(ctx.get(), nullptr, &length, seed.data(), seed.size()) <= 0)
        refuse("RSA-OAEP setup failed: " + take_openssl_error());
    shared.encrypted.resize(length);
    if (EVP_PKEY_encrypt(ctx.get(), shared.encrypted.data(), &length, seed.data(), seed.size()) <= 0)
        refuse("RSA-OAEP failed: " + take_openssl_error());
    shared.encrypted.resize(length);
    return shared;
}

Bytes coordinate(const EVP_PKEY* key, const char* which, std::size_t field_bytes) {
    BIGNUM* raw = nullptr;
    if (!EVP_PKEY_get_bn_param(key, which, &raw)) refuse("no ephemeral coordinate: " + take_openssl_error());
    Bignum value(raw);
    Bytes out(field_bytes);
    if (BN_bn2binpad(value.get(), out.data(), static_cast<int>(out.size())) < 0) refuse("coordinate too large");
    return out;
}

// Annex C.6.1: one-pass ECDH with an ephemeral key on the EK's curve;
// seed = KDFe(nameAlg, Z, "IDENTITY", ephemeral x, EK x), and the ephemeral
// public point (TPMS_ECC_POINT) is what the TPM needs to compute Z itself.
SharedSeed ecc_seed(const TpmPublic& ek) {
    const EccCurve* curve = find_curve(ek.curve);
    EvpPkey ek_key = to_evp_pkey(ek);
    EvpPkey ephemeral(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve->name));
    if (!ephemeral) refuse("no ephemeral key: " + take_openssl_error());
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, ephemeral.get(), nullptr));
    std::size_t length = 0;
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 || EVP_PKEY_derive_set_peer(ctx.get(), ek_key.get()) <= 0 ||
        EVP_PKEY_derive(ctx.get(), nullptr, &length) <= 0)
        refuse("ECDH with the EK failed: " + take_openssl_error());
    SecretBytes z{Bytes(length)};
    if (EVP_PKEY_derive(ctx.get(), z.bytes.data(), &length) <= 0 || length != curve->field_bytes)
        refuse("ECDH with the EK failed: " + take_openssl_error());

    const Bytes x = coordinate(ephemeral.get(), OSSL_PKEY_PARAM_EC_PUB_X, curve->field_bytes);
    const Bytes y = coordinate(ephemeral.get(), OSSL_PKEY_PARAM_EC_PUB_Y, curve->field_bytes);
    SharedSeed shared;
    shared.seed.bytes = kdfe(ek.name_alg, z.bytes, identity_label, x, ek.ecc_x, 8 * digest_size(ek.name_alg));
    append_u16(shared.encrypted, static_cast<std::uint16_t>(x.size()));
    append(shared.encrypted, x);
    append_u16(shared.encrypted, static_cast<std::uint16_t>(y.size()));
    append(shared.encrypted, y);
    return shared;
}

// Part 1, 24.4: AES in CFB mode with a zero IV; the key is single-use.
Bytes aes_cfb_encrypt(std::uint16_t bits, std::span<const std::uint8_t> key, std::span<const std::uint8_t> plain) {
    Cipher cipher(EVP_CIPHER_fetch(nullptr, bits == 128 ? "AES-128-CFB" : "AES-256-CFB", nullptr));
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    const std::uint8_t iv[16] = {};
    Bytes out(plain.size() + 16);
    int written = 0, final_written = 0;
    if (!cipher || !ctx || !EVP_EncryptInit_ex2(ctx.get(), cipher.get(), key.data(), iv, nullptr) ||
        !EVP_EncryptUpdate(ctx.get(), out.data(), &written, plain.data(), static_cast<int>(plain.size())) ||
        !EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &final_written))
        refuse("AES-CFB failed: " + take_openssl_error());
    out.resize(static_cast<std::size_t>(written + final_written));
    return out;
}

}  // namespace

Credential make_credential(const TpmPublic& ek, std::span<const std::uint8_t> secret,
                           std::span<const std::uint8_t> object_name) {
    check_ek(ek);
    check_name(object_name);
    const std::size_t digest_bytes = digest_size(ek.name_alg);
    if (secret.empty() || secret.size() > digest_bytes)
        refuse("the secret has " + std::to_string(secret.size()) + " bytes; the EK's nameAlg allows 1 to " +
               std::to_string(digest_bytes));

    const SharedSeed shared = ek.type == alg_rsa ? rsa_seed(ek) : ecc_seed(ek);
    const Bytes& seed = shared.seed.bytes;

    // Part 1, 24.4 (the credential, as a TPM2B_DIGEST, encrypted under a key
    // bound to the object's name) and 24.5 (the HMAC over it and the name).
    const SecretBytes sym_key{kdfa(ek.name_alg, seed, "STORAGE", object_name, {}, ek.symmetric_bits)};
    SecretBytes plain;
    append_u16(plain.bytes, static_cast<std::uint16_t>(secret.size()));
    append(plain.bytes, secret);
    const Bytes enc_identity = aes_cfb_encrypt(ek.symmetric_bits, sym_key.bytes, plain.bytes);

    const SecretBytes hmac_key{kdfa(ek.name_alg, seed, "INTEGRITY", {}, {}, 8 * digest_bytes)};
    Bytes covered = enc_identity;
    append(covered, object_name);
    const Bytes outer_hmac = hmac(ek.name_alg, hmac_key.bytes, covered);

    Credential credential;
    append_u16(credential.credential_blob, static_cast<std::uint16_t>(2 + outer_hmac.size() + enc_identity.size()));
    append_u16(credential.credential_blob, static_cast<std::uint16_t>(outer_hmac.size()));
    append(credential.credential_blob, outer_hmac);
    append(credential.credential_blob, enc_identity);
    append_u16(credential.encrypted_secret, static_cast<std::uint16_t>(shared.encrypted.size()));
    append(credential.encrypted_secret, shared.encrypted);
    return credential;
}

}  // namespace keel::evidence
