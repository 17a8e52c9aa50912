//! Bringing up the loopback device of the sandbox's new network namespace (it starts down,
//! and then even 127.0.0.1 is unreachable). Only the proxy phase needs it, for the relay.

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::link::{LinkFlags, LinkMessage};
use netlink_sys::protocols::NETLINK_ROUTE;
use netlink_sys::{Socket, SocketAddr};

/// The loopback device is always the first interface of a network namespace.
const LOOPBACK_INDEX: u32 = 1;

/// Sets `lo` up with one `RTM_SETLINK` request and waits for the kernel's acknowledgement.
/// Needs CAP_NET_ADMIN over the namespace (init has it: it is root of the user namespace that
/// owns the network namespace).
pub(super) fn bring_up() -> Result<(), String> {
    let mut link = LinkMessage::default();
    link.header.index = LOOPBACK_INDEX;
    link.header.flags = LinkFlags::Up;
    link.header.change_mask = LinkFlags::Up;
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_ACK;
    header.sequence_number = 1;
    let mut request = NetlinkMessage::new(
        header,
        NetlinkPayload::from(RouteNetlinkMessage::SetLink(link)),
    );
    request.finalize();
    let mut bytes = vec![0u8; request.buffer_len()];
    request.serialize(&mut bytes);

    let mut socket = Socket::new(NETLINK_ROUTE).map_err(|e| format!("netlink socket: {e}"))?;
    socket
        .bind_auto()
        .and_then(|_| socket.connect(&SocketAddr::new(0, 0)))
        .map_err(|e| format!("netlink bind: {e}"))?;
    socket
        .send(&bytes, 0)
        .map_err(|e| format!("sending RTM_SETLINK: {e}"))?;
    let (reply, _) = socket
        .recv_from_full()
        .map_err(|e| format!("reading the netlink reply: {e}"))?;
    let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&reply)
        .map_err(|e| format!("decoding the netlink reply: {e}"))?;
    match reply.payload {
        NetlinkPayload::Error(error) if error.code.is_none() => Ok(()),
        NetlinkPayload::Error(error) => Err(format!("setting lo up: {}", error.to_io())),
        other => Err(format!("unexpected netlink reply: {other:?}")),
    }
}
