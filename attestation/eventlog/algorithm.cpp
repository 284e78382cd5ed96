#include "attestation/eventlog/algorithm.hpp"

#include <array>
#include <cstdio>

namespace keel::eventlog {
namespace {

struct KnownAlgorithm {
    AlgorithmId id;
    std::string_view name;
    std::size_t digest_size;
};

constexpr std::array<KnownAlgorithm, 8> known_algorithms{{
    {alg_sha1, "sha1", 20},
    {alg_sha256, "sha256", 32},
    {alg_sha384, "sha384", 48},
    {alg_sha512, "sha512", 64},
    {alg_sm3_256, "sm3_256", 32},
    {alg_sha3_256, "sha3_256", 32},
    {alg_sha3_384, "sha3_384", 48},
    {alg_sha3_512, "sha3_512", 64},
}};

const KnownAlgorithm* find(AlgorithmId id) {
    for (const auto& a : known_algorithms)
        if (a.id == id) return &a;
    return nullptr;
}

}  // namespace

std::string algorithm_name(AlgorithmId id) {
    if (const auto* a = find(id)) return std::string(a->name);
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(id));
    return buf;
}

std::optional<AlgorithmId> algorithm_from_name(std::string_view name) {
    for (const auto& a : known_algorithms)
        if (a.name == name) return a.id;
    return std::nullopt;
}

std::size_t known_digest_size(AlgorithmId id) {
    const auto* a = find(id);
    return a ? a->digest_size : 0;
}

}  // namespace keel::eventlog
