// TLS session resumption for a client that reconnects to one server: an
// agent that pushes evidence every interval opens a connection per round,
// and a full handshake (certificates, signatures and their checks on both
// sides) costs the verifier more than the appraisal. With this, the client
// keeps the last session ticket the server sent and offers it on its next
// connection; the server, which checked the client certificate when the
// session began, resumes with it (the ticket carries that certificate, so
// the server still knows who the client is).
//
// cpp-httplib (0.11) makes its SSL objects internally and does not offer
// them before the handshake, so the session is set from the context's info
// callback at handshake start. For a context whose connections all go to
// one server (an httplib::SSLClient's).
#pragma once

#include <cstdint>

#include <openssl/ssl.h>

namespace keel::net {

// Enables resumption on `ctx` (a client context): throws std::runtime_error
// when OpenSSL refuses. The context keeps the session until it is freed.
void resume_tls_sessions(SSL_CTX* ctx);

// Handshakes completed on contexts set up here, and how many of them
// resumed a session: for benchmarks, to show resumption works.
struct TlsHandshakes {
    std::uint64_t done = 0, resumed = 0;
};
TlsHandshakes tls_handshakes();

}  // namespace keel::net
