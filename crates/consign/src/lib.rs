//! # consign
//!
//! A release and distribution tool for Rust. A release is a plan before it is
//! an action: [`project`] loads the workspace (the only I/O before planning),
//! [`plan`] turns it into a pure, serializable [`plan::Plan`], and commands
//! carry the plan out.

pub mod changelog;
pub mod targets;
