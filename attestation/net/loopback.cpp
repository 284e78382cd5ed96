#include "attestation/net/loopback.hpp"

#include <arpa/inet.h>

namespace keel::net {

bool is_loopback_address(const std::string& address) {
    std::string a = address;
    if (a.size() > 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
    if (a == "localhost") return true;
    in_addr v4{};
    if (inet_pton(AF_INET, a.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, a.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

std::string host_of(const std::string& address_and_port) {
    const auto colon = address_and_port.rfind(':');
    return colon == std::string::npos ? address_and_port : address_and_port.substr(0, colon);
}

}  // namespace keel::net
