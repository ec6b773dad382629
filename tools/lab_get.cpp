// tools/lab_get.cpp: lab-get, a small `curl -sS` built on looplab's HTTP clients.
//
// curl:    curl -sS [-i] [-I] [-L] [--max-redirs N] [-m SECONDS] [-X METHOD] [-d DATA] [-H ...]
//          [--fail] [-v] [--cacert FILE] [--capath DIR] [-k] [--cert FILE --key FILE]
//          [--compressed] [-b FILE|'n=v'] [-c FILE] [-u USER:PASS] [--data-binary @FILE|@-]
//          [-T FILE] [--max-header-size BYTES] [--max-headers N] URL
// aiohttp: the canonical "fetch a URL" example: async with ClientSession() as s: s.get(url).
//
//     lab-get http://127.0.0.1:8080/bytes/100000 > out.bin
//     lab-get -i -L http://127.0.0.1:8080/redirect/3
//     lab-get --blocking --fail http://127.0.0.1:8080/status/404; echo $?    # 22
//     lab-get --cacert ca.pem https://127.0.0.1:8443/                        # https
//
// https, with curl's options: the server's certificate is checked against the system's CAs,
// or only those of --cacert FILE / --capath DIR; -k / --insecure checks nothing (neither the
// chain nor the host name); --cert FILE [--key FILE] presents a client certificate. -v writes
// the handshake's outcome to stderr, as curl -v does ("* SSL connection using TLSv1.3 / ...",
// the ALPN protocol, the server certificate's subject and issuer), then the response head.
//
// Contract, as curl -sS: when a complete, valid final response arrives, whatever its status,
// its body (and nothing else, unless -i / -I) goes to stdout and the exit code is 0. Anything
// else is a failure: the exit code says which class (table below, curl's numbers where curl
// has one) and exactly ONE line on stderr says what went wrong. The body is streamed with
// ClientResponse::read_chunk, so a large body starts appearing at once; if the transfer then
// fails, the error line says how many bytes were already written and that they are incomplete.
// (--blocking uses http::blocking::Session, which returns the body only once it is complete,
// so nothing is written before a failure; --timeout is its total deadline too, and its body
// is capped at 64 MiB unless --max-filesize says otherwise, since it buffers the body whole.)
//
// Exit codes:
//    0  success (any status, unless --fail)
//    1  any other error
//    2  usage: bad option or header syntax
//    3  malformed URL (curl: URL_MALFORMAT)
//    6  the host name could not be resolved (curl: COULDNT_RESOLVE_HOST)
//    7  could not connect: refused, unreachable (curl: COULDNT_CONNECT)
//    8  malformed response head (curl: WEIRD_SERVER_REPLY)
//   18  the body was cut short or malformed (curl: PARTIAL_FILE)
//   22  --fail and the status was 400 or more (curl: HTTP_RETURNED_ERROR)
//   23  writing to stdout failed (curl: WRITE_ERROR)
//   28  a timeout fired: total, connect, pool or read (curl: OPERATION_TIMEDOUT)
//   47  more redirects than --max-redirects (curl: TOO_MANY_REDIRECTS)
//   52  the server closed the connection without answering (curl: GOT_NOTHING)
//   35  the TLS handshake failed (curl: SSL_CONNECT_ERROR)
//   56  the connection broke before the response arrived, or a proxy refused a CONNECT
//       tunnel (curl: RECV_ERROR)
//   58  --cert / --key could not be loaded (curl: SSL_CERTPROBLEM)
//   60  the server's certificate did not verify (curl: PEER_FAILED_VERIFICATION)
//   77  --cacert / --capath could not be loaded (curl: SSL_CACERT_BADFILE)
//   26  a file to send (-d @FILE, --data-binary @FILE, -T FILE) could not be read (curl:
//   READ_ERROR)
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/client/basic_auth.hpp"
#include "http/client/blocking_client.hpp"
#include "http/client/client_errors.hpp"
#include "http/client/client_session.hpp"
#include "http/client/cookie_jar.hpp"
#include "http/client/proxy.hpp"
#include "http/client/tls_info.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/url.hpp"
#include "net/errors.hpp"
#include "net/tls/ssl_context.hpp"
#include "net/tls/ssl_errors.hpp"
#include "runtime/errors.hpp"
#include "runtime/run.hpp"

namespace {

using namespace looplab;

namespace exit_code {
constexpr int kOther = 1;
constexpr int kUsage = 2;
constexpr int kUrl = 3;
constexpr int kResolve = 6;
constexpr int kConnect = 7;
constexpr int kProtocol = 8;
constexpr int kPartial = 18;
constexpr int kHttpError = 22;
constexpr int kWrite = 23;
constexpr int kTimeout = 28;
constexpr int kRedirects = 47;
constexpr int kNothing = 52;
constexpr int kTlsHandshake = 35;
constexpr int kRecv = 56;
constexpr int kClientCert = 58;
constexpr int kCertificate = 60;
constexpr int kCaFile = 77;
}  // namespace exit_code

constexpr const char* kExitCodeHelp =
    "Exit codes: 0 success, 1 other error, 2 usage, 3 malformed URL, 6 name not resolved,\n"
    "7 could not connect, 8 malformed response, 18 body cut short or malformed,\n"
    "22 --fail and status >= 400, 23 write error, 28 timeout, 47 too many redirects,\n"
    "35 TLS handshake failed, 52 server closed without answering, 56 connection broke\n"
    "before the response or a proxy refused its tunnel, 58 bad --cert/--key,\n"
    "60 certificate did not verify, 77 bad --cacert/--capath,\n"
    "26 a -d @FILE / --data-binary / -T file unreadable.\n";

// ---- The options for the real web (issue 18): one block, so other option groups merge apart --

// curl's names; what each one changes in the clients' options is in apply_web_options.
struct WebArgs {
    bool compressed = false;            // --compressed: ask for gzip/deflate/br, decode the body
    std::optional<std::string> cookie;  // -b: a cookie file to read, or "name=value; ..." to send
    std::optional<std::string> cookie_jar_file;  // -c: where to write the cookies at the end
    // The run's cookies: read from -b's file, kept across -L's redirects, written to -c's.
    std::shared_ptr<http::CookieJar> jar = std::make_shared<http::CookieJar>();
    std::optional<std::string> user;         // -u user:password (Basic auth)
    std::optional<std::string> data_binary;  // --data-binary DATA|@FILE|@-: sent as it is
    std::optional<std::string> upload_file;  // -T FILE: PUT the file
    // --max-header-size, --max-headers: the response head limits, for both clients.
    std::size_t max_header_size = http::ParserLimits::for_responses().max_line_size;
    std::size_t max_headers = http::ParserLimits::for_responses().max_header_count;
};

// -d @file, --data-binary @file, -T file: a local file that cannot be read (curl: READ_ERROR).
struct InputFileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
constexpr int kReadErrorExit = 26;  // curl's number

// The body, the method it implies and the headers the WebArgs flags add to a request.
struct WebRequest {
    std::optional<std::string> body;
    std::string method;  // "POST" for -d / --data-binary, "PUT" for -T; empty: GET
    http::Headers headers;
};

// Adds the WebArgs flags to the command line.
void add_web_options(CLI::App& app, WebArgs& w) {
    app.add_flag("--compressed", w.compressed,
                 "ask for a compressed body (Accept-Encoding) and decode it, as curl");
    app.add_option("-b,--cookie", w.cookie,
                   "send cookies: from FILE (Netscape format), or the string 'name=value; ...'");
    app.add_option("-c,--cookie-jar", w.cookie_jar_file,
                   "write every cookie to FILE (Netscape format) when done");
    app.add_option("-u,--user", w.user, "Basic auth credentials 'user:password'");
    app.add_option("--data-binary", w.data_binary,
                   "request body exactly as given; @FILE reads a file, @- stdin (a POST)");
    app.add_option("-T,--upload-file", w.upload_file, "PUT the contents of FILE (- for stdin)");
    app.add_option("--max-header-size", w.max_header_size,
                   "longest response header line accepted, in bytes (default 16384)")
        ->check(CLI::PositiveNumber);
    app.add_option("--max-headers", w.max_headers,
                   "most response header fields accepted (default 256)")
        ->check(CLI::PositiveNumber);
}

// -b with '=' in it is cookies to send, as curl takes it; anything else names a file.
bool cookie_is_literal(const WebArgs& w) {
    return w.cookie && w.cookie->find('=') != std::string::npos;
}

// A file's (or, for "-", stdin's) whole contents.
std::string read_input(const std::string& path) {
    std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw InputFileError("cannot read '" + path + "': " + std::strerror(errno));
    std::string out;
    char buffer[64 * 1024];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, n);
    const bool failed = std::ferror(f) != 0;
    if (f != stdin) std::fclose(f);
    if (failed) throw InputFileError("cannot read '" + path + "'");
    return out;
}

// curl's -d: "@file" reads the file and drops its CR and LF bytes (so a file of lines becomes
// one form value); anything else is the data itself.
std::string form_data(const std::string& d) {
    if (!d.starts_with('@')) return d;
    std::string out = read_input(d.substr(1));
    std::erase_if(out, [](char c) { return c == '\r' || c == '\n'; });
    return out;
}

// The request the WebArgs flags (and -d, `data`) describe. -d and --data-binary set curl's
// default Content-Type, application/x-www-form-urlencoded, unless -H gives one (`given`).
WebRequest web_request(const WebArgs& w, const std::optional<std::string>& data,
                       const http::Headers& given, std::string& url) {
    WebRequest r;
    if (data || w.data_binary) {
        std::string body = data ? form_data(*data) : std::string();
        if (w.data_binary) {
            if (!body.empty()) body += '&';  // curl joins several data options with '&'
            body += w.data_binary->starts_with('@') ? read_input(w.data_binary->substr(1))
                                                    : *w.data_binary;
        }
        r.body = std::move(body);
        r.method = "POST";
        if (!given.contains("Content-Type"))
            r.headers.add("Content-Type", "application/x-www-form-urlencoded");
    }
    if (w.upload_file) {
        r.body = read_input(*w.upload_file);
        r.method = "PUT";
        // curl: a URL ending in '/' gets the file's name appended.
        if (url.ends_with('/') && *w.upload_file != "-")
            url += w.upload_file->substr(w.upload_file->rfind('/') + 1);
    }
    if (w.user)
        r.headers.add("Authorization", http::BasicAuth::from_user_colon_password(*w.user).encode());
    if (cookie_is_literal(w)) r.headers.add("Cookie", *w.cookie);
    return r;
}

// Before the request: -b's file into the jar. A file that does not exist is no error (curl
// reads it "if it exists", so one name can serve as -b and -c on the first run).
void start_web(WebArgs& w) {
    if (!w.cookie || cookie_is_literal(w)) return;
    if (::access(w.cookie->c_str(), F_OK) != 0) return;
    w.jar->load_file(*w.cookie);
}

// After the request, whether it succeeded or not (curl writes its jar either way): -c's file.
void finish_web(const WebArgs& w) {
    if (w.cookie_jar_file) w.jar->save_file(*w.cookie_jar_file);
}

// What the WebArgs flags change in either client's options (both have the same fields).
template <class ClientOptions>
void apply_web_options(const WebArgs& w, ClientOptions& options) {
    // curl sends no Accept-Encoding and writes the body as it came unless --compressed;
    // ClientSession's own default is aiohttp's (ask and decode).
    options.auto_decompress = w.compressed;
    // One jar for the run. Unlike curl, whose cookie engine is off without -b or -c, cookies
    // are always kept across -L's redirects: both clients do that, as aiohttp and requests do.
    options.cookie_jar = w.jar;
    // The same head limits for both clients; the head may always hold one longest line.
    // (Only the head's: the blocking client's body cap stays, and --max-filesize follows.)
    options.limits.max_line_size = w.max_header_size;
    options.limits.max_head_size = std::max(options.limits.max_head_size, w.max_header_size);
    options.limits.max_header_count = w.max_headers;
}

struct Args {
    WebArgs web;  // the block above
    std::string url;
    std::string method;  // empty: GET, HEAD with -I, POST with -d
    std::optional<std::string> data;
    std::vector<std::string> headers;  // "Name: value"
    bool fail = false;
    bool include = false;
    bool head = false;
    bool follow = false;
    int max_redirects = 10;
    double timeout_seconds = 30;
    bool blocking = false;
    bool verbose = false;
    // TLS, curl's names.
    std::optional<std::string> cacert;
    std::optional<std::string> capath;
    bool insecure = false;
    std::optional<std::string> cert;
    std::optional<std::string> key;
    // Limits (add_limit_options).
    std::optional<std::uint64_t> max_filesize;
    // Proxies (add_proxy_options), curl's names.
    std::optional<std::string> proxy;
    std::optional<std::string> proxy_user;
    std::optional<std::string> noproxy;
};

// --cacert / --capath (exit 77) and --cert / --key (exit 58) that OpenSSL refused.
struct TlsFileError : std::runtime_error {
    TlsFileError(const std::string& message, int code) : std::runtime_error(message), code(code) {}
    int code;
};

// Thrown when a -H argument is not "Name: value".
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Thrown by --fail for a status >= 400.
struct HttpStatusError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Thrown when stdout refuses bytes (a closed pipe: SIGPIPE is ignored, fwrite fails).
struct WriteError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// stdout, counting what was written so an error can say how much of it is incomplete.
class Output {
public:
    void write(std::string_view bytes) {
        if (bytes.empty()) return;
        if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() ||
            std::fflush(stdout) != 0) {
            throw WriteError("writing to stdout failed");
        }
        written_ += bytes.size();
    }
    std::size_t written() const noexcept { return written_; }

private:
    std::size_t written_ = 0;
};

http::Headers parse_headers(const std::vector<std::string>& lines) {
    http::Headers headers;
    for (const std::string& line : lines) {
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos || colon == 0) {
            throw UsageError("-H '" + line + "': expected 'Name: value'");
        }
        std::string_view value(line);
        value.remove_prefix(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        headers.add(std::string_view(line).substr(0, colon), value);
    }
    return headers;
}

std::string method_of(const Args& a, const WebRequest& web) {
    if (!a.method.empty()) return a.method;
    if (a.head) return "HEAD";
    return web.method.empty() ? "GET" : web.method;  // POST with -d, PUT with -T
}

// The request's headers (-H) and what the WebArgs block adds; `url` may change (-T FILE).
http::Headers request_headers(const Args& a, WebRequest& web, std::string& url) {
    http::Headers headers = parse_headers(a.headers);
    web = web_request(a.web, a.data, headers, url);
    for (const http::HeaderField& f : web.headers) headers.add(f.name, f.value);
    return headers;
}

// The status line and header fields as -i shows them (curl: the same, CRLF included).
std::string head_text(const http::HttpVersion& version, int status, const std::string& reason,
                      const http::Headers& headers) {
    std::string out = "HTTP/" + std::to_string(version.major) + "." +
                      std::to_string(version.minor) + " " + std::to_string(status);
    if (!reason.empty()) out += " " + reason;
    out += "\r\n";
    for (const http::HeaderField& f : headers) out += f.name + ": " + f.value + "\r\n";
    out += "\r\n";
    return out;
}

void check_status(const Args& a, int status, const std::string& reason, const std::string& url) {
    if (a.fail && status >= 400) {
        throw HttpStatusError("the server answered " + std::to_string(status) +
                              (reason.empty() ? "" : " " + reason) + " for " + url);
    }
}

// ---- TLS --------------------------------------------------------------------------------------

// The client context the TLS options ask for, or null (the clients' default: the system's CAs,
// tls_info.hpp) when none was given. curl's rules: --cacert / --capath replace the system's
// CAs; -k checks neither the chain nor the host name.
std::shared_ptr<net::tls::SSLContext> tls_context(const Args& a) {
    if (!a.cacert && !a.capath && !a.insecure && !a.cert) return nullptr;
    std::shared_ptr<net::tls::SSLContext> context;
    try {
        if (a.cacert || a.capath) {
            context = net::tls::create_default_context(net::tls::Purpose::server_auth, a.cacert,
                                                       a.capath);
        } else {
            context = net::tls::create_default_context();
        }
    } catch (const net::tls::SSLError& e) {
        throw TlsFileError(std::string("cannot load the CA certificates: ") + e.what(),
                           exit_code::kCaFile);
    }
    context->set_alpn_protocols({"http/1.1"});
    if (a.insecure) {
        context->set_check_hostname(false);
        context->set_verify_mode(net::tls::VerifyMode::cert_none);
    }
    if (a.cert) {
        try {
            context->load_cert_chain(*a.cert, a.key);
        } catch (const net::tls::SSLError& e) {
            throw TlsFileError(std::string("cannot load the client certificate: ") + e.what(),
                               exit_code::kClientCert);
        }
    }
    return context;
}

// -v: what the handshake negotiated, in curl -v's words, on stderr.
void print_tls(const http::TlsInfo& tls) {
    std::fprintf(stderr, "* SSL connection using %s / %s\n", tls.version.c_str(),
                 tls.cipher.name.c_str());
    if (tls.alpn) {
        std::fprintf(stderr, "* ALPN: server accepted %s\n", tls.alpn->c_str());
    } else {
        std::fprintf(stderr, "* ALPN: server did not agree on a protocol\n");
    }
    if (tls.session_reused) std::fprintf(stderr, "* SSL re-using session ID\n");
    if (!tls.peercert) return;
    const net::tls::PeerCertificate& c = *tls.peercert;
    std::fprintf(stderr, "* Server certificate:\n");
    std::fprintf(stderr, "*  subject: %s\n", c.subject.c_str());
    std::fprintf(stderr, "*  start date: %s\n", c.not_before.c_str());
    std::fprintf(stderr, "*  expire date: %s\n", c.not_after.c_str());
    std::string names;
    for (const auto& [kind, value] : c.subject_alt_name) {
        names += (names.empty() ? "" : ", ") + kind + ":" + value;
    }
    if (!names.empty()) std::fprintf(stderr, "*  subjectAltName: %s\n", names.c_str());
    std::fprintf(stderr, "*  issuer: %s\n", c.issuer.c_str());
}

// -v: the TLS lines (https) and the response head, "< " before each line, as curl -v.
void print_verbose(const std::shared_ptr<const http::TlsInfo>& tls, const std::string& head) {
    if (tls) print_tls(*tls);
    std::string_view rest(head);
    while (!rest.empty()) {
        const std::size_t end = rest.find("\r\n");
        const std::string_view line = rest.substr(0, end);
        std::fprintf(stderr, "< %.*s\n", static_cast<int>(line.size()), line.data());
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end + 2);
    }
}

// ---- Limits (issue 18: both clients hold a body to the same cap) -----------------------------

// curl's --max-filesize: a body larger than this is an error (exit 18 or 8, as the client
// finds it: in the body or already in Content-Length) instead of being written or buffered.
void add_limit_options(CLI::App& app, Args& a) {
    app.add_option("--max-filesize", a.max_filesize,
                   "refuse a body larger than BYTES (default: none; --blocking: 64 MiB)");
}

// The parser limits for either client: `limits` (the client's defaults), with --max-filesize.
http::ParserLimits with_limits(const Args& a, http::ParserLimits limits) {
    if (a.max_filesize) limits.max_body_size = *a.max_filesize;
    return limits;
}

// ---- Proxies (issue 18): curl's -x, --proxy-user, --noproxy and its environment ------------

void add_proxy_options(CLI::App& app, Args& a) {
    app.add_option("-x,--proxy", a.proxy,
                   "send requests through the HTTP proxy [http://][user:pass@]host[:port] "
                   "(port 1080 if none; https:// URLs through CONNECT)");
    app.add_option("--proxy-user", a.proxy_user, "USER:PASSWORD for the proxy (Basic)");
    app.add_option("--noproxy", a.noproxy,
                   "comma-separated hosts (and their subdomains) to reach directly; '*': all");
}

// The proxies to use: -x for both schemes, else http_proxy / https_proxy (curl's rules,
// http/client/proxy.hpp); --noproxy replaces no_proxy, --proxy-user the URL's credentials.
http::ProxySettings proxy_settings(const Args& a) {
    http::ProxySettings settings =
        a.proxy ? http::ProxySettings::all(*a.proxy) : http::ProxySettings::from_environment();
    if (a.proxy) settings.no_proxy = http::ProxySettings::from_environment().no_proxy;
    if (a.noproxy) settings.no_proxy = *a.noproxy;
    if (a.proxy_user) settings.auth = a.proxy_user;
    return settings;
}

// The same, as ClientSession's aiohttp-style options: -x is proxy=, else trust_env.
void set_session_proxy(const Args& a, http::ClientSessionOptions& options) {
    options.trust_env = !a.proxy;
    options.proxy = a.proxy;
    options.proxy_auth = a.proxy_user;
    options.no_proxy = proxy_settings(a).no_proxy;
}

// ---- The two clients --------------------------------------------------------------------------

Coro<void> fetch_async(const Args& a, Output& out) {
    http::ClientSessionOptions options;
    options.max_redirects = a.max_redirects;
    if (a.timeout_seconds > 0) {
        options.timeout.total =
            std::chrono::duration_cast<Duration>(std::chrono::duration<double>(a.timeout_seconds));
    } else {
        options.timeout.total.reset();
    }
    options.ssl = tls_context(a);
    apply_web_options(a.web, options);
    options.limits = with_limits(a, options.limits);
    set_session_proxy(a, options);
    http::ClientSession session(options);
    std::exception_ptr error;
    try {
        http::RequestOptions request_options;
        request_options.allow_redirects = a.follow;
        std::string url = a.url;
        WebRequest web;
        http::Headers headers = request_headers(a, web, url);
        std::string method = method_of(a, web);
        http::ClientResponse r =
            co_await session.request(std::move(method), std::move(url), std::move(headers),
                                     web.body.value_or(""), request_options);
        if (a.verbose) print_verbose(r.tls, head_text(r.version, r.status, r.reason, r.headers));
        check_status(a, r.status, r.reason, r.url);
        if (a.include || a.head) out.write(head_text(r.version, r.status, r.reason, r.headers));
        while (std::optional<std::string> chunk = co_await r.read_chunk()) out.write(*chunk);
    } catch (...) {
        error = std::current_exception();
    }
    co_await session.close();
    if (error) std::rethrow_exception(error);
}

void fetch_blocking(const Args& a, Output& out) {
    http::blocking::Options options;
    if (a.timeout_seconds > 0) {
        const auto t = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::duration<double>(a.timeout_seconds));
        options.connect_timeout = t;
        options.read_timeout = t;
        options.total_timeout = t;
    } else {
        options.total_timeout.reset();
    }
    options.allow_redirects = a.follow;
    options.max_redirects = a.max_redirects;
    options.ssl = tls_context(a);
    apply_web_options(a.web, options);
    options.limits = with_limits(a, options.limits);
    options.proxy = proxy_settings(a);
    // Keeps its connection for the redirect hops (one per host is all one request needs).
    http::blocking::Session session(options, 1);
    std::string url = a.url;
    WebRequest web;
    const http::Headers headers = request_headers(a, web, url);
    http::blocking::Response r =
        session.request(method_of(a, web), url, headers, web.body.value_or(""));
    if (a.verbose) print_verbose(r.tls, head_text(r.version, r.status, r.reason, r.headers));
    check_status(a, r.status, r.reason, r.url);
    if (a.include || a.head) out.write(head_text(r.version, r.status, r.reason, r.headers));
    out.write(r.body);
}

// ---- Errors: one exit code and one line each --------------------------------------------------

// A ClientConnectionError's class, from the net error behind it.
int connection_error_code(const http::ClientConnectionError& e) {
    const std::exception_ptr& cause = e.cause();
    if (holds<net::NameResolutionError>(cause)) return exit_code::kResolve;
    if (holds<net::ConnectionResetError>(cause) || holds<net::BrokenPipeError>(cause)) {
        return exit_code::kRecv;
    }
    if (holds<net::NetError>(cause)) return exit_code::kConnect;
    return exit_code::kRecv;  // closed under us, no OS error
}

int classify(const std::exception_ptr& error, std::string& message) {
    try {
        std::rethrow_exception(error);
    } catch (const UsageError& e) {
        message = e.what();
        return exit_code::kUsage;
    } catch (const http::InvalidUrl& e) {
        message = std::string("malformed URL: ") + e.what();
        return exit_code::kUrl;
    } catch (const HttpStatusError& e) {
        message = e.what();
        return exit_code::kHttpError;
    } catch (const WriteError& e) {
        message = e.what();
        return exit_code::kWrite;
    } catch (const http::ClientTimeoutError& e) {
        message = e.what();
        return exit_code::kTimeout;
    } catch (const http::TooManyRedirects& e) {
        message = e.what();
        return exit_code::kRedirects;
    } catch (const TlsFileError& e) {
        message = e.what();
        return e.code;
    } catch (const http::ClientConnectorCertificateError& e) {
        message = e.what();
        return exit_code::kCertificate;
    } catch (const http::ClientSSLError& e) {
        message = e.what();
        return exit_code::kTlsHandshake;
    } catch (const http::ClientProxyError& e) {  // CONNECT refused (curl: exit 56)
        message = e.what();
        return exit_code::kRecv;
    } catch (const http::ServerDisconnectedError& e) {
        message = e.what();
        return exit_code::kNothing;
    } catch (const http::ClientConnectionError& e) {
        message = e.what();
        return connection_error_code(e);
    } catch (const http::ClientProtocolError& e) {
        message = e.what();
        return exit_code::kProtocol;
    } catch (const http::ClientPayloadError& e) {
        message = e.what();
        return exit_code::kPartial;
    } catch (const InputFileError& e) {
        message = e.what();
        return kReadErrorExit;
    } catch (const std::invalid_argument& e) {  // a header the serializer refused
        message = e.what();
        return exit_code::kUsage;
    } catch (const std::exception& e) {
        message = e.what();
        return exit_code::kOther;
    } catch (...) {
        message = "unknown error";
        return exit_code::kOther;
    }
}

int report(const std::exception_ptr& error, const Output& out) {
    std::string message;
    const int code = classify(error, message);
    for (char& c : message) {
        if (c == '\n' || c == '\r') c = ' ';  // one line, always
    }
    if (out.written() > 0) {
        message += " (" + std::to_string(out.written()) +
                   " bytes were already written to stdout; they are incomplete)";
    }
    std::fprintf(stderr, "lab-get: %s\n", message.c_str());
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    // A closed stdout must be a write error (exit 23), not a silent death by SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);

    Args a;
    CLI::App app{
        "lab-get: fetch an http:// or https:// URL with looplab's ClientSession (like curl -sS)",
        "lab-get"};
    app.footer(kExitCodeHelp);
    app.add_option("url", a.url, "http[s]://host[:port]/path")->required();
    app.add_option("-X,--request", a.method, "request method (default GET; POST with -d)");
    app.add_option("-d,--data", a.data, "request body (makes the request a POST)");
    app.add_option("-H,--header", a.headers, "extra header 'Name: value' (repeatable)");
    app.add_flag("-f,--fail", a.fail, "a status >= 400 is an error (exit 22, no output)");
    app.add_flag("-i,--include", a.include, "write the status line and headers before the body");
    app.add_flag("-I,--head", a.head, "send a HEAD request and write the headers");
    app.add_flag("-L,--location", a.follow, "follow redirects");
    app.add_option("--max-redirects", a.max_redirects, "most redirects to follow with -L")
        ->check(CLI::NonNegativeNumber);
    app.add_option("-m,--timeout", a.timeout_seconds, "total time allowed, in seconds (0: none)")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--blocking", a.blocking, "use the blocking client (http::blocking::Session)");
    app.add_flag("-v,--verbose", a.verbose,
                 "write the TLS handshake's outcome and the response head to stderr");
    app.add_option("--cacert", a.cacert, "https: trust the CA certificates in FILE (PEM) only");
    app.add_option("--capath", a.capath, "https: trust the CA certificates in DIR (hashed names)");
    app.add_flag("-k,--insecure", a.insecure,
                 "https: do not check the server's certificate or host name");
    app.add_option("--cert", a.cert, "https: present the client certificate in FILE (PEM)");
    app.add_option("--key", a.key, "https: the private key for --cert (default: in --cert's file)")
        ->needs(app.get_option("--cert"));
    add_web_options(app, a.web);
    add_limit_options(app, a);
    add_proxy_options(app, a);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);  // prints help (code 0) or the error
        return code == 0 ? 0 : exit_code::kUsage;
    }

    Output out;
    try {
        start_web(a.web);  // before the try below: a -b file it cannot read is never overwritten
    } catch (...) {
        return report(std::current_exception(), out);
    }
    try {
        if (a.blocking) {
            fetch_blocking(a, out);
        } else {
            looplab::run(fetch_async(a, out));
        }
        finish_web(a.web);
    } catch (...) {
        const std::exception_ptr error = std::current_exception();
        try {
            finish_web(a.web);
        } catch (...) {  // the request's failure is the one to report
        }
        return report(error, out);
    }
    return 0;
}
