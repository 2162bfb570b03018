//! `consign build`: carry out the local and global parts of a plan.

pub mod archive;
pub mod cargo;
pub mod checksum;
pub mod linkage;
