#include "attestation/verifierd/named_components.hpp"

#include <algorithm>

namespace keel::verifierd {

std::vector<std::string> named_components(std::string_view message) {
    static constexpr std::string_view marker = "component \"";
    std::vector<std::string> names;
    for (auto at = message.find(marker); at != std::string_view::npos; at = message.find(marker, at)) {
        at += marker.size();
        std::string name;
        bool closed = false;
        for (; at < message.size(); ++at) {
            const char c = message[at];
            if (c == '"') {
                closed = true;
                ++at;
                break;
            }
            if (c == '\\' && at + 1 < message.size() && (message[at + 1] == '"' || message[at + 1] == '\\')) ++at;
            name += message[at];
        }
        if (closed && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
    }
    return names;
}

}  // namespace keel::verifierd
