//! The control socket every stage gets as its standard input: configuration in, reports out.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

use serde::de::DeserializeOwned;

use crate::protocol::Report;

/// The byte a stage sends once it is running.
const READY: [u8; 1] = [b'+'];

/// Largest start message accepted (it names a few cgroup files).
const MAX_FRAME_BYTES: usize = 64 << 10;

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

    /// Tells the stage that started this one that it is loaded and running (one byte).
    pub(crate) fn signal_ready(&self) -> Result<(), String> {
        (&self.stream)
            .write_all(&READY)
            .map_err(|e| format!("signalling readiness: {e}"))
    }

    /// Waits for [`ControlSocket::signal_ready`] from the other end. A stage that failed
    /// instead sends its report line: its text is the error.
    pub(crate) fn wait_ready(&self) -> Result<(), String> {
        let mut byte = [0u8; 1];
        (&self.stream)
            .read_exact(&mut byte)
            .map_err(|e| format!("waiting for the next stage: {e}"))?;
        if byte == READY {
            return Ok(());
        }
        let mut line = byte.to_vec();
        let _ = (&self.stream)
            .take(MAX_FRAME_BYTES as u64)
            .read_to_end(&mut line);
        Err(format!(
            "the next stage failed: {}",
            String::from_utf8_lossy(&line).trim()
        ))
    }

    /// Sends one length-prefixed JSON value (the start message), leaving the stream open.
    pub(crate) fn send_frame<T: serde::Serialize>(&self, value: &T) -> Result<(), String> {
        let bytes =
            serde_json::to_vec(value).map_err(|e| format!("encoding the start message: {e}"))?;
        let length =
            u32::try_from(bytes.len()).map_err(|_| "the start message is too long".to_owned())?;
        (&self.stream)
            .write_all(&length.to_le_bytes())
            .and_then(|()| (&self.stream).write_all(&bytes))
            .map_err(|e| format!("writing to the helper: {e}"))
    }

    /// Reads exactly one length-prefixed JSON value and nothing after it.
    pub(crate) fn receive_frame<T: DeserializeOwned>(&self) -> Result<T, String> {
        let mut length = [0u8; 4];
        (&self.stream)
            .read_exact(&mut length)
            .map_err(|e| format!("waiting for the supervisor: {e}"))?;
        let length = u32::from_le_bytes(length) as usize;
        if length > MAX_FRAME_BYTES {
            return Err(format!("start message of {length} bytes is too long"));
        }
        let mut bytes = vec![0u8; length];
        (&self.stream)
            .read_exact(&mut bytes)
            .map_err(|e| format!("reading the start message: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("decoding the start message: {e}"))
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

    /// Passes on report lines from a later stage, unchanged.
    pub(crate) fn relay(&self, lines: &[u8]) {
        let _ = (&self.stream).write_all(lines);
    }

    pub(crate) fn report_setup_failure(&self, stage: &str, message: String) {
        self.report(&Report::SetupFailed {
            stage: stage.to_owned(),
            message,
        });
    }

    /// The socket, to poll it.
    pub(crate) fn socket(&self) -> &UnixStream {
        &self.stream
    }

    /// The socket itself, for a reader that polls it.
    pub(crate) fn into_stream(self) -> UnixStream {
        self.stream
    }
}
