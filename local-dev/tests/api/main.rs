//! Integration tests: the real local-dev on an ephemeral port, real HTTP and WebSocket
//! clients, against SQLite always and MySQL when `TEST_MYSQL_URL` is set.

mod function_host;
mod helpers;
mod relay;

mod api_docs;
mod auth;
mod authz;
mod crowds;
mod faults;
mod forwarding;
mod hardening;
mod lifecycle;
mod management;
mod messages;
mod private_rooms;
mod robustness;
mod rooms;
mod user_connections;
mod websocket;
