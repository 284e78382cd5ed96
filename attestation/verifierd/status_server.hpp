// Where the status page (status_page.hpp) is served. Two ways, both
// read-only:
//   - GET /status on the API (api_server.hpp): HTTPS, operators' client
//     certificates only, like GET /v1/hosts;
//   - with [status] listen, a listener of its own for a browser without a
//     client certificate: plain HTTP, so loopback addresses only
//     (check_config refuses any other; across the network, an SSH tunnel),
//     and only for requests whose Host header names loopback, so a web page
//     whose name an attacker points at 127.0.0.1 (DNS rebinding) cannot
//     read the fleet's verdicts through the operator's browser.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "attestation/verifierd/fleet_store.hpp"

namespace httplib {
class Server;
struct Response;
}  // namespace httplib

namespace keel::verifierd {

// The page as the answer, with its security headers (CSP, nosniff, no
// framing, no caching, no referrer); 503 when the store cannot be read.
void send_status_page(FleetStore& store, httplib::Response& res);

// Whether a Host header names a loopback host: localhost, 127.0.0.0/8 or
// [::1], with or without a port. Anything else (a name, no header) is not.
bool is_loopback_host_header(std::string_view host);

class StatusServer {
public:
    // Binds `listen` (ADDRESS:PORT, loopback: check_config); throws
    // ConfigError when it cannot.
    StatusServer(const std::string& listen, FleetStore& store);
    ~StatusServer();
    // Serves on a thread of its own; prints
    // "keel-verifierd: status page on http://ADDRESS:PORT/status" first.
    void start();
    void stop();
    int port() const { return port_; }

private:
    FleetStore& store_;
    std::unique_ptr<httplib::Server> server_;
    std::string address_;
    int port_ = 0;
    std::thread thread_;
};

}  // namespace keel::verifierd
