//! redgreen's durable store: SQLite (embedded default) and PostgreSQL behind one interface,
//! holding tenants, deliveries, runs, the task queue and the hash-chained audit log.
//!
//! Invariants:
//! - A webhook delivery, the run it creates, its queue task and its audit entry are written
//!   in one transaction ([`Store::record_delivery`]); a redelivery changes nothing.
//! - Every read or write of tenant data names a [`Scope`]. On PostgreSQL the scope is set
//!   per transaction and enforced by row-level security (deny by default); on SQLite the
//!   same scope is applied in the queries.
//! - The store never reads the clock for decisions: `now` is an argument, so lease expiry
//!   and backoff are testable without sleeping.

pub mod audit;
mod changes;
pub mod error;
mod migrations;
pub mod model;
mod postgres;
pub mod retry;
mod rows;
pub mod scope;
mod sqlite;
pub mod store;

pub use error::StoreError;
pub use model::*;
pub use retry::RetryPolicy;
pub use scope::Scope;
pub use store::Store;
