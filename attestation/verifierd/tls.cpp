#include "attestation/verifierd/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

namespace keel::verifierd {
namespace {

// A session resumes without the client certificate being checked again, so
// it lives an hour, not OpenSSL's default two.
constexpr long session_lifetime_seconds = 3600;

std::string openssl_reason() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (!code) return "unknown error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

}  // namespace

void configure_server_tls(SSL_CTX& ctx, const TlsConfig& tls) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(&ctx, tls.certificate.c_str()) != 1)
        throw ConfigError("tls.certificate " + tls.certificate + ": " + openssl_reason());
    if (SSL_CTX_use_PrivateKey_file(&ctx, tls.private_key.c_str(), SSL_FILETYPE_PEM) != 1)
        throw ConfigError("tls.private_key " + tls.private_key + ": " + openssl_reason());
    if (SSL_CTX_check_private_key(&ctx) != 1)
        throw ConfigError("tls.private_key " + tls.private_key + " does not match tls.certificate");
    if (SSL_CTX_load_verify_locations(&ctx, tls.client_ca.c_str(), nullptr) != 1)
        throw ConfigError("tls.client_ca " + tls.client_ca + ": " + openssl_reason());
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca.c_str());
    if (!names) throw ConfigError("tls.client_ca " + tls.client_ca + ": no certificate in it");
    SSL_CTX_set_client_CA_list(&ctx, names);
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
    // Sessions resume (TLS 1.3 tickets, sealed with a key this process
    // made, so a restart, with a new client CA say, ends them all): a push
    // agent reconnects every interval, and a full handshake costs more than
    // the appraisal. A resumed session keeps the client certificate its full
    // handshake verified (client_identity reads it from there). Tickets, not
    // sessions kept here: cpp-httplib frees a connection the client closed
    // without a TLS shutdown, and OpenSSL then forgets the session. One
    // ticket per handshake: an agent keeps only its latest. OpenSSL refuses
    // to resume a session whose client was verified without a session id
    // context naming the application.
    static const unsigned char context[] = "keel-verifierd";
    if (SSL_CTX_set_session_id_context(&ctx, context, sizeof context - 1) != 1)
        throw ConfigError("TLS: cannot set the session id context: " + openssl_reason());
    SSL_CTX_clear_options(&ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(&ctx, 1);
    SSL_CTX_set_timeout(&ctx, session_lifetime_seconds);
}

std::optional<std::string> client_identity(const SSL* ssl) {
    if (!ssl) return std::nullopt;
    // The handshake verified it (SSL_VERIFY_PEER): a certificate that does
    // not chain to the client CA never gets this far.
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (!cert) return std::nullopt;
    X509_NAME* subject = X509_get_subject_name(cert);
    const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (at < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, at) >= 0) return std::nullopt;
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length < 0) return std::nullopt;
    std::string cn(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    if (cn.empty() || cn.find('\0') != std::string::npos) return std::nullopt;
    return cn;
}

}  // namespace keel::verifierd
