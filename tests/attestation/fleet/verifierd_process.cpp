#include "verifierd_process.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <httplib.h>
#include <regex>
#include <sstream>
#include <thread>

namespace keel::test {
namespace {

// A server that refuses a body closes the connection while the client may
// still be writing it: that must be an error return, not the test's death.
const bool sigpipe_ignored = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
}();

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

std::string verifierd_program() {
    const char* override = std::getenv("KEEL_VERIFIERD");
    return override ? override : KEEL_VERIFIERD_PATH;
}

VerifierdProcess::VerifierdProcess(const std::filesystem::path& dir, const std::string& config) : dir_(dir) {
    const auto config_file = dir / "keel-verifierd.toml";
    std::ofstream(config_file) << config;
    const auto out = dir / "verifierd.out", err = dir / "verifierd.err";
    process_ = std::make_unique<platform::ChildProcess>(
        platform::SpawnOptions{{verifierd_program(), "--config", config_file.string()}, out, err, true, false});
    const std::regex serving("serving on https?://127\\.0\\.0\\.1:([0-9]+)");
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
        std::smatch m;
        const auto text = read_text(out);
        if (std::regex_search(text, m, serving)) {
            port_ = std::stoi(m[1]);
            return;
        }
        if (process_->poll()) break;
    }
    throw std::runtime_error("keel-verifierd did not start: " + read_text(err));
}

std::string VerifierdProcess::log() const {
    return read_text(dir_ / "verifierd.out") + read_text(dir_ / "verifierd.err");
}

int VerifierdProcess::stop() { return process_->stop(); }

void VerifierdProcess::kill() {
    ::kill(process_->pid(), SIGKILL);
    process_->wait_for(std::chrono::seconds(10));
}

bool VerifierdProcess::running() { return !process_->poll(); }

Reply call(int port, const std::string& ca, const std::optional<ClientCert>& client, const std::string& method,
           const std::string& path, const std::string& body, std::chrono::seconds within) {
    std::unique_ptr<httplib::SSLClient> c =
        client ? std::make_unique<httplib::SSLClient>("127.0.0.1", port, client->certificate, client->private_key)
               : std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    c->set_ca_cert_path(ca.c_str());
    c->enable_server_certificate_verification(true);
    // The handshake runs on a thread of the server's pool: with none free
    // it waits, and cpp-httplib's own connection timeout is five minutes.
    c->set_connection_timeout(within);
    c->set_read_timeout(within);
    c->set_write_timeout(within);
    // The read timeout bounds each read, not the answer: an event stream's
    // heartbeats would keep it going for ever.
    const auto deadline = std::chrono::steady_clock::now() + within;
    httplib::Request req;
    req.method = method;
    req.path = path;
    if (method != "GET") {
        req.body = body;
        req.set_header("Content-Type", "application/json");
    }
    std::string received;
    bool overdue = false;
    req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
        received.append(data, n);
        overdue = std::chrono::steady_clock::now() >= deadline;
        return !overdue;
    };
    auto r = c->send(req);
    Reply reply;
    const auto limit = std::to_string(within.count()) + " s";
    if (overdue) {
        reply.body = "the answer to " + method + " " + path + " did not end within " + limit +
                     "; received: " + received.substr(0, 400);
        return reply;
    }
    if (!r) {
        reply.body = httplib::to_string(r.error()) + " (" + method + " " + path +
                     "; connecting and each read: at most " + limit + ")";
        return reply;
    }
    reply.status = r->status;
    reply.body = std::move(received);
    reply.json = nlohmann::json::parse(reply.body, nullptr, false);
    return reply;
}

}  // namespace keel::test
