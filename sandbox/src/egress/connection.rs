//! One client connection to the egress proxy: read and parse the request head (bounded),
//! decide against the allow list, connect from the host side, and pass bytes through.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use http::Uri;
use http::uri::Authority;

use super::EgressRecord;
use super::allowed_host::normalise_host;
use super::proxy::{Cuttable, MAX_CONNECTIONS, Shared};
use crate::splice::splice;

/// Largest request head (request line and headers) the proxy reads; larger ones get 431.
const MAX_HEAD_BYTES: usize = 16 << 10;

/// Most header fields in a request head.
const MAX_HEADERS: usize = 100;

/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// How long connecting to one upstream address may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Hop-by-hop and proxy headers that are not passed upstream. The proxy adds none of its own
/// but `Connection: close` (one request per upstream connection, so every request is checked).
const DROPPED_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
];

/// What the client asked for.
struct Request {
    method: String,
    host: String,
    port: u16,
    /// For plain HTTP, the head to send upstream (origin-form); `None` for `CONNECT`.
    upstream_head: Option<Vec<u8>>,
    /// Bytes the client sent after the head (the start of a body or of the tunnel).
    rest: Vec<u8>,
}

/// Serves one connection to its end.
pub(super) fn serve(mut client: UnixStream, shared: &Shared, id: u64) {
    let _ = client.set_read_timeout(Some(HEAD_TIMEOUT));
    let request = match read_request(&mut client) {
        Ok(request) => request,
        Err((status, message)) => {
            tracing::debug!(%message, "sandbox egress proxy refused a malformed request");
            respond(&mut client, status, &message);
            return;
        }
    };
    let Request {
        method,
        host,
        port,
        upstream_head,
        rest,
    } = request;
    let mut record = EgressRecord {
        method,
        host,
        port,
        allowed: false,
        reason: None,
    };
    let Some(entry) = shared
        .allowed
        .iter()
        .find(|entry| entry.matches(&record.host, port))
    else {
        record.reason = Some("not on the allow list".into());
        shared.record(record);
        respond(
            &mut client,
            "403 Forbidden",
            "host not on the sandbox's egress allow list",
        );
        return;
    };
    record.allowed = true;
    let upstream = match connect(&record.host, port, entry.is_address()) {
        Ok(upstream) => upstream,
        Err(reason) => {
            respond(&mut client, "502 Bad Gateway", &reason);
            record.reason = Some(reason);
            shared.record(record);
            return;
        }
    };
    shared.record(record);
    let tracked = upstream
        .try_clone()
        .is_ok_and(|copy| shared.track(id, Cuttable::Tcp(copy)));
    if !tracked {
        return;
    }
    let mut upstream = upstream;
    let opened = match &upstream_head {
        None => client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n"),
        Some(head) => upstream.write_all(head),
    };
    if opened.and_then(|()| upstream.write_all(&rest)).is_err() {
        return;
    }
    let _ = client.set_read_timeout(None);
    splice(client, upstream);
}

/// Answers a connection the proxy has no room for.
pub(super) fn refuse_busy(mut client: UnixStream) {
    respond(
        &mut client,
        "503 Service Unavailable",
        &format!("the sandbox's egress proxy serves at most {MAX_CONNECTIONS} connections"),
    );
}

fn respond(client: &mut UnixStream, status: &str, message: &str) {
    let body = format!("{message}\n");
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.write_all(response.as_bytes());
}

/// Reads the request head (at most [`MAX_HEAD_BYTES`]) and parses it. `Err` carries the
/// status line and message to answer with.
fn read_request(client: &mut UnixStream) -> Result<Request, (&'static str, String)> {
    let mut buffer = vec![0u8; MAX_HEAD_BYTES];
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            return Err((
                "431 Request Header Fields Too Large",
                format!("request head over {MAX_HEAD_BYTES} bytes"),
            ));
        }
        let n = match client.read(&mut buffer[filled..]) {
            Ok(0) => return Err(("400 Bad Request", "connection closed mid-request".into())),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(("408 Request Timeout", format!("reading the request: {e}"))),
        };
        filled += n;
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buffer[..filled]) {
            Ok(httparse::Status::Partial) => continue,
            Ok(httparse::Status::Complete(head_len)) => {
                let rest = buffer[head_len..filled].to_vec();
                return interpret(&parsed, rest);
            }
            Err(e) => return Err(("400 Bad Request", format!("malformed request: {e}"))),
        }
    }
}

fn interpret(
    parsed: &httparse::Request<'_, '_>,
    rest: Vec<u8>,
) -> Result<Request, (&'static str, String)> {
    let bad = |message: String| ("400 Bad Request", message);
    let method = parsed.method.unwrap_or_default().to_owned();
    let target = parsed.path.unwrap_or_default();
    if method.eq_ignore_ascii_case("CONNECT") {
        let authority: Authority = target
            .parse()
            .map_err(|_| bad(format!("CONNECT needs host:port, got {target:?}")))?;
        let port = authority
            .port_u16()
            .ok_or_else(|| bad("CONNECT needs host:port".into()))?;
        if authority.as_str().contains('@') {
            return Err(bad("user information in CONNECT".into()));
        }
        return Ok(Request {
            method: "CONNECT".into(),
            host: normalise_host(authority.host()),
            port,
            upstream_head: None,
            rest,
        });
    }
    let uri: Uri = target
        .parse()
        .map_err(|_| bad(format!("not a URI: {target:?}")))?;
    if uri.scheme_str() != Some("http") {
        return Err(bad(
            "only absolute http:// URIs are proxied; use CONNECT for https".into(),
        ));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| bad("the URI has no host".into()))?;
    if authority.as_str().contains('@') {
        return Err(bad("user information in the URI".into()));
    }
    let host = normalise_host(authority.host());
    let port = authority.port_u16().unwrap_or(80);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut head =
        format!("{method} {path} HTTP/1.{}\r\n", parsed.version.unwrap_or(1)).into_bytes();
    for header in parsed.headers.iter() {
        if DROPPED_HEADERS
            .iter()
            .any(|dropped| header.name.eq_ignore_ascii_case(dropped))
        {
            continue;
        }
        head.extend_from_slice(header.name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(header.value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    Ok(Request {
        method,
        host,
        port,
        upstream_head: Some(head),
        rest,
    })
}

/// Resolves and connects from the host side. A host name is only connected to at public
/// addresses; an address entry (`literal`) is connected to as given.
fn connect(host: &str, port: u16, literal: bool) -> Result<TcpStream, String> {
    let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(address) => vec![SocketAddr::new(address, port)],
        Err(_) => (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect(),
    };
    let reachable: Vec<SocketAddr> = addresses
        .into_iter()
        .filter(|address| literal || is_public(address.ip()))
        .collect();
    if reachable.is_empty() {
        return Err(format!("{host} resolves to no public address"));
    }
    let mut last_error = None;
    for address in reachable {
        match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(e) => last_error = Some(e),
        }
    }
    Err(match last_error {
        Some(e) => format!("cannot connect to {host}:{port}: {e}"),
        None => format!("cannot connect to {host}:{port}"),
    })
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared
/// (CGNAT), documentation, benchmarking, multicast or reserved space.
fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00 // unique local
                    || (first & 0xffc0) == 0xfe80 // link-local
                    || (first == 0x2001 && v6.segments()[1] == 0x0db8)) // documentation
            }
        },
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_documentation()
        || v4.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 192 && b == 0 && v4.octets()[2] == 0))
}
