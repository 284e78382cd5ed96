// A webhook's URL split as cpp-httplib's client takes it: "scheme://host:port"
// and the path. Only https, or http to a loopback address (where nothing
// but this machine sees the fleet's verdicts: the rule the API itself
// follows).
#pragma once

#include <string>

namespace keel::verifierd {

struct WebhookUrl {
    std::string origin;  // "https://hooks.example:8443"
    std::string path;  // "/keel", "/" when the URL has none
};

// Throws ConfigError naming the URL and what is wrong with it.
WebhookUrl parse_webhook_url(const std::string& url);

}  // namespace keel::verifierd
