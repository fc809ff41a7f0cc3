//! Helpers shared by end-to-end tests.

pub mod pima;
