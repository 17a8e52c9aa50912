//! The egress proxy's lifecycle: a private directory with a Unix socket, an accepting thread,
//! one thread per connection (bounded), and the record of every request.

use std::collections::HashMap;
use std::fs::DirBuilder;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use super::{AllowedHost, EgressRecord, connection};
use crate::{HostIdentity, SandboxError};

/// Connections served at once; more are refused with 503 (a bound on the supervisor's threads
/// and memory, whatever the sandboxed command does).
pub(super) const MAX_CONNECTIONS: usize = 64;

/// Requests recorded per run; later ones are still logged, but not kept in memory.
const MAX_RECORDS: usize = 10_000;

/// Name of the socket inside the run's private directory.
const SOCKET_NAME: &str = "egress.sock";

/// A running egress proxy for one run. Dropping it stops it and removes its directory.
pub(crate) struct EgressProxy {
    dir: PathBuf,
    socket: PathBuf,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

/// What the accepting thread and the connection threads share.
pub(super) struct Shared {
    pub(super) allowed: Vec<AllowedHost>,
    stopping: AtomicBool,
    records: Mutex<Vec<EgressRecord>>,
    /// Every open stream of every connection, so that stopping can cut them all.
    open: Mutex<HashMap<u64, Vec<Cuttable>>>,
    next_id: AtomicU64,
}

/// A stream the proxy can shut down from another thread.
pub(super) enum Cuttable {
    Unix(UnixStream),
    Tcp(std::net::TcpStream),
}

impl EgressProxy {
    /// Creates a private directory under `runtime_dir` (owned by `owner` when the sandbox runs
    /// as another user, so that the sandbox's init can reach the socket) and starts serving.
    pub(crate) fn start(
        runtime_dir: &Path,
        owner: Option<HostIdentity>,
        allowed: Vec<AllowedHost>,
    ) -> Result<EgressProxy, SandboxError> {
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let dir = loop {
            let candidate = runtime_dir.join(format!(
                "redgreen-egress-{}-{}",
                std::process::id(),
                RUNS.fetch_add(1, Ordering::Relaxed)
            ));
            // mkdir fails on anything already there (a stale directory, a planted symlink).
            match DirBuilder::new().mode(0o700).create(&candidate) {
                Ok(()) => break candidate,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => {
                    return Err(SandboxError::Io {
                        action: "creating the egress proxy's directory",
                        source,
                    });
                }
            }
        };
        let socket = dir.join(SOCKET_NAME);
        let listener = match bind(&dir, &socket, owner) {
            Ok(listener) => listener,
            Err(source) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(SandboxError::Io {
                    action: "starting the egress proxy",
                    source,
                });
            }
        };
        let shared = Arc::new(Shared {
            allowed,
            stopping: AtomicBool::new(false),
            records: Mutex::new(Vec::new()),
            open: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept(&listener, &shared))
        };
        Ok(EgressProxy {
            dir,
            socket,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The host path of the proxy's socket.
    pub(crate) fn socket(&self) -> &Path {
        &self.socket
    }

    /// Stops the proxy, cuts every open connection and returns what it recorded.
    pub(crate) fn finish(mut self) -> Vec<EgressRecord> {
        self.stop();
        std::mem::take(&mut *lock(&self.shared.records))
    }

    fn stop(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which sees `stopping` and returns.
        let _ = UnixStream::connect(&self.socket);
        let _ = acceptor.join();
        for streams in lock(&self.shared.open).drain().map(|(_, streams)| streams) {
            for stream in streams {
                let _ = match stream {
                    Cuttable::Unix(stream) => stream.shutdown(std::net::Shutdown::Both),
                    Cuttable::Tcp(stream) => stream.shutdown(std::net::Shutdown::Both),
                };
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for EgressProxy {
    fn drop(&mut self) {
        self.stop();
    }
}

fn bind(dir: &Path, socket: &Path, owner: Option<HostIdentity>) -> std::io::Result<UnixListener> {
    let listener = UnixListener::bind(socket)?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
    if let Some(owner) = owner {
        let (uid, gid) = (Some(owner.uid), Some(owner.gid));
        std::os::unix::fs::chown(dir, uid, gid)?;
        std::os::unix::fs::chown(socket, uid, gid)?;
    }
    Ok(listener)
}

fn accept(listener: &UnixListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut open = lock(&shared.open);
            if open.len() >= MAX_CONNECTIONS {
                drop(open);
                tracing::warn!(
                    limit = MAX_CONNECTIONS,
                    "sandbox egress proxy at its connection limit"
                );
                connection::refuse_busy(stream);
                continue;
            }
            let Ok(copy) = stream.try_clone() else {
                continue;
            };
            open.insert(id, vec![Cuttable::Unix(copy)]);
        }
        let for_thread = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name("redgreen-egress".into())
            .spawn(move || {
                connection::serve(stream, &for_thread, id);
                lock(&for_thread.open).remove(&id);
            });
        if spawned.is_err() {
            // The stream went down with the closure; forget its copy too.
            lock(&shared.open).remove(&id);
            tracing::warn!("sandbox egress proxy cannot start a connection thread");
        }
    }
}

impl Shared {
    /// Keeps a connection's upstream stream so that stopping the proxy can cut it too.
    /// Returns false when the proxy is stopping (the caller then drops the connection).
    pub(super) fn track(&self, id: u64, stream: Cuttable) -> bool {
        let mut open = lock(&self.open);
        match open.get_mut(&id) {
            Some(streams) if !self.stopping.load(Ordering::SeqCst) => {
                streams.push(stream);
                true
            }
            _ => false,
        }
    }

    /// Records a request and logs it.
    pub(super) fn record(&self, record: EgressRecord) {
        tracing::info!(
            method = %record.method,
            host = %record.host,
            port = record.port,
            allowed = record.allowed,
            reason = record.reason.as_deref().unwrap_or(""),
            "sandbox egress request"
        );
        let mut records = lock(&self.records);
        if records.len() < MAX_RECORDS {
            records.push(record);
        }
    }
}

/// Every critical section here leaves its data consistent, so a panicked holder changes
/// nothing and the data stays usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
