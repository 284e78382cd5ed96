// Whether a listening address is this machine's loopback: where plain HTTP
// is tolerable, because nothing but this machine can see or send it. Used by
// keel-verifierd (TLS required elsewhere) and keel-agent serve (which has no
// TLS: loopback only).
#pragma once
#include <string>

namespace keel::net {

// `address` without the port: an IPv4 address in 127.0.0.0/8, ::1 (also in
// brackets), or "localhost". Any other name or address is not loopback.
bool is_loopback_address(const std::string& address);

// The address part of ADDRESS:PORT (the last colon separates them).
std::string host_of(const std::string& address_and_port);

}  // namespace keel::net
