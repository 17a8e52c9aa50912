//! The control socket every stage gets as its standard input: configuration in, reports out.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

use serde::de::DeserializeOwned;

use crate::protocol::Report;

/// A stage's end of its control socket (a duplicate of fd 0, close-on-exec, so the command
/// never inherits it).
pub(crate) struct ControlSocket {
    stream: UnixStream,
}

impl ControlSocket {
    /// Takes the socket that is this process's standard input.
    pub(crate) fn from_stdin() -> Result<Self, String> {
        let fd = std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| format!("duplicating the control socket: {e}"))?;
        Ok(ControlSocket {
            stream: UnixStream::from(fd),
        })
    }

    pub(crate) fn new(stream: UnixStream) -> Self {
        ControlSocket { stream }
    }

    /// Reads the configuration: one JSON value, up to the peer's shutdown for writing.
    pub(crate) fn receive<T: DeserializeOwned>(&self) -> Result<T, String> {
        let mut bytes = Vec::new();
        (&self.stream)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("reading the configuration: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("decoding the configuration: {e}"))
    }

    /// Sends raw bytes (the start byte).
    pub(crate) fn send_raw(&self, bytes: &[u8]) -> Result<(), String> {
        (&self.stream)
            .write_all(bytes)
            .map_err(|e| format!("writing to the helper: {e}"))
    }

    /// Sends a configuration and closes the sending direction so the peer sees its end.
    pub(crate) fn send_config<T: serde::Serialize>(&self, config: &T) -> Result<(), String> {
        let bytes =
            serde_json::to_vec(config).map_err(|e| format!("encoding the configuration: {e}"))?;
        (&self.stream)
            .write_all(&bytes)
            .and_then(|()| self.stream.shutdown(std::net::Shutdown::Write))
            .map_err(|e| format!("sending the configuration: {e}"))
    }

    /// Sends one report line. A write failure means the supervisor is gone; there is nobody
    /// left to tell, so it is ignored.
    pub(crate) fn report(&self, report: &Report) {
        if let Ok(mut line) = serde_json::to_vec(report) {
            line.push(b'\n');
            let _ = (&self.stream).write_all(&line);
        }
    }

    /// Sends raw report lines received from a later stage, unchanged.
    pub(crate) fn relay(&self, lines: &[u8]) {
        let _ = (&self.stream).write_all(lines);
    }

    pub(crate) fn report_setup_failure(&self, stage: &str, message: String) {
        self.report(&Report::SetupFailed {
            stage: stage.to_owned(),
            message,
        });
    }

    pub(crate) fn stream(&self) -> &UnixStream {
        &self.stream
    }
}
