#include "tools/keel/http_plugin.hpp"

#include <cstdlib>
#include <cstring>
#include <httplib.h>
#include <string>

namespace {

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
        auto result = std::strcmp(method, "POST") == 0
                          ? client.Post(path, std::string(body, body_size), "application/json")
                          : client.Get(path);
        if (!result) {
            *out = {0, copy(httplib::to_string(result.error())), 0};
        } else {
            *out = {result->status, copy(result->body), result->body.size()};
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
