#include "tools/keel/http_plugin.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <httplib.h>
#include <string>

namespace {

// A hostile agent must not hold a verifier forever or fill its memory: the
// whole answer must arrive within the time limit (not only each read), and
// be no larger than the largest evidence document the verifier reads.
constexpr std::size_t max_response_bytes = (96u << 20) + (1u << 20);

char* copy(const std::string& text) {
    char* p = static_cast<char*>(std::malloc(text.size() + 1));
    if (p) std::memcpy(p, text.c_str(), text.size() + 1);
    return p;
}

}  // namespace

extern "C" KEEL_HTTP_EXPORT int keel_http_request(const char* url, const char* method, const char* path,
                                                  const char* body, std::size_t body_size, int timeout_seconds,
                                                  keel_http_response* out) {
    try {
        httplib::Client client(url);
        client.set_connection_timeout(timeout_seconds, 0);
        client.set_read_timeout(timeout_seconds, 0);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
        std::string received;
        std::string stopped;
        httplib::Request request;
        request.method = std::strcmp(method, "POST") == 0 ? "POST" : "GET";
        request.path = path;
        if (request.method == "POST") {
            request.body.assign(body, body_size);
            request.set_header("Content-Type", "application/json");
        }
        request.content_receiver = [&](const char* data, std::size_t length, std::uint64_t, std::uint64_t) {
            if (received.size() + length > max_response_bytes) {
                stopped = "the answer is larger than " + std::to_string(max_response_bytes) + " bytes";
                return false;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                stopped = "the answer took longer than " + std::to_string(timeout_seconds) + " s";
                return false;
            }
            received.append(data, length);
            return true;
        };
        httplib::Result result = client.send(request);
        if (!stopped.empty()) {
            *out = {-1, copy(stopped), 0};
        } else if (!result) {
            *out = {0, copy(httplib::to_string(result.error())), 0};
        } else {
            *out = {result->status, copy(received), received.size()};
        }
        return out->body ? 0 : -1;
    } catch (const std::exception& e) {
        *out = {0, copy(e.what()), 0};
        return out->body ? 0 : -1;
    }
}

extern "C" KEEL_HTTP_EXPORT void keel_http_free(keel_http_response* response) {
    std::free(response->body);
    response->body = nullptr;
}
