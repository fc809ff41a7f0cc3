//! Helpers shared by end-to-end tests (each test binary uses a part of them).

#![allow(dead_code)]

pub mod pima;
pub mod tables;
