//! The crate's single error type.

use std::path::PathBuf;

use tantivy::TantivyError;

/// Everything that can go wrong in [`crate::SearchIndex`].
///
/// Each variant says which step failed; the underlying tantivy or IO error is
/// kept as the [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index directory could not be created, read or wiped.
    #[error("search index directory {path}: {source}")]
    Io {
        /// The directory (or file inside it) that failed.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },

    /// Opening or creating the tantivy index failed.
    #[error("cannot open search index at {location}: {source}")]
    Open {
        /// Where the index lives (`"memory"` for [`crate::SearchIndex::in_ram`]).
        location: String,
        /// The tantivy error.
        #[source]
        source: TantivyError,
    },

    /// The index writer could not be created (another writer may hold the
    /// directory lock: one process per index directory).
    #[error("cannot create search index writer: {0}")]
    Writer(#[source] TantivyError),

    /// Adding, deleting or committing documents failed. The batch was rolled back.
    #[error("search index update failed: {0}")]
    Update(#[source] TantivyError),

    /// Creating or reloading the index reader failed.
    #[error("search index reader failed: {0}")]
    Reader(#[source] TantivyError),

    /// Executing a query or loading a stored document failed.
    #[error("search failed: {0}")]
    Search(#[source] TantivyError),

    /// The document passed to an upsert was rejected before indexing.
    #[error("invalid search document: {0}")]
    InvalidDocument(String),
}
