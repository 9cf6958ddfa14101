//! IAM policy documents: a typed model, a parser that checks what IAM checks, and the analysis
//! the rules share (who a resource or trust policy lets in, and on which conditions).
//!
//! # Parsing
//!
//! [`Policy::parse_str`] takes a document as text, plain JSON or URL-encoded JSON (the raw IAM
//! API returns `%7B%22Version%22...`); [`Policy::from_value`] takes parsed JSON. Both follow
//! IAM's grammar:
//!
//! * element names are case-sensitive (`Effect`, not `effect`) and unknown elements are
//!   errors, as IAM rejects them;
//! * `Effect` is exactly `Allow` or `Deny`; `Version` is `2012-10-17` or `2008-10-17`;
//! * `Statement`, `Action`, `Resource` and each principal type take a string or an array of
//!   strings; `Action`/`NotAction`, `Resource`/`NotResource` and `Principal`/`NotPrincipal`
//!   exclude each other; every statement has `Action` or `NotAction`;
//! * `Principal` is `"*"` or an object of `AWS`, `Service`, `Federated`, `CanonicalUser`;
//! * condition values are strings, booleans or numbers (or arrays of them); booleans and
//!   numbers are kept as their JSON text (`true`, `10`).
//!
//! Errors name the place: `Statement[2]: Effect must be Allow or Deny, got "allow"`.
//!
//! # Analysis
//!
//! * [`Statement::allows_everything`]: `Allow` `*` on `*`.
//! * [`Statement::grantees`]: who a statement names (everyone, accounts, services, ...).
//! * [`Statement::restricting_conditions`]: the conditions that limit *who* may use a grant to
//!   everyone (see [`is_restricting`] for the exact rules).
//! * [`Policy::exposure`]: per `Allow` statement, whether it is public, public but
//!   conditioned, or granted to other accounts, independent of any AWS service.

mod condition;
mod exposure;
mod model;
mod parse;
mod serialize;

pub use condition::{RESTRICTING_KEYS, is_restricting, is_restricting_deny};
pub use exposure::{Exposure, ExposureKind, Grantee};
pub use model::{Condition, Effect, Match, Policy, PolicyError, Principals, Statement};
pub use parse::decode_document;

#[cfg(test)]
mod tests;
