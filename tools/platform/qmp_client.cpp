#include "qmp_client.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

#include "unix_socket.hpp"

namespace keel::platform {

QmpClient::QmpClient(const std::filesystem::path& socket, const std::function<bool()>& alive,
                     std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        try {
            fd_ = unix_connect(socket);
            break;
        } catch (const std::exception& e) {
            if (!alive()) throw std::runtime_error("QEMU ended before its QMP socket could be reached");
            if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error(std::string("QMP: ") + e.what());
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    nlohmann::json greeting = read_message(std::chrono::steady_clock::now() + TIMEOUT);
    if (!greeting.contains("QMP")) throw std::runtime_error("QMP: unexpected greeting " + greeting.dump());
    execute("qmp_capabilities");
}

nlohmann::json QmpClient::execute(const std::string& command, const nlohmann::json& arguments) {
    uint64_t id = next_id_++;
    nlohmann::json request = {{"execute", command}, {"id", id}};
    if (!arguments.is_null()) request["arguments"] = arguments;
    std::string line = request.dump() + "\n";
    write_all(fd_.get(), std::span(reinterpret_cast<const uint8_t*>(line.data()), line.size()));
    auto deadline = std::chrono::steady_clock::now() + TIMEOUT;
    for (;;) {
        nlohmann::json reply = read_message(deadline);
        if (reply.contains("event")) continue;
        if (!reply.contains("id") || reply["id"] != id) continue;
        if (reply.contains("error"))
            throw std::runtime_error("QMP " + command + ": " + reply["error"].value("desc", reply["error"].dump()));
        return reply.value("return", nlohmann::json::object());
    }
}

nlohmann::json QmpClient::read_message(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        if (auto end = buffer_.find('\n'); end != std::string::npos) {
            std::string line = buffer_.substr(0, end);
            buffer_.erase(0, end + 1);
            if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
            return nlohmann::json::parse(line);
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !wait_readable(fd_.get(), left)) throw std::runtime_error("QMP: no reply from QEMU");
        char chunk[4096];
        ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) throw std::runtime_error("QMP: QEMU closed the connection");
        buffer_.append(chunk, size_t(n));
    }
}

}  // namespace keel::platform
