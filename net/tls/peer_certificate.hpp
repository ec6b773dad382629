// net/tls/peer_certificate.hpp: PeerCertificate and Cipher, what a handshake tells about the
// other side, as plain values.
//
// Python:  SSLObject.getpeercert() (a dict: subject, issuer, notBefore, notAfter,
//          serialNumber, subjectAltName) and SSLObject.cipher() (name, protocol, secret bits);
//          asyncio exposes both as get_extra_info("peercert") / ("cipher").
// curl -v: "Server certificate: subject: CN=localhost; start date ...; expire date ...;
//          subjectAltName ...; issuer: CN=looplab test CA" and "SSL connection using TLSv1.3 /
//          TLS_AES_256_GCM_SHA384".
//
// Values, not an X509 handle: they outlive the connection, print without OpenSSL, and are what
// a tool's -v output and a trace need. DIFFERENCE: Python's getpeercert() returns an empty dict
// when the certificate was not verified (CERT_NONE); here the certificate the peer presented is
// always described (what it claims is useful even when not trusted, say to print why not).
#pragma once

#include <openssl/types.h>

#include <string>
#include <utility>
#include <vector>

namespace looplab::net::tls {

struct PeerCertificate {
    std::string subject;        // RFC 2253, most specific first: "CN=localhost,O=looplab"
    std::string common_name;    // the subject's CN alone ("localhost"); may be empty
    std::string issuer;         // the same form
    std::string serial_number;  // hex, upper case, as Python prints it
    std::string not_before;     // "Jan  1 00:00:00 2025 GMT" (Python's and OpenSSL's format)
    std::string not_after;
    // ("DNS", "localhost"), ("IP Address", "127.0.0.1"), ... in the certificate's order.
    std::vector<std::pair<std::string, std::string>> subject_alt_name;
    std::string der;  // the certificate itself (Python: getpeercert(binary_form=True))

    // The host names and addresses it is valid for: the DNS and IP entries of
    // subject_alt_name, or its common name when it has none (what a hostname check compares).
    [[nodiscard]] std::vector<std::string> names() const;

    // Reads certificate (non-null).
    static PeerCertificate from_x509(X509* certificate);
};

struct Cipher {
    std::string name;     // "TLS_AES_256_GCM_SHA384"
    std::string version;  // the protocol it was negotiated under: "TLSv1.3"
    int secret_bits = 0;  // 256
};

}  // namespace looplab::net::tls
