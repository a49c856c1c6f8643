//! The "Minimal Containers" workshop images, written with stagecraft.
//!
//! Each module holds one example's variants as functions returning a
//! [`stagecraft::Dockerfile`]; the programs in `examples/` print (and later
//! build) them, and `tests/golden.rs` checks their text against
//! `tests/golden/`.

pub mod fortune;
pub mod lightgbm;
pub mod lolcow;
pub mod qiime2;
pub mod static_link;
pub mod tensorflow;
pub mod variant;

/// The README's code blocks, compiled and run as doctests so it cannot drift
/// from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
