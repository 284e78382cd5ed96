#include "attestation/verifierd/webhook_url.hpp"

#include "attestation/net/loopback.hpp"
#include "attestation/verifierd/config.hpp"

namespace keel::verifierd {

WebhookUrl parse_webhook_url(const std::string& url) {
    const auto fail = [&](const std::string& why) { return ConfigError("notify.webhook " + url + ": " + why); };
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) throw fail("expected https://HOST[:PORT]/PATH");
    const auto scheme = url.substr(0, scheme_end);
    if (scheme != "https" && scheme != "http") throw fail("the scheme must be https (or http on loopback)");
    const auto path_start = url.find('/', scheme_end + 3);
    const auto authority =
        url.substr(scheme_end + 3, path_start == std::string::npos ? std::string::npos : path_start - scheme_end - 3);
    if (authority.empty() || authority.find_first_of("@?# ") != std::string::npos)
        throw fail("expected a host (and port), without user information");
    // The host without the port; an IPv6 literal keeps its brackets.
    std::string host = authority;
    const auto bracket = authority.rfind(']'), colon = authority.rfind(':');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket))
        host = authority.substr(0, colon);
    if (scheme == "http" && !net::is_loopback_address(host))
        throw fail("plain http only to a loopback address: the verdicts of the fleet would travel in the clear");
    return {scheme + "://" + authority, path_start == std::string::npos ? "/" : url.substr(path_start)};
}

}  // namespace keel::verifierd
