// The API's TLS: the server's certificate and key, and client certificates
// verified against the configured CA. The handshake asks for a certificate
// but does not insist, so a client without one still gets a JSON error (401)
// rather than a bare TLS alert; a certificate that does not verify ends the
// handshake. Who a client is comes only from a verified certificate's CN.
#pragma once

#include <optional>
#include <string>

#include <openssl/ssl.h>

#include "attestation/verifierd/config.hpp"

namespace keel::verifierd {

// Sets up `ctx` for the server; throws ConfigError naming the file that
// could not be used.
void configure_server_tls(SSL_CTX& ctx, const TlsConfig& tls);

// The subject CN of the client's verified certificate; nullopt without one
// (or with a CN that is missing, repeated, or holds a NUL byte: a subject
// "CN=host-a, CN=operator" must not be read as either).
std::optional<std::string> client_identity(const SSL* ssl);

}  // namespace keel::verifierd
