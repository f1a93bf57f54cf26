//! End-to-end tests of the HTTP API: each test starts the real server (`herald::server::start`)
//! on a random port against a fresh database and a temporary bucket folder, and talks to it
//! over HTTP.
//!
//! The database is a SQLite file by default; with `HERALD_TEST_DATABASE=postgres` every test
//! gets its own PostgreSQL database on `HERALD_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). `.ci/run` runs the suite both ways.

mod support;

mod access;
mod admin_ui;
mod assets;
mod auth;
mod concurrency;
mod content_types;
mod entries;
mod errors;
mod hostile;
mod listing;
mod openapi;
mod operations;
mod publishing;
mod revisions;
mod workflow;
