// TPM hash algorithm identifiers (TPM 2.0 Part 2, TPM_ALG_ID) as they appear
// in event logs, and the names Keel uses for them in JSON and on the console.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keel::eventlog {

using AlgorithmId = std::uint16_t;

inline constexpr AlgorithmId alg_sha1 = 0x0004;
inline constexpr AlgorithmId alg_sha256 = 0x000B;
inline constexpr AlgorithmId alg_sha384 = 0x000C;
inline constexpr AlgorithmId alg_sha512 = 0x000D;
inline constexpr AlgorithmId alg_sm3_256 = 0x0012;
inline constexpr AlgorithmId alg_sha3_256 = 0x0027;
inline constexpr AlgorithmId alg_sha3_384 = 0x0028;
inline constexpr AlgorithmId alg_sha3_512 = 0x0029;

// "sha256" for known algorithms, "0x1234" for others.
std::string algorithm_name(AlgorithmId id);
// The inverse for known algorithm names.
std::optional<AlgorithmId> algorithm_from_name(std::string_view name);
// The digest size of a known algorithm, 0 for an unknown one.
std::size_t known_digest_size(AlgorithmId id);

}  // namespace keel::eventlog
