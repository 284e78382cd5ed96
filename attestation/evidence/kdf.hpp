// Private to keel_keys: the TPM's key derivation functions (TPM 2.0 Part 1,
// 11.4.9.2 KDFa and 11.4.10.3 KDFe). Labels are given without their
// terminating NUL; both functions add the single 0x00 the TPM hashes after it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "attestation/evidence/bytes.hpp"

namespace keel::evidence::keys {

// SP 800-108 counter mode with HMAC_hash:
// K(i) = HMAC(key, [i]32 || label || 0x00 || context_u || context_v || [bits]32).
Bytes kdfa(std::uint16_t hash_alg, std::span<const std::uint8_t> key, std::string_view label,
           std::span<const std::uint8_t> context_u, std::span<const std::uint8_t> context_v, std::size_t bits);

// SP 800-56A concatenation KDF with hash:
// K(i) = H([i]32 || z || label || 0x00 || party_u || party_v).
Bytes kdfe(std::uint16_t hash_alg, std::span<const std::uint8_t> z, std::string_view label,
           std::span<const std::uint8_t> party_u, std::span<const std::uint8_t> party_v, std::size_t bits);

}  // namespace keel::evidence::keys
