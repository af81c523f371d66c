//! Integration tests of the web layer: one test binary, driving the real router through the
//! testkit.

// Tests fail loudly: unwrap/expect/panic are the point here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![recursion_limit = "256"]

mod api;
mod audit_trail;
mod auth;
mod cases;
mod catalog;
mod disclosure;
mod english;
mod licenses;
mod objects;
mod pages;
mod reports;
mod requests;
mod roles;
