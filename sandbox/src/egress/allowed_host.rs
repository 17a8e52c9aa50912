//! One entry of the egress allow list: a host name or IP address, optionally with one port.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use http::uri::Authority;

use crate::SandboxError;

/// Ports a bare host entry allows: plain HTTP and HTTPS.
const DEFAULT_PORTS: [u16; 2] = [80, 443];

/// A host the egress proxy lets through. `host` allows ports 80 and 443; `host:port` allows
/// exactly that port (`[::1]:8080` for an IPv6 address). Matching is exact and
/// case-insensitive: `example.com` does not allow `www.example.com`.
///
/// A host name is only connected to at public addresses (a name that resolves to loopback or
/// a private network is refused), so an allow-listed name cannot be pointed at the host's own
/// services; an IP address entry is taken literally, which is how tests reach a loopback server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl AllowedHost {
    /// Whether a request for `host` (already normalised by [`normalise_host`]) and `port`
    /// matches this entry.
    pub(crate) fn matches(&self, host: &str, port: u16) -> bool {
        self.host == host
            && match self.port {
                Some(allowed) => allowed == port,
                None => DEFAULT_PORTS.contains(&port),
            }
    }

    /// Whether this entry names an IP address rather than a host name.
    pub(crate) fn is_address(&self) -> bool {
        self.host.parse::<IpAddr>().is_ok()
    }
}

impl FromStr for AllowedHost {
    type Err = SandboxError;

    fn from_str(entry: &str) -> Result<Self, Self::Err> {
        let invalid =
            |why: &str| SandboxError::InvalidRequest(format!("allowed host {entry:?}: {why}"));
        let authority: Authority = entry
            .parse()
            .map_err(|_| invalid("not a host or host:port"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("user information is not allowed"));
        }
        let host = normalise_host(authority.host());
        if host.is_empty() || host.contains('*') {
            return Err(invalid("name one host exactly"));
        }
        if authority.port().is_some() && authority.port_u16().is_none_or(|port| port == 0) {
            return Err(invalid("the port must be 1 to 65535"));
        }
        Ok(AllowedHost {
            host,
            port: authority.port_u16(),
        })
    }
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(port) => write!(f, "{host}:{port}"),
            None => f.write_str(&host),
        }
    }
}

/// The comparable form of a host: lower case, without an IPv6 address's brackets or a fully
/// qualified name's trailing dot.
pub(crate) fn normalise_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}
