//! Planning: an iteration's planning issue, found or made from the
//! template ([`template`]), its summary of committed issues, capacity and
//! velocity ([`summary`]), and `i` on the board ([`issue`]).

pub mod issue;
pub mod summary;
pub mod template;
