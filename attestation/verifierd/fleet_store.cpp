#include "attestation/verifierd/fleet_store.hpp"

#include <ctime>

namespace keel::verifierd {

const char* mode_name(AttestMode mode) {
    switch (mode) {
    case AttestMode::manual: return "manual";
    case AttestMode::pull: return "pull";
    case AttestMode::push: return "push";
    }
    return "manual";
}

std::optional<AttestMode> parse_mode(const std::string& name) {
    if (name == "manual") return AttestMode::manual;
    if (name == "pull") return AttestMode::pull;
    if (name == "push") return AttestMode::push;
    return std::nullopt;
}

const char* state_name(HostState state) {
    switch (state) {
    case HostState::pending: return "pending";
    case HostState::trusted: return "trusted";
    case HostState::not_trusted: return "not-trusted";
    case HostState::unreachable: return "unreachable";
    }
    return "pending";
}

HostState parse_state(const std::string& name) {
    for (auto s : {HostState::pending, HostState::trusted, HostState::not_trusted, HostState::unreachable})
        if (name == state_name(s)) return s;
    throw StoreError("a host's state \"" + name + "\" is not one keel-verifierd writes");
}

Millis now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso_time(Millis ms) {
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    char out[40];
    std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(ms % 1000));
    return out;
}

}  // namespace keel::verifierd
