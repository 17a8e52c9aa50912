//! Bounded capture of a command's output: the first and the last bytes up to a cap, with a
//! count of everything, so a flood costs the supervisor a fixed amount of memory.

use std::collections::VecDeque;

/// What was kept of one output stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CapturedOutput {
    /// The first bytes (all of them when nothing was cut).
    pub head: Vec<u8>,
    /// The last bytes; empty when nothing was cut.
    pub tail: Vec<u8>,
    /// Bytes the command wrote in all.
    pub total_bytes: u64,
    /// Whether bytes between `head` and `tail` were dropped.
    pub truncated: bool,
}

impl CapturedOutput {
    /// The kept text, with a marker where bytes were dropped (invalid UTF-8 replaced).
    pub fn to_text(&self) -> String {
        if !self.truncated {
            return String::from_utf8_lossy(&self.head).into_owned();
        }
        let omitted = self.total_bytes - (self.head.len() + self.tail.len()) as u64;
        format!(
            "{}\n[... {omitted} bytes omitted ...]\n{}",
            String::from_utf8_lossy(&self.head),
            String::from_utf8_lossy(&self.tail)
        )
    }
}

/// Accumulates one stream under a cap.
pub(crate) struct OutputCollector {
    cap: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
}

impl OutputCollector {
    pub(crate) fn new(cap: usize) -> Self {
        OutputCollector {
            cap,
            head: Vec::new(),
            tail: VecDeque::new(),
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let head_cap = self.cap / 2;
        let tail_cap = self.cap - head_cap;
        let to_head = head_cap.saturating_sub(self.head.len()).min(bytes.len());
        self.head.extend_from_slice(&bytes[..to_head]);
        bytes = &bytes[to_head..];
        if bytes.len() >= tail_cap {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - tail_cap..]);
        } else {
            let overflow = (self.tail.len() + bytes.len()).saturating_sub(tail_cap);
            self.tail.drain(..overflow);
            self.tail.extend(bytes);
        }
    }

    pub(crate) fn finish(self) -> CapturedOutput {
        let kept = self.head.len() + self.tail.len();
        let truncated = self.total > kept as u64;
        if truncated {
            CapturedOutput {
                head: self.head,
                tail: self.tail.into(),
                total_bytes: self.total,
                truncated,
            }
        } else {
            let mut head = self.head;
            head.extend(self.tail);
            CapturedOutput {
                head,
                tail: Vec::new(),
                total_bytes: self.total,
                truncated,
            }
        }
    }
}
