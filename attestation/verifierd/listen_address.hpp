// ADDRESS:PORT as the configuration gives a listener (`listen`, `[status]
// listen`): the address without brackets, and the port (0: any free one).
#pragma once

#include <string>

namespace keel::verifierd {

struct ListenAddress {
    std::string address;
    int port = 0;
};

// Throws ConfigError naming `what` (the setting) when it is not ADDRESS:PORT.
ListenAddress parse_listen(const std::string& listen, const std::string& what = "listen");

}  // namespace keel::verifierd
