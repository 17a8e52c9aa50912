//! The setup phase's only way out: an HTTP(S) egress proxy on the host side, reached from the
//! sandbox over a Unix socket, that lets through only requests for allowed hosts and records
//! every request with its verdict.
//!
//! Inside the sandbox, PID 1 relays TCP connections to `127.0.0.1:<port>` (on the network
//! namespace's private loopback) to the proxy's socket, which is bind-mounted in; see
//! `helper/relay.rs`. The proxy speaks `CONNECT host:port` (HTTPS and anything else tunnelled,
//! bytes passed through untouched, no TLS interception) and absolute-form plain HTTP. It adds
//! no credentials of its own and resolves and connects from the host side.

mod allowed_host;
mod connection;
mod proxy;

use serde::{Deserialize, Serialize};

pub use allowed_host::AllowedHost;
pub(crate) use proxy::EgressProxy;

/// One request the egress proxy saw, with its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EgressRecord {
    /// `CONNECT` for a tunnel, else the plain HTTP request's method.
    pub method: String,
    /// The requested host, lower-cased (an IPv6 address without brackets).
    pub host: String,
    pub port: u16,
    /// Whether the request matched the allow list (it may still have failed upstream; then
    /// `reason` says why).
    pub allowed: bool,
    /// Why the request was refused or could not be completed; `None` when it went through.
    pub reason: Option<String>,
}
