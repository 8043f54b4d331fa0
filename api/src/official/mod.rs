//! Reading petition JSON in the official site's format, from any era since 2015: single
//! petition documents, list pages, archived petitions, and bare `data` items.

pub mod bundled;
mod document;

use std::fmt;

pub use document::parse_document;

/// Why a document could not be imported; says where in the document the problem is.
#[derive(Debug)]
pub struct ImportError {
    pub location: String,
    pub problem: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.problem)
    }
}

impl std::error::Error for ImportError {}
