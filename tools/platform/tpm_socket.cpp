// tpm.sock: local clients (e.g. the attestation agent) send raw TPM 2.0
// commands; each well-formed one becomes a proxy job that runs at locality 0
// between QEMU's requests, and its response goes back to the client.
#include <sys/socket.h>

#include <cerrno>

#include "ctrl_proxy.hpp"
#include "log.hpp"
#include "tpm_wire.hpp"

namespace keel::platform {
namespace {

constexpr size_t MAX_LOCAL_CLIENTS = 8;

}  // namespace

void TpmProxy::accept_client() {
    UniqueFd fd = sock_listener_.accept();
    if (!fd) return;
    if (clients_.size() >= MAX_LOCAL_CLIENTS) {
        log("tpm.sock: refused a client (already " + std::to_string(MAX_LOCAL_CLIENTS) + " connected)");
        return;
    }
    clients_[next_client_++].fd = std::move(fd);
}

void TpmProxy::on_client(int id) {
    LocalClient& client = clients_.at(id);
    uint8_t buffer[4096];
    ssize_t n = ::recv(client.fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        if (!client.input.empty()) log("tpm.sock: a client left in the middle of a command");
        client.closed = true;
        return;
    }
    client.input.insert(client.input.end(), buffer, buffer + n);
    consume_client_input(id);
}

void TpmProxy::consume_client_input(int id) {
    LocalClient& client = clients_.at(id);
    if (client.input.size() < tpm::HEADER_SIZE) return;
    if (std::string why = tpm::check_local_command(client.input); !why.empty()) {
        log("tpm.sock: refused a command (" + why + "); connection closed");
        client.closed = true;
        client.input.clear();
        return;
    }
    size_t size = *tpm::frame_size(client.input);
    if (client.input.size() < size) return;
    std::vector<uint8_t> command(client.input.begin(), client.input.begin() + long(size));
    client.input.erase(client.input.begin(), client.input.begin() + long(size));
    client.busy = true;
    if (verbose_)
        log("tpm.sock: command " + hex_number(tpm::response_code(command)) + ", " + std::to_string(size) + " bytes");
    std::lock_guard lock(mutex_);
    jobs_.push_back([this, id, command = std::move(command)](TpmChannel* channel) {
        LocalClient& c = clients_.at(id);
        c.busy = false;
        if (!channel) {
            c.closed = true;
            return;
        }
        try {
            auto response = channel->transact(command);
            write_all(c.fd.get(), response);
        } catch (const std::exception& e) {
            log("tpm.sock: " + std::string(e.what()));
            c.closed = true;
        }
    });
}

}  // namespace keel::platform
