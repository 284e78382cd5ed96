// The C interface of libkeel-http.so, the one part of keel that talks HTTP
// (to agents, with cpp-httplib). keel loads it with dlopen only when a
// command contacts an agent: cpp-httplib brings TLS, zlib and brotli, whose
// loading would otherwise be most of the start-up time of every `keel verify`
// (tpm2_checkquote users run one process per quote).
#pragma once

#include <cstddef>

extern "C" {

#define KEEL_HTTP_EXPORT __attribute__((visibility("default")))

struct keel_http_response {
    // HTTP status; 0 when there was no answer (no connection, no answer in
    // time); -1 when the answer was cut off for being larger or slower than
    // a verifier accepts (the agent's doing, not the network's)
    int status;
    char* body;  // malloc'd, NUL-terminated; the error's description when status is 0 or -1
    std::size_t body_size;
};

// method "GET" or "POST"; `url` is http://HOST:PORT. Returns 0 and fills
// `out` (free it with keel_http_free) whether or not the agent answered.
KEEL_HTTP_EXPORT int keel_http_request(const char* url, const char* method, const char* path, const char* body,
                                       std::size_t body_size, int timeout_seconds, keel_http_response* out);
KEEL_HTTP_EXPORT void keel_http_free(keel_http_response* response);
}
