#include "attestation/net/tls_resume.hpp"

#include <atomic>
#include <mutex>
#include <stdexcept>

namespace keel::net {
namespace {

// The context's last session, shared by its connections.
struct KeptSession {
    std::mutex mutex;
    SSL_SESSION* session = nullptr;
    ~KeptSession() { SSL_SESSION_free(session); }
};

int kept_index() {
    static const int index =
        SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, [](void*, void* p, CRYPTO_EX_DATA*, int, long, void*) {
            delete static_cast<KeptSession*>(p);
        });
    return index;
}

KeptSession* kept(const SSL* ssl) {
    return static_cast<KeptSession*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), kept_index()));
}

// A new session (TLS 1.3: a ticket after the handshake): keep it, the
// reference OpenSSL hands over included (returning 1).
int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* k = kept(ssl);
    if (!k) return 0;
    std::lock_guard lock(k->mutex);
    SSL_SESSION_free(k->session);
    k->session = session;
    return 1;
}

std::atomic<std::uint64_t> handshakes{0}, resumed{0};

void on_info(const SSL* ssl, int where, int) {
    if (where & SSL_CB_HANDSHAKE_DONE) {
        ++handshakes;
        if (SSL_session_reused(ssl)) ++resumed;
    }
    if (!(where & SSL_CB_HANDSHAKE_START)) return;
    auto* k = kept(ssl);
    if (!k) return;
    std::lock_guard lock(k->mutex);
    // Offered only if still resumable; a server that refuses it (restarted,
    // expired) makes a full handshake and a new session.
    if (k->session && SSL_SESSION_is_resumable(k->session) && !SSL_session_reused(ssl))
        SSL_set_session(const_cast<SSL*>(ssl), k->session);
}

}  // namespace

void resume_tls_sessions(SSL_CTX* ctx) {
    if (!ctx) throw std::runtime_error("no TLS context to resume sessions with");
    if (SSL_CTX_get_ex_data(ctx, kept_index())) return;
    auto* k = new KeptSession;
    if (kept_index() < 0 || SSL_CTX_set_ex_data(ctx, kept_index(), k) != 1) {
        delete k;
        throw std::runtime_error("OpenSSL refused to keep TLS sessions");
    }
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, on_new_session);
    SSL_CTX_set_info_callback(ctx, on_info);
}

TlsHandshakes tls_handshakes() { return {handshakes.load(), resumed.load()}; }

}  // namespace keel::net
