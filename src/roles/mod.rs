//! Roles compose components into a running node. `all` is every metrics
//! role in one process; `check` runs the file checks.

pub mod all;
pub mod check;
