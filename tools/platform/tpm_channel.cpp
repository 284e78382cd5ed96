#include "tpm_channel.hpp"

#include <stdexcept>

#include "ctrl_protocol.hpp"
#include "log.hpp"
#include "tpm_wire.hpp"
#include "unix_socket.hpp"

namespace keel::platform {

TpmChannel::TpmChannel(int ctrl_fd, int data_fd, std::optional<uint8_t> qemu_locality)
    : ctrl_fd_(ctrl_fd), data_fd_(data_fd), qemu_locality_(qemu_locality) {}

std::vector<uint8_t> TpmChannel::control(uint32_t code, std::span<const uint8_t> body, size_t reply_size, int pass_fd) {
    std::vector<uint8_t> request = {uint8_t(code >> 24), uint8_t(code >> 16), uint8_t(code >> 8), uint8_t(code)};
    request.insert(request.end(), body.begin(), body.end());
    write_all(ctrl_fd_, request, pass_fd);
    std::vector<uint8_t> reply(reply_size);
    try {
        read_exact(ctrl_fd_, reply, TIMEOUT);
    } catch (const std::exception& e) {
        throw std::runtime_error("swtpm did not answer " + ctrl::name(code) + ": " + e.what());
    }
    return reply;
}

void TpmChannel::control_ok(uint32_t code, std::span<const uint8_t> body) {
    uint32_t result = ctrl::read_be32(control(code, body, 4), 0);
    if (result != 0) throw std::runtime_error(ctrl::name(code) + " failed with result " + hex_number(result));
}

void TpmChannel::set_locality(uint8_t locality) {
    const uint8_t body[4] = {locality, 0, 0, 0};
    control_ok(ctrl::SET_LOCALITY, body);
}

std::vector<uint8_t> TpmChannel::transact(std::span<const uint8_t> command) {
    if (!locality_changed_) {
        set_locality(0);
        locality_changed_ = true;
    }
    write_all(data_fd_, command);
    std::vector<uint8_t> response(tpm::HEADER_SIZE);
    read_exact(data_fd_, response, TIMEOUT);
    uint32_t size = *tpm::frame_size(response);
    if (size < tpm::HEADER_SIZE || size > (1u << 20))
        throw std::runtime_error("swtpm sent a response with size field " + std::to_string(size));
    response.resize(size);
    read_exact(data_fd_, std::span(response).subspan(tpm::HEADER_SIZE), TIMEOUT);
    return response;
}

void TpmChannel::restore_locality() {
    if (!locality_changed_) return;
    // swtpm starts at locality 0, which is what it had if QEMU never set one.
    set_locality(qemu_locality_.value_or(0));
    locality_changed_ = false;
}

}  // namespace keel::platform
