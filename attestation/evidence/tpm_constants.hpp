// Private to keel_keys: the TPM 2.0 Part 2 constants the key code checks,
// and the NIST curves as OpenSSL names them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "attestation/evidence/tpm_types.hpp"  // the signature schemes

namespace keel::evidence::keys {

inline constexpr std::uint16_t alg_aes = 0x0006;
inline constexpr std::uint16_t alg_null = 0x0010;
inline constexpr std::uint16_t alg_cfb = 0x0043;

// TPMA_OBJECT
inline constexpr std::uint32_t attr_fixed_tpm = 1u << 1;
inline constexpr std::uint32_t attr_fixed_parent = 1u << 4;
inline constexpr std::uint32_t attr_sensitive_data_origin = 1u << 5;
inline constexpr std::uint32_t attr_restricted = 1u << 16;
inline constexpr std::uint32_t attr_decrypt = 1u << 17;
inline constexpr std::uint32_t attr_sign = 1u << 18;

inline constexpr std::uint16_t curve_nist_p256 = 0x0003;
inline constexpr std::uint16_t curve_nist_p384 = 0x0004;
inline constexpr std::uint16_t curve_nist_p521 = 0x0005;

struct EccCurve {
    std::uint16_t tpm_id;
    const char* name;  // OpenSSL group name
    std::size_t field_bytes;
};

inline constexpr EccCurve nist_curves[] = {
    {curve_nist_p256, "P-256", 32},
    {curve_nist_p384, "P-384", 48},
    {curve_nist_p521, "P-521", 66},
};

inline const EccCurve* find_curve(std::uint16_t tpm_id) {
    for (const EccCurve& curve : nist_curves)
        if (curve.tpm_id == tpm_id) return &curve;
    return nullptr;
}

}  // namespace keel::evidence::keys
