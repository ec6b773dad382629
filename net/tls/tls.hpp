// net/tls/tls.hpp: everything of looplab::tls in one include.
//
// Python: the ssl module and asyncio's ssl= arguments.
//
// The room, bottom to top:
//   ssl_errors.hpp        SSLError, SSLCertVerificationError, SSLEOFError, SSLTimeoutError
//   ssl_session.hpp       SSLSession, SSLSessionCache (client resumption, per context)
//   peer_certificate.hpp  PeerCertificate, Cipher (what a handshake tells)
//   ssl_context.hpp       SSLContext, create_default_context (ssl.SSLContext)
//   ssl_object.hpp        SSLObject: the sans-I/O engine over memory BIOs (ssl.SSLObject)
//   ssl_protocol.hpp      SSLProtocol: TLS as a protocol over any transport (sslproto.py)
//   ssl_protocol.hpp      (also) SSLTransport: the transport the protocol above it writes into
//   create_connection.hpp create_connection / create_server / start_tls with ssl
//   streams.hpp           open_connection / start_server / StreamWriter start_tls with ssl
#pragma once

#include "net/tls/create_connection.hpp"
#include "net/tls/peer_certificate.hpp"
#include "net/tls/ssl_context.hpp"
#include "net/tls/ssl_errors.hpp"
#include "net/tls/ssl_object.hpp"
#include "net/tls/ssl_protocol.hpp"
#include "net/tls/ssl_session.hpp"
#include "net/tls/streams.hpp"
