//! Chinese full-text search for OneWindow: the service catalog (kind
//! `"catalog"`) and the government-information disclosure portal (kind
//! `"disclosure"`).
//!
//! The index is **derived data**. The database is the source of truth; the
//! application rebuilds the index at start ([`SearchIndex::clear_kind`] +
//! [`SearchIndex::upsert_many`]) and keeps it current with
//! [`SearchIndex::upsert`] / [`SearchIndex::remove`] after each change. An
//! on-disk index whose schema no longer matches is wiped, not migrated.
//!
//! # Design
//!
//! * **Engine:** tantivy 0.27 with BM25 ranking. One index holds every kind;
//!   each document is identified by `(kind, id)` (a raw `key` field used for
//!   replacement and deletion). Words are indexed under the kind as a JSON
//!   path (`title_words.{kind}`, `all_words.{kind}`), so each kind has its own
//!   postings. Facets go into one multi-valued raw field as `name=value`, so a
//!   new facet needs no schema change. Document-store files are read with
//!   `pread`, the rest is memory-mapped.
//! * **Segmentation:** titles and bodies are cut by jieba (jieba-rs): the
//!   default cut plus every multi-character dictionary word in the text
//!   (营业执照 → 营业, 营业执照, 执照; 行政许可 inside 行政许可法), with
//!   character positions. There are no n-grams, so only real words match.
//! * **Queries:** the user's text is cut by jieba in *default mode* (no
//!   overlaps: 开办企业 → 开办 + 企业). Every word is required in the title or
//!   body (`all_words`); a title match adds a boosted score (3), and the whole
//!   query in the title (a word or a phrase) a boost of 5, so title matches
//!   rank first. Ties go to the newest `date`. Filters are exact `must`
//!   clauses. The text is never given to tantivy's query parser, so quotes,
//!   `AND`, colons or brackets are just text; punctuation and emoji are ignored.
//! * **Highlighting:** the literal occurrences of the query words (longest
//!   first, never overlapping) are wrapped in `<mark>`, all other text is
//!   HTML-escaped; the body's snippet is the ~120-character passage holding
//!   the most (rarest) words.
//! * **Concurrency:** one `IndexWriter` (one indexing thread, 50 MB) behind a
//!   mutex; every write commits and reloads the reader before returning, so
//!   the next search sees it. Searches only use the reader and run in parallel.
//!
//! ```
//! use onewindow_search::{IndexDoc, SearchIndex, SearchQuery};
//!
//! let index = SearchIndex::in_ram()?;
//! index.upsert(&IndexDoc {
//!     kind: "catalog".into(),
//!     id: 7,
//!     title: "企业设立登记".into(),
//!     body: "申请人可通过开办企业一网通办平台申领营业执照。".into(),
//!     facets: vec![("hall".into(), "市场准入".into())],
//!     date: None,
//!     url: "/catalog/7".into(),
//! })?;
//! let results = index.search(&SearchQuery::new("catalog", "开办企业"))?;
//! assert_eq!(results.total, 1);
//! assert!(results.hits[0].snippet_html.contains("<mark>开办企业</mark>"));
//! # Ok::<(), onewindow_search::SearchError>(())
//! ```
#![warn(missing_docs)]

mod analysis;
mod directory;
mod error;
mod highlight;
mod index;

pub use error::SearchError;
pub use index::{MAX_LIMIT, MAX_OFFSET, SearchIndex};

/// A record to index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexDoc {
    /// The feature the record belongs to: `"catalog"`, `"disclosure"` (any
    /// short ASCII string, 1–64 bytes).
    pub kind: String,
    /// The record's id within its kind; `(kind, id)` is unique in the index.
    pub id: i64,
    /// Title; matches here rank above matches in the body.
    pub title: String,
    /// Long text (plain text, not HTML).
    pub body: String,
    /// Exact-match filter fields, e.g. `("hall", "市场准入")`,
    /// `("department", "泉州市市场监督管理局")`, `("year", "2026")`.
    /// A name may repeat; names must not contain `=`.
    pub facets: Vec<(String, String)>,
    /// Unix seconds (publication or update date); newer first among equal scores.
    pub date: Option<i64>,
    /// Link to the record's page, returned in hits.
    pub url: String,
}

/// A search request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    /// Only documents of this kind.
    pub kind: String,
    /// The user's text, as typed. Never parsed as query syntax.
    pub text: String,
    /// Every `(name, value)` must be among the document's facets.
    pub filters: Vec<(String, String)>,
    /// Number of hits to skip (paging). At or beyond [`MAX_OFFSET`] no hits are returned.
    pub offset: usize,
    /// Hits per page, capped at [`MAX_LIMIT`]. `0` returns only `total`.
    pub limit: usize,
}

impl SearchQuery {
    /// A first page of 10 hits for `text` in `kind`, without filters.
    pub fn new(kind: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            text: text.into(),
            filters: Vec::new(),
            offset: 0,
            limit: 10,
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The document's kind.
    pub kind: String,
    /// The document's id within its kind.
    pub id: i64,
    /// The title, plain text (escape it before putting it in HTML).
    pub title: String,
    /// The URL given at indexing.
    pub url: String,
    /// Relevance (BM25 with boosts); only meaningful within one search.
    pub score: f32,
    /// The whole title as HTML: matches in `<mark>`, everything else escaped.
    pub title_html: String,
    /// About 120 characters of the body around the best match as HTML
    /// (matches in `<mark>`, everything else escaped, `…` where cut), or the
    /// start of the body if it has no match.
    pub snippet_html: String,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResults {
    /// Number of matching documents (all pages).
    pub total: usize,
    /// The requested page, best first.
    pub hits: Vec<Hit>,
}
