#include "attestation/verifierd/listen_address.hpp"

#include "attestation/verifierd/config.hpp"

namespace keel::verifierd {

ListenAddress parse_listen(const std::string& listen, const std::string& what) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) throw ConfigError(what + " " + listen + ": expected ADDRESS:PORT");
    ListenAddress a;
    a.address = listen.substr(0, colon);
    if (a.address.size() > 2 && a.address.front() == '[') a.address = a.address.substr(1, a.address.size() - 2);
    const auto port = listen.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
        throw ConfigError(what + " " + listen + ": the port is not a number");
    a.port = std::stoi(port);
    if (a.port > 65535) throw ConfigError(what + " " + listen + ": the port is out of range");
    return a;
}

}  // namespace keel::verifierd
