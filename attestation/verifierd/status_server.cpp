#include "attestation/verifierd/status_server.hpp"

#include <httplib.h>
#include <iostream>

#include "attestation/net/loopback.hpp"
#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/listen_address.hpp"
#include "attestation/verifierd/status_page.hpp"

namespace keel::verifierd {
namespace {

// A browser's few requests; the page is a snapshot made per request.
constexpr std::size_t status_threads = 2;

}  // namespace

void send_status_page(FleetStore& store, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Cache-Control", "no-store");
    try {
        const auto page = render_status_page(collect_status(store), now_ms());
        res.status = 200;
        res.set_header("Content-Security-Policy", status_page_policy());
        res.set_header("X-Frame-Options", "DENY");
        res.set_header("Referrer-Policy", "no-referrer");
        res.set_content(page, "text/html; charset=utf-8");
    } catch (const StoreError& e) {
        std::cerr << "keel-verifierd: status page: store: " << e.what() << std::endl;
        res.status = 503;
        res.set_content(std::string("the verifier's store failed: ") + e.what() + "\n", "text/plain; charset=utf-8");
    }
}

bool is_loopback_host_header(std::string_view host) {
    std::string_view name = host, port;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) return false;
        name = host.substr(0, close + 1);
        port = host.substr(close + 1);
    } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
        name = host.substr(0, colon);
        port = host.substr(colon);
    }
    if (!port.empty() && (port.front() != ':' || port.size() < 2 || port.size() > 6 ||
                          port.find_first_not_of("0123456789", 1) != std::string_view::npos))
        return false;
    return !name.empty() && net::is_loopback_address(std::string(name));
}

StatusServer::StatusServer(const std::string& listen, FleetStore& store)
    : store_(store), server_(std::make_unique<httplib::Server>()) {
    const auto where = parse_listen(listen, "status.listen");
    address_ = where.address;
    server_->new_task_queue = [] { return new httplib::ThreadPool(status_threads); };
    server_->set_read_timeout(std::chrono::seconds(5));
    server_->set_write_timeout(std::chrono::seconds(5));
    server_->set_keep_alive_timeout(2);
    server_->Get("/status", [this](const httplib::Request& req, httplib::Response& res) {
        if (!is_loopback_host_header(req.get_header_value("Host"))) {
            res.status = 403;
            res.set_header("X-Content-Type-Options", "nosniff");
            res.set_content("the status page answers only to a loopback host name (localhost, 127.0.0.1, [::1])\n",
                            "text/plain; charset=utf-8");
            return;
        }
        send_status_page(store_, res);
    });
    server_->Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/status"); });
    server_->set_logger([](const httplib::Request& req, const httplib::Response& res) {
        std::cout << "keel-verifierd: status: " << req.remote_addr << " \"" << req.method << " " << req.path << "\" "
                  << res.status << " " << res.body.size() << std::endl;
    });
    if (where.port == 0) {
        port_ = server_->bind_to_any_port(address_.c_str());
        if (port_ < 0) throw ConfigError("cannot serve the status page on " + address_);
    } else if (server_->bind_to_port(address_.c_str(), where.port)) {
        port_ = where.port;
    } else {
        throw ConfigError("cannot serve the status page on " + listen + " (in use, or not a local address)");
    }
}

StatusServer::~StatusServer() { stop(); }

void StatusServer::start() {
    const auto shown = address_.find(':') == std::string::npos ? address_ : "[" + address_ + "]";
    std::cout << "keel-verifierd: status page on http://" << shown << ":" << port_ << "/status" << std::endl;
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void StatusServer::stop() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace keel::verifierd
