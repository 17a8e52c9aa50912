//! Passing bytes both ways between two connected streams until both directions have ended:
//! used by the egress proxy (sandbox ↔ upstream) and by the relay inside the sandbox
//! (command ↔ proxy socket).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;

/// A bidirectional stream that can be split into two handles and half-closed.
pub(crate) trait Duplex: Read + Write + Send + Sized + 'static {
    fn duplicate(&self) -> std::io::Result<Self>;
    fn close_write(&self);
}

impl Duplex for TcpStream {
    fn duplicate(&self) -> std::io::Result<Self> {
        self.try_clone()
    }
    fn close_write(&self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

impl Duplex for UnixStream {
    fn duplicate(&self) -> std::io::Result<Self> {
        self.try_clone()
    }
    fn close_write(&self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

/// Copies `a → b` on this thread and `b → a` on another; each direction's end is passed on
/// as a half-close, so request/response protocols finish cleanly. Returns when both are done.
pub(crate) fn splice<A: Duplex, B: Duplex>(mut a: A, mut b: B) {
    let (mut a_back, mut b_back) = match (a.duplicate(), b.duplicate()) {
        (Ok(a_back), Ok(b_back)) => (a_back, b_back),
        _ => return,
    };
    let back = std::thread::Builder::new()
        .name("redgreen-splice".into())
        .spawn(move || {
            let _ = std::io::copy(&mut b_back, &mut a_back);
            a_back.close_write();
        });
    let _ = std::io::copy(&mut a, &mut b);
    b.close_write();
    if let Ok(back) = back {
        let _ = back.join();
    }
}
