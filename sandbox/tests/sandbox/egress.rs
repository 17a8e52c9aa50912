//! The setup phase's egress proxy: an allow-listed host is reachable through it (plain HTTP and
//! CONNECT), anything else is refused with 403 and recorded, nothing is reachable around it;
//! the agent phase has no relay and reaches nothing.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use redgreen_sandbox::{AllowedHost, EgressRecord, Network, SandboxRun};

use crate::support::{sandbox, sh, stdout};

/// A host-side HTTP server on loopback that answers every request with `hello` and counts the
/// connections it accepted.
struct HostServer {
    port: u16,
    connections: Arc<AtomicUsize>,
}

fn host_server() -> HostServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
            );
        }
    });
    HostServer { port, connections }
}

/// A Python probe in a proxy-phase sandbox; prints one `name: result` line per try.
fn probe_with_proxy(allowed: &[&str], tries: &str) -> (SandboxRun, String) {
    let script = format!(
        "import os, socket, errno, urllib.request\n\
         proxy_port = int(os.environ['HTTP_PROXY'].rsplit(':', 1)[1])\n\
         def attempt(name, fn):\n\
         \x20   try:\n\
         \x20       print(name + ': ' + str(fn()))\n\
         \x20   except urllib.error.HTTPError as e:\n\
         \x20       print(name + ': http ' + str(e.code))\n\
         \x20   except OSError as e:\n\
         \x20       print(name + ': ' + (errno.errorcode.get(e.errno) or str(e)))\n\
         def get(url):\n\
         \x20   return urllib.request.urlopen(url, timeout=10).read().decode()\n\
         def tunnel(authority):\n\
         \x20   s = socket.create_connection(('127.0.0.1', proxy_port), timeout=10)\n\
         \x20   s.sendall(('CONNECT ' + authority + ' HTTP/1.1\\r\\nHost: ' + authority + '\\r\\n\\r\\n').encode())\n\
         \x20   reply = s.recv(4096).decode()\n\
         \x20   if not reply.startswith('HTTP/1.1 200'):\n\
         \x20       return reply.split('\\r\\n')[0]\n\
         \x20   s.sendall(b'GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')\n\
         \x20   body = b''\n\
         \x20   while True:\n\
         \x20       chunk = s.recv(4096)\n\
         \x20       if not chunk: break\n\
         \x20       body += chunk\n\
         \x20   return 'tunnel ' + body.decode().split('\\r\\n\\r\\n', 1)[1]\n\
         {tries}\n"
    );
    let workspace = tempfile::tempdir().unwrap();
    let mut request = sh(
        &format!("/usr/bin/python3 -c '{}'", script.replace('\'', "'\\''")),
        &workspace,
    );
    request.network = Network::Proxy {
        allowed_hosts: allowed.iter().map(|host| host.parse().unwrap()).collect(),
    };
    let run = sandbox().run(&request).unwrap();
    assert_eq!(
        run.outcome.exit_code,
        Some(0),
        "probe failed: {}",
        run.stderr.to_text()
    );
    let out = stdout(&run);
    (run, out)
}

fn record(method: &str, host: &str, port: u16, allowed: bool) -> (String, String, u16, bool) {
    (method.to_owned(), host.to_owned(), port, allowed)
}

fn verdicts(records: &[EgressRecord]) -> Vec<(String, String, u16, bool)> {
    records
        .iter()
        .map(|r| (r.method.clone(), r.host.clone(), r.port, r.allowed))
        .collect()
}

#[test]
fn the_setup_phase_reaches_an_allowed_host_through_the_proxy_and_nothing_else() {
    let server = host_server();
    let other = host_server();
    let (run, out) = probe_with_proxy(
        &[&format!("127.0.0.1:{}", server.port)],
        &format!(
            "attempt('get', lambda: get('http://127.0.0.1:{port}/a'))\n\
             attempt('connect', lambda: tunnel('127.0.0.1:{port}'))\n\
             attempt('denied_name', lambda: get('http://example.com/'))\n\
             attempt('denied_tunnel', lambda: tunnel('example.com:443'))\n\
             attempt('other_port', lambda: get('http://127.0.0.1:{other}/'))\n\
             attempt('direct', lambda: socket.create_connection(('127.0.0.1', {port}), timeout=2))\n\
             attempt('external', lambda: socket.create_connection(('192.0.2.1', 80), timeout=2))\n\
             attempt('dns', lambda: socket.getaddrinfo('example.com', 80))",
            port = server.port,
            other = other.port,
        ),
    );
    assert!(out.contains("get: hello\n"), "{out}");
    assert!(out.contains("connect: tunnel hello\n"), "{out}");
    assert!(out.contains("denied_name: http 403\n"), "{out}");
    assert!(
        out.contains("denied_tunnel: HTTP/1.1 403 Forbidden\n"),
        "{out}"
    );
    assert!(out.contains("other_port: http 403\n"), "{out}");
    // Around the proxy: Landlock allows TCP connect to the relay's port only (EACCES); on a
    // kernel without Landlock's network rules the namespace's loopback has nothing on that
    // port and no route anywhere else.
    assert!(
        out.contains("direct: EACCES\n") || out.contains("direct: ECONNREFUSED\n"),
        "{out}"
    );
    assert!(
        out.contains("external: EACCES\n") || out.contains("external: ENETUNREACH\n"),
        "{out}"
    );
    assert!(out.contains("dns: [Errno -3]"), "{out}");
    assert_eq!(server.connections.load(Ordering::SeqCst), 2, "{out}");
    assert_eq!(other.connections.load(Ordering::SeqCst), 0, "{out}");
    assert_eq!(
        verdicts(&run.egress),
        vec![
            record("GET", "127.0.0.1", server.port, true),
            record("CONNECT", "127.0.0.1", server.port, true),
            record("GET", "example.com", 80, false),
            record("CONNECT", "example.com", 443, false),
            record("GET", "127.0.0.1", other.port, false),
        ]
    );
    assert!(run.egress[2].reason.is_some());
    assert!(run.egress[0].reason.is_none());
}

#[test]
fn the_setup_phase_reaches_no_host_listener_over_ipv6() {
    // The setup phase may create IPv6 sockets (for the relay's clients); the host's ::1 must
    // stay out of reach all the same, directly and through the proxy.
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        // No IPv6 on this host: there is no ::1 listener to reach.
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let (run, out) = probe_with_proxy(
        &[],
        &format!(
            "attempt('direct6', lambda: socket.create_connection(('::1', {port}), timeout=2))\n\
             attempt('proxied6', lambda: get('http://[::1]:{port}/'))"
        ),
    );
    // Landlock allows TCP connect to the relay's port only; without Landlock's network rules
    // the namespace's own ::1 has nothing listening there.
    assert!(
        out.contains("direct6: EACCES\n") || out.contains("direct6: ECONNREFUSED\n"),
        "{out}"
    );
    assert!(out.contains("proxied6: http 403\n"), "{out}");
    listener.set_nonblocking(true).unwrap();
    assert!(
        listener.accept().is_err(),
        "the host listener saw a connection"
    );
    assert_eq!(run.egress.len(), 1, "{:?}", run.egress);
    assert!(!run.egress[0].allowed);
}

#[test]
fn an_allowed_name_that_resolves_to_a_host_address_is_refused() {
    let server = host_server();
    let (run, out) = probe_with_proxy(
        &[&format!("localhost:{}", server.port)],
        &format!(
            "attempt('by_name', lambda: get('http://localhost:{}/'))",
            server.port
        ),
    );
    assert!(out.contains("by_name: http 502\n"), "{out}");
    assert_eq!(server.connections.load(Ordering::SeqCst), 0);
    assert_eq!(
        verdicts(&run.egress),
        vec![record("GET", "localhost", server.port, true)]
    );
    assert!(
        run.egress[0]
            .reason
            .as_deref()
            .is_some_and(|reason| reason.contains("no public address")),
        "{:?}",
        run.egress
    );
}

#[test]
fn the_proxy_phase_still_denies_raw_netlink_and_packet_sockets() {
    let (_, out) = probe_with_proxy(
        &[],
        "attempt('raw', lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))\n\
         attempt('netlink', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))\n\
         attempt('packet', lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0))\n\
         attempt('bind', lambda: socket.socket().bind(('127.0.0.1', 0)))",
    );
    for name in ["raw", "netlink", "packet"] {
        assert!(out.contains(&format!("{name}: EPERM")), "{out}");
    }
    // Landlock handles TCP bind with no rule allowing it.
    assert!(out.contains("bind: EACCES"), "{out}");
}

#[test]
fn the_agent_phase_has_no_proxy_and_reaches_nothing() {
    let server = host_server();
    let workspace = tempfile::tempdir().unwrap();
    let request = sh(
        &format!(
            "env | grep -i proxy; ls /run/redgreen 2>&1; \
             /usr/bin/python3 -c 'import socket\n\
             try:\n    socket.create_connection((\"127.0.0.1\", {}), timeout=2); print(\"tcp: ok\")\n\
             except OSError as e:\n    print(\"tcp:\", e.errno)'",
            server.port
        ),
        &workspace,
    );
    let run = sandbox().run(&request).unwrap();
    let out = stdout(&run);
    assert!(!out.to_ascii_lowercase().contains("_proxy="), "{out}");
    assert!(out.contains("No such file or directory"), "{out}");
    assert!(out.contains(&format!("tcp: {}", libc::EPERM)), "{out}");
    assert!(run.egress.is_empty());
    assert_eq!(server.connections.load(Ordering::SeqCst), 0);
}

#[test]
fn allow_list_entries_are_exact_hosts_with_an_optional_port() {
    for (entry, shown) in [
        ("Example.COM", "example.com"),
        ("example.com.:8443", "example.com:8443"),
        ("[::1]:8080", "[::1]:8080"),
        ("127.0.0.1:5000", "127.0.0.1:5000"),
    ] {
        let parsed: AllowedHost = entry.parse().unwrap();
        assert_eq!(parsed.to_string(), shown);
    }
    for bad in [
        "",
        "http://example.com",
        "user@example.com",
        "*.example.com",
        "example.com:0",
        "a b",
    ] {
        assert!(bad.parse::<AllowedHost>().is_err(), "{bad:?} was accepted");
    }
}

#[test]
fn the_setup_phase_gets_only_the_built_environment_and_oversized_heads_are_refused() {
    let (run, out) = probe_with_proxy(
        &["example.com"],
        "attempt('env', lambda: ','.join(sorted(k for k in os.environ if k not in ('PWD', 'SHLVL', '_'))))\n\
         def huge():\n\
         \x20   s = socket.create_connection(('127.0.0.1', proxy_port), timeout=10)\n\
         \x20   s.sendall(b'GET http://example.com/ HTTP/1.1\\r\\nX-Filler: ' + b'a' * 40000 + b'\\r\\n\\r\\n')\n\
         \x20   return s.recv(4096).decode().split('\\r\\n')[0]\n\
         attempt('huge', huge)",
    );
    // Exactly the defaults and the proxy's variables: nothing of the supervisor's own
    // environment (cargo's variables, for one, are set in this test process).
    assert!(
        out.contains(
            "env: HOME,HTTPS_PROXY,HTTP_PROXY,LANG,NO_PROXY,PATH,TMPDIR,USER,http_proxy,https_proxy,no_proxy\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("huge: HTTP/1.1 431 Request Header Fields Too Large\n"),
        "{out}"
    );
    // A head the proxy could not read is answered, not recorded as a request.
    assert!(run.egress.is_empty(), "{:?}", run.egress);
}
