//! The "Minimal Containers" workshop images, written with stagecraft.
//!
//! Each module holds one example's variants as functions returning a
//! [`stagecraft::Dockerfile`]; the programs in `examples/` print (and later
//! build) them, and `tests/golden.rs` checks their text against
//! `tests/golden/`.

pub mod fortune;
