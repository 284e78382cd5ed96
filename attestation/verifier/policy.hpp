// The appraisal policy: what evidence must show beyond a valid quote. JSON,
// {"format": "keel-attestation-policy", "version": 1, ...}; every member is
// optional and defaults to the strict choice:
//   "required_banks": ["sha256"]      banks the quote must cover and the DRTM log replay in
//   "require_drtm": true              false only for a host known to boot without DRTM
//   "required_components": [names]    default: every component of the reference values, in order
// The parser takes untrusted text (policy files travel between teams and are
// stored per host), rejects unknown members and throws PolicyError naming the member.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace keel::verifier {

class PolicyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::size_t max_policy_bytes = 1u << 20;
inline constexpr std::size_t max_required_components = 256;

struct Policy {
    std::vector<std::uint16_t> required_banks{0x000B};  // sha256
    bool require_drtm = true;
    std::optional<std::vector<std::string>> required_components;
};

Policy parse_policy(std::string_view json_text);
std::string write_policy(const Policy& policy);

}  // namespace keel::verifier
