// net/tls/ssl_session.cpp: the session handle and the per-context cache.
#include "net/tls/ssl_session.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <utility>

namespace looplab::net::tls {

SSLSession::~SSLSession() {
    SSL_SESSION_free(session_);
}

std::string SSLSession::id() const {
    unsigned int length = 0;
    const unsigned char* bytes = SSL_SESSION_get_id(session_, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 0xf]);
    }
    return out;
}

bool SSLSession::has_ticket() const noexcept {
    return SSL_SESSION_has_ticket(session_) == 1;
}

bool SSLSession::is_resumable() const noexcept {
    return SSL_SESSION_is_resumable(session_) == 1;
}

SSLSessionCache::SSLSessionCache(std::size_t max_entries)
    : max_entries_(std::max<std::size_t>(1, max_entries)) {}

std::shared_ptr<SSLSession> SSLSessionCache::get(const SessionKey& key) const {
    const std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end() || !it->second.session->is_resumable()) return nullptr;
    return it->second.session;
}

void SSLSessionCache::put(const SessionKey& key, std::shared_ptr<SSLSession> session) {
    const std::lock_guard lock(mutex_);
    if (const auto it = entries_.find(key); it != entries_.end()) {
        order_.erase(it->second.age);
        entries_.erase(it);
    }
    while (entries_.size() >= max_entries_) evict_oldest();
    order_.push_back(key);
    entries_.emplace(key, Entry{std::move(session), std::prev(order_.end())});
}

void SSLSessionCache::erase(const SessionKey& key) {
    const std::lock_guard lock(mutex_);
    if (const auto it = entries_.find(key); it != entries_.end()) {
        order_.erase(it->second.age);
        entries_.erase(it);
    }
}

void SSLSessionCache::clear() {
    const std::lock_guard lock(mutex_);
    entries_.clear();
    order_.clear();
}

std::size_t SSLSessionCache::size() const {
    const std::lock_guard lock(mutex_);
    return entries_.size();
}

void SSLSessionCache::evict_oldest() {
    entries_.erase(order_.front());
    order_.pop_front();
}

}  // namespace looplab::net::tls
