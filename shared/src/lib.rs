//! The chat service's core. Everything that is not a Lambda entry point or the local shim
//! lives here, so the functions and `local-dev` run exactly the same code.
//!
//! ```text
//! config    settings from environment variables (+ Secrets Manager on AWS)
//! error     the one error type and its {"error":{"code","message"}} rendering
//! metrics   counters of connections, messages, fan-outs, 429s (+ EMF lines in Lambda)
//! domain    ids, timestamps, validated inputs (Username, RoomName, …) and wire types
//! auth      bcrypt password hashing and HS256 JWTs
//! db/       the pool, migrations and one module of queries per table
//! accounts  register / login / me                         ┐
//! rooms     create / list / join / leave / members,        │
//!           direct rooms, mark read                        ├ the domain operations
//! messages  post / edit / delete / react / pages           │
//! search    full-text search of the caller's rooms         ┘
//! http/     axum routers per area (auth, rooms, messages), health and OpenAPI
//! realtime/ the WebSocket handlers ($connect, $default, $disconnect) in mod.rs, over
//!           push (who receives what), broadcast (PostToConnection) and frames (the wire)
//! state     AppState: config, pool, keys, broadcaster; built once per cold start
//! custom_resource  the deploy-time migration runner (feature `custom-resource`)
//! ```
//!
//! The flow is one-way, top to bottom; nothing imports a layer above it:
//! ```text
//! http, realtime (handlers) → accounts, search → messages → rooms → realtime::push → state
//!   → realtime::broadcast → realtime::frames → auth, db → domain, config, error, metrics
//! ```
//!
//! Dependency rule: this crate never depends on the Lambda runtime crates; `functions/*` and
//! `local-dev` depend on it, never the other way round.

pub mod accounts;
pub mod auth;
pub mod config;
#[cfg(feature = "custom-resource")]
pub mod custom_resource;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
#[cfg(feature = "management-api")]
pub mod management_api;
pub mod messages;
pub mod metrics;
pub mod realtime;
pub mod rooms;
pub mod search;
pub mod state;
#[cfg(feature = "test-support")]
pub mod testing;

pub use config::Config;
pub use error::{Error, Result};
pub use state::AppState;
