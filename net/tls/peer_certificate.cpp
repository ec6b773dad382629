// net/tls/peer_certificate.cpp: an X509 certificate read into a PeerCertificate.
#include "net/tls/peer_certificate.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace looplab::net::tls {

namespace {

struct BioFree {
    void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using UniqueBio = std::unique_ptr<BIO, BioFree>;

// Whatever a printing function wrote into a memory BIO.
template <class Print>
std::string print_to_string(Print print) {
    UniqueBio bio(BIO_new(BIO_s_mem()));
    if (!bio) return {};
    print(bio.get());
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

std::string name_text(const X509_NAME* name) {
    // RFC 2253 order and escaping, but UTF-8 kept as it is rather than escaped byte by byte.
    return print_to_string([name](BIO* bio) {
        X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    });
}

std::string time_text(const ASN1_TIME* time) {
    return print_to_string([time](BIO* bio) { ASN1_TIME_print(bio, time); });
}

std::string serial_text(const ASN1_INTEGER* serial) {
    BIGNUM* number = ASN1_INTEGER_to_BN(serial, nullptr);
    if (!number) return {};
    char* hex = BN_bn2hex(number);
    std::string out = hex ? hex : "";
    OPENSSL_free(hex);
    BN_free(number);
    return out;
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
    char text[INET6_ADDRSTRLEN] = {};
    const int length = ASN1_STRING_length(ip);
    const unsigned char* bytes = ASN1_STRING_get0_data(ip);
    if (length == 4) inet_ntop(AF_INET, bytes, text, sizeof text);
    if (length == 16) inet_ntop(AF_INET6, bytes, text, sizeof text);
    return text;
}

std::string string_text(const ASN1_STRING* s) {
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::vector<std::pair<std::string, std::string>> alt_names(X509* certificate) {
    std::vector<std::pair<std::string, std::string>> out;
    auto* names = static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) out.emplace_back("DNS", string_text(name->d.dNSName));
        if (name->type == GEN_IPADD) out.emplace_back("IP Address", ip_text(name->d.iPAddress));
        if (name->type == GEN_EMAIL) out.emplace_back("email", string_text(name->d.rfc822Name));
        if (name->type == GEN_URI)
            out.emplace_back("URI", string_text(name->d.uniformResourceIdentifier));
    }
    GENERAL_NAMES_free(names);
    return out;
}

std::string common_name_of(X509* certificate) {
    const X509_NAME* subject = X509_get_subject_name(certificate);
    const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index < 0) return {};
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    return string_text(data);
}

std::string der_bytes(X509* certificate) {
    unsigned char* der = nullptr;
    const int length = i2d_X509(certificate, &der);
    if (length <= 0) return {};
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

}  // namespace

std::vector<std::string> PeerCertificate::names() const {
    std::vector<std::string> out;
    for (const auto& [kind, value] : subject_alt_name) {
        if (kind == "DNS" || kind == "IP Address") out.push_back(value);
    }
    if (out.empty() && !common_name.empty()) out.push_back(common_name);
    return out;
}

PeerCertificate PeerCertificate::from_x509(X509* certificate) {
    PeerCertificate out;
    out.subject = name_text(X509_get_subject_name(certificate));
    out.issuer = name_text(X509_get_issuer_name(certificate));
    out.serial_number = serial_text(X509_get_serialNumber(certificate));
    out.not_before = time_text(X509_get0_notBefore(certificate));
    out.not_after = time_text(X509_get0_notAfter(certificate));
    out.subject_alt_name = alt_names(certificate);
    out.common_name = common_name_of(certificate);
    out.der = der_bytes(certificate);
    return out;
}

}  // namespace looplab::net::tls
