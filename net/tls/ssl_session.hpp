// net/tls/ssl_session.hpp: SSLSession, a TLS session a client can resume, and SSLSessionCache,
// the sessions of one SSLContext by server.
//
// Python: ssl.SSLSession (SSLObject.session, wrap_bio(session=...), SSLObject.session_reused).
// curl:   the SSL session-ID cache (CURLOPT_SSL_SESSIONID_CACHE, on by default), keyed by host
//         and port and kept per TLS configuration.
// nginx:  ssl_session_cache / ssl_session_tickets on the server side.
//
// Why a client caches sessions: a full TLS 1.3 handshake costs the server a signature and both
// sides a key exchange; resuming with a ticket the server issued last time skips the
// certificate and its verification. A pool that opens a second connection to the same server
// should pay that once. The server needs nothing from us: OpenSSL's tickets are stateless.
//
// The cache belongs to an SSLContext (ssl_context.hpp) because a session is only valid with
// the settings it was made under (trust, verification, versions): curl keys its cache on the
// TLS configuration for the same reason. Within a context the key is the server as the client
// named it, (host, port): the same host name on another port is another server.
//
// Sessions arrive when the server sends them: in TLS 1.3 that is after the handshake (a
// NewSessionTicket message, read with the first application data), so the cache is filled
// by the engine while reading (ssl_object.cpp), not by whoever made the connection.
//
// Thread safety: an SSLContext may be shared by connections on several threads (a loop and
// the blocking client's executor workers), so the cache locks. Why one mutex is enough and
// cannot deadlock: every operation is a short map access done under it; no user code runs
// while it is held, and the only OpenSSL calls made under it (SSL_SESSION_is_resumable, and
// SSL_SESSION_free when an entry is dropped) never call back into the cache, so it never
// nests. OpenSSL calls put() from inside a handshake or a read, on the thread driving that
// connection, which holds no other lock of ours at that point.
#pragma once

#include <openssl/types.h>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

// <openssl/ssl.h> declares this typedef too; repeating it here keeps that large header out of
// every file that includes this one (C++ allows an identical typedef twice).
typedef struct ssl_session_st SSL_SESSION;

namespace looplab::net::tls {

// One resumable session (an SSL_SESSION, reference counted by OpenSSL; this holds one).
class SSLSession {
public:
    // Takes over one reference to session (non-null).
    explicit SSLSession(SSL_SESSION* session) noexcept : session_(session) {}
    ~SSLSession();
    SSLSession(const SSLSession&) = delete;
    SSLSession& operator=(const SSLSession&) = delete;

    // The session id in hex (Python: SSLSession.id); TLS 1.3 tickets have one too.
    [[nodiscard]] std::string id() const;
    // Whether the server gave a ticket (Python: has_ticket).
    [[nodiscard]] bool has_ticket() const noexcept;
    // Whether it can still be offered to the server (OpenSSL: SSL_SESSION_is_resumable).
    [[nodiscard]] bool is_resumable() const noexcept;
    [[nodiscard]] SSL_SESSION* native_handle() const noexcept { return session_; }

private:
    SSL_SESSION* session_;
};

// Which server a session is for: the host as the client named it, and the port.
struct SessionKey {
    std::string host;
    std::uint16_t port = 0;
    friend auto operator<=>(const SessionKey&, const SessionKey&) = default;
};

// The latest session per server, at most max_entries servers (the least recently stored is
// dropped first). Every method may be called from any thread.
class SSLSessionCache {
public:
    static constexpr std::size_t kDefaultMaxEntries = 1024;

    explicit SSLSessionCache(std::size_t max_entries = kDefaultMaxEntries);

    // The session to offer to key's server, or null (none, or no longer resumable).
    [[nodiscard]] std::shared_ptr<SSLSession> get(const SessionKey& key) const;
    // Stores session for key, replacing the one it had.
    void put(const SessionKey& key, std::shared_ptr<SSLSession> session);
    void erase(const SessionKey& key);
    void clear();
    [[nodiscard]] std::size_t size() const;

private:
    struct Entry {
        std::shared_ptr<SSLSession> session;
        std::list<SessionKey>::iterator age;  // its place in order_
    };
    void evict_oldest();  // mutex_ held

    mutable std::mutex mutex_;             // guards everything below
    std::size_t max_entries_;              // at least 1
    std::map<SessionKey, Entry> entries_;  // by server
    std::list<SessionKey> order_;          // keys, least recently stored first
};

}  // namespace looplab::net::tls
