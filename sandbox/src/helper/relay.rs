//! The egress relay, run by the sandbox's PID 1 in the proxy phase: a TCP listener on the
//! namespace's private loopback whose every connection is passed to the host-side egress
//! proxy through its bind-mounted Unix socket. It is the only thing the command can reach.

use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::loopback;
use crate::splice::splice;

/// Where init binds the proxy's socket in the new root. The command can connect to it
/// directly too; that is the same proxy with the same allow list, so it gains nothing.
pub(crate) const SOCKET_INSIDE: &str = "/run/redgreen/egress.sock";

/// Connections relayed at once (each costs two threads, counted in the run's pids limit).
const MAX_CONNECTIONS: usize = 64;

/// The relay's listener on the private loopback, bound but not yet served.
pub(super) struct RelayListener {
    listener: TcpListener,
    port: u16,
}

/// Brings the loopback device up and listens on a free port of 127.0.0.1.
pub(super) fn listen() -> Result<RelayListener, String> {
    loopback::bring_up()?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("binding the egress relay: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("reading the egress relay's port: {e}"))?
        .port();
    Ok(RelayListener { listener, port })
}

impl RelayListener {
    pub(super) fn port(&self) -> u16 {
        self.port
    }

    /// Relays from a background thread for as long as init lives.
    pub(super) fn serve(self) -> Result<(), String> {
        let listener = self.listener;
        std::thread::Builder::new()
            .name("redgreen-relay".into())
            .spawn(move || relay(&listener))
            .map(drop)
            .map_err(|e| format!("starting the egress relay: {e}"))
    }
}

fn relay(listener: &TcpListener) {
    let active = Arc::new(AtomicUsize::new(0));
    for client in listener.incoming() {
        let Ok(client) = client else { continue };
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            // Dropping the connection closes it: the client sees a reset, not a hang.
            continue;
        }
        let Ok(proxy) = UnixStream::connect(SOCKET_INSIDE) else {
            continue;
        };
        active.fetch_add(1, Ordering::SeqCst);
        let finished = Arc::clone(&active);
        let spawned = std::thread::Builder::new()
            .name("redgreen-relay".into())
            .spawn(move || {
                splice(client, proxy);
                finished.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
