//! Helpers shared by the integration tests (each test binary uses a subset).
#![allow(dead_code, unused_imports)]

pub mod api;
pub mod http;
pub mod logs;
pub mod mock;
pub mod prop;
pub mod server;

pub use api::{expect_error, meta};
pub use logs::LogCapture;
pub use prop::{prop_cases, prop_runner};
pub use server::serve;
