//! No network: only a loopback device, host listeners unreachable, every socket family but
//! AF_UNIX refused, host Unix sockets (pathname and abstract) out of reach.

use std::net::{TcpListener, UdpSocket};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};

use crate::support::{run_python, run_sh, stdout};

/// A Python probe that tries each connection and prints one `name: ok|errno` line per try.
fn probe(tries: &str) -> String {
    let script = format!(
        "import socket, errno\n\
         def attempt(name, fn):\n\
         \x20   try:\n\
         \x20       fn(); print(name + ': ok')\n\
         \x20   except OSError as e:\n\
         \x20       print(name + ': ' + (errno.errorcode.get(e.errno) or str(e)))\n\
         {tries}\n"
    );
    let run = run_python(&script);
    assert_eq!(
        run.outcome.exit_code,
        Some(0),
        "probe failed: {}",
        run.stderr.to_text()
    );
    stdout(&run)
}

#[test]
fn only_the_loopback_device_exists() {
    let run = run_sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    assert_eq!(stdout(&run), "lo\n");
}

#[test]
fn host_tcp_and_udp_listeners_and_external_addresses_are_unreachable() {
    let v4 = TcpListener::bind("127.0.0.1:0").unwrap();
    let v6 = TcpListener::bind("[::1]:0").ok();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_nonblocking(true).unwrap();
    let v6_try = v6.as_ref().map_or(String::new(), |l| {
        format!(
            "attempt('tcp6', lambda: socket.create_connection(('::1', {}), timeout=2))",
            l.local_addr().unwrap().port()
        )
    });
    let out = probe(&format!(
        "attempt('tcp4', lambda: socket.create_connection(('127.0.0.1', {}), timeout=2))\n\
         {v6_try}\n\
         attempt('external', lambda: socket.create_connection(('192.0.2.1', 80), timeout=2))\n\
         attempt('udp', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', {})))\n\
         attempt('dns', lambda: socket.getaddrinfo('example.com', 80))",
        v4.local_addr().unwrap().port(),
        udp.local_addr().unwrap().port(),
    ));
    for name in ["tcp4", "external", "udp", "dns"] {
        assert!(out.contains(&format!("{name}: ")), "{out}");
        assert!(
            !out.contains(&format!("{name}: ok")),
            "{name} got through: {out}"
        );
    }
    if v6.is_some() {
        assert!(out.contains("tcp6: EPERM"), "{out}");
    }
    assert!(out.contains("tcp4: EPERM"), "{out}");
    v4.set_nonblocking(true).unwrap();
    assert!(v4.accept().is_err(), "the host listener saw a connection");
    let mut buffer = [0u8; 8];
    assert!(
        udp.recv_from(&mut buffer).is_err(),
        "the host UDP socket got a datagram"
    );
}

#[test]
fn raw_netlink_and_packet_sockets_are_denied() {
    let out = probe(
        "attempt('raw', lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))\n\
         attempt('inet6', lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM))\n\
         attempt('netlink', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))\n\
         attempt('packet', lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0))\n\
         attempt('unix', lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))",
    );
    for name in ["raw", "inet6", "netlink", "packet"] {
        assert!(out.contains(&format!("{name}: EPERM")), "{out}");
    }
    // The one family that stays: local IPC between the command's own processes.
    assert!(out.contains("unix: ok"), "{out}");
}

#[test]
fn host_unix_sockets_are_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("host.sock");
    let pathname = UnixListener::bind(&path).unwrap();
    let name = format!("redgreen-sandbox-test-{}", std::process::id());
    let abstract_listener =
        UnixListener::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
    let out = probe(&format!(
        "attempt('pathname', lambda: socket.socket(socket.AF_UNIX).connect('{}'))\n\
         attempt('abstract', lambda: socket.socket(socket.AF_UNIX).connect('\\0{name}'))",
        path.display()
    ));
    assert!(out.contains("pathname: ENOENT"), "{out}");
    assert!(
        out.contains("abstract: ECONNREFUSED") || out.contains("abstract: EPERM"),
        "{out}"
    );
    pathname.set_nonblocking(true).unwrap();
    abstract_listener.set_nonblocking(true).unwrap();
    assert!(pathname.accept().is_err());
    assert!(abstract_listener.accept().is_err());
}
