//! [`SearchIndex`]: schema, writing, querying.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, JsonObjectOptions, OwnedValue, STORED, STRING, Schema,
    TextFieldIndexing, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, TantivyError, Term,
};

use crate::analysis::{self, TOKENIZER_NAME, Word};
use crate::directory::IndexDirectory;
use crate::error::SearchError;
use crate::highlight::Highlighter;
use crate::{Hit, IndexDoc, SearchQuery, SearchResults};

/// Hits per page are capped at this.
pub const MAX_LIMIT: usize = 100;

/// Pages starting at or beyond this offset return no hits (only `total`).
pub const MAX_OFFSET: usize = 10_000;

/// Memory budget of the single indexing thread.
const WRITER_MEMORY_BYTES: usize = 50_000_000;

/// Longest accepted `kind`, in bytes.
const MAX_KIND_BYTES: usize = 64;

/// Boost of a word's match in the title over a match in the body.
const TITLE_BOOST: f32 = 3.0;

/// Extra boost when the whole query appears in the title (as a word or phrase).
const TITLE_EXACT_BOOST: f32 = 5.0;

/// Field names. Changing any of this changes the schema, and an on-disk index
/// with the old schema is wiped and recreated by [`SearchIndex::open_or_create`].
mod name {
    pub const KEY: &str = "key";
    pub const KIND: &str = "kind";
    pub const ID: &str = "id";
    pub const TITLE: &str = "title";
    pub const BODY: &str = "body";
    pub const TITLE_WORDS: &str = "title_words";
    pub const ALL_WORDS: &str = "all_words";
    pub const FACET: &str = "facet";
    pub const DATE: &str = "date";
    pub const URL: &str = "url";
}

/// Field handles of the schema.
#[derive(Clone, Copy)]
struct Fields {
    /// `"{kind}:{id}"`, raw: the unit of replacement and deletion.
    key: Field,
    /// Raw kind, stored.
    kind: Field,
    /// Record id, stored.
    id: Field,
    /// Stored only.
    title: Field,
    /// Stored only (for snippets).
    body: Field,
    /// The title's words, jieba-analysed with positions, under the document's kind as a JSON
    /// path (`{kind: title}`): a word's postings are then per kind, so a search needs no
    /// intersection with a `kind` filter (which was half of a search's time on frequent words).
    title_words: Field,
    /// The words of the title *and* the body, like `title_words`: every word of a query must
    /// be here (one term per word to intersect, no union of title and body postings).
    all_words: Field,
    /// Raw, multi-valued `"{name}={value}"`.
    facet: Field,
    /// Unix seconds, fast (tie-break sort), stored.
    date: Field,
    /// Stored only.
    url: Field,
}

fn schema() -> Schema {
    let mut b = Schema::builder();
    let words = JsonObjectOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    b.add_text_field(name::KEY, STRING);
    b.add_text_field(name::KIND, STRING | STORED);
    b.add_i64_field(name::ID, STORED | FAST);
    b.add_text_field(name::TITLE, STORED);
    b.add_text_field(name::BODY, STORED);
    b.add_json_field(name::TITLE_WORDS, words.clone());
    b.add_json_field(name::ALL_WORDS, words);
    b.add_text_field(name::FACET, STRING);
    b.add_i64_field(name::DATE, INDEXED | FAST | STORED);
    b.add_text_field(name::URL, STORED);
    b.build()
}

impl Fields {
    fn of(schema: &Schema) -> Result<Self, TantivyError> {
        Ok(Self {
            key: schema.get_field(name::KEY)?,
            kind: schema.get_field(name::KIND)?,
            id: schema.get_field(name::ID)?,
            title: schema.get_field(name::TITLE)?,
            body: schema.get_field(name::BODY)?,
            title_words: schema.get_field(name::TITLE_WORDS)?,
            all_words: schema.get_field(name::ALL_WORDS)?,
            facet: schema.get_field(name::FACET)?,
            date: schema.get_field(name::DATE)?,
            url: schema.get_field(name::URL)?,
        })
    }
}

/// The unique key of a record: `kind` may contain `:`, `id` cannot, so the
/// last `:` separates them and the key is unambiguous.
fn record_key(kind: &str, id: i64) -> String {
    format!("{kind}:{id}")
}

/// The term of `word` in a words field (`title_words`, `all_words`) for documents of `kind`.
fn word_term(field: Field, kind: &str, word: &str) -> Term {
    // The kind is one JSON key: escape what the path syntax would read as separators.
    let path = kind.replace('\\', "\\\\").replace('.', "\\.");
    let mut term = Term::from_field_json_path(field, &path, false);
    term.append_type_and_str(word);
    term
}

/// The raw value stored in the `facet` field for a filter or facet.
fn facet_value(name: &str, value: &str) -> String {
    format!("{name}={value}")
}

/// Whether an error opening an existing on-disk index means "stale or broken
/// derived data" (wipe and rebuild) rather than a real problem (report it).
fn is_stale_index(err: &TantivyError) -> bool {
    matches!(
        err,
        TantivyError::SchemaError(_)
            | TantivyError::IncompatibleIndex(_)
            | TantivyError::DeserializeError(_)
            | TantivyError::DataCorruption(_)
    )
}

/// Removes the regular files of an index directory (tantivy indexes are flat;
/// subdirectories are left alone).
fn wipe_dir(dir: &Path) -> Result<(), SearchError> {
    let io = |path: &Path, source| SearchError::Io {
        path: path.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let path = entry.path();
        if entry.file_type().map_err(|e| io(&path, e))?.is_file() {
            std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
        }
    }
    Ok(())
}

/// A Chinese full-text index over several kinds of records.
///
/// Cheap to share: put it in an `Arc`. It is `Send + Sync`; searches run
/// concurrently on the reader, writes are serialised by an internal mutex.
/// All methods block (jieba segmentation, disk IO, commits): from async code
/// call them inside `tokio::task::spawn_blocking` (searches are usually fast
/// enough to call directly, writes are not).
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    reader: IndexReader,
    index_analyzer: TextAnalyzer,
    query_analyzer: TextAnalyzer,
    /// Named cursors stored with each commit (see [`SearchIndex::cursor`]).
    cursors: Mutex<BTreeMap<String, i64>>,
}

/// Encodes cursors as the commit payload: `name=value` lines.
fn encode_cursors(c: &BTreeMap<String, i64>) -> String {
    c.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

fn decode_cursors(payload: &str) -> BTreeMap<String, i64> {
    payload
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once('=')?;
            Some((k.to_owned(), v.parse().ok()?))
        })
        .collect()
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Creates an empty index in memory (tests, or a process that rebuilds at
    /// every start anyway).
    pub fn in_ram() -> Result<Self, SearchError> {
        let index = Index::create_in_ram(schema());
        Self::from_index(index)
    }

    /// Opens the on-disk index in `dir`, creating `dir` and the index if needed.
    ///
    /// The directory belongs to the index: if it holds an index whose schema
    /// differs from the current one (an older version of this crate), or one
    /// that cannot be read, its files are deleted and an empty index is
    /// created. The caller then reindexes from the database. Only one process
    /// may open a given directory (tantivy's writer lock).
    pub fn open_or_create(dir: &Path) -> Result<Self, SearchError> {
        let location = dir.display().to_string();
        let open_err = |source| SearchError::Open {
            location: location.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|source| SearchError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let files = |dir: &Path| IndexDirectory::open(dir).map_err(|e| open_err(e.into()));
        let index = match Index::open_or_create(files(dir)?, schema()) {
            Ok(index) => index,
            Err(err) if is_stale_index(&err) => {
                wipe_dir(dir)?;
                Index::open_or_create(files(dir)?, schema()).map_err(open_err)?
            }
            Err(err) => return Err(open_err(err)),
        };
        Self::from_index(index)
    }

    fn from_index(index: Index) -> Result<Self, SearchError> {
        let fields = Fields::of(&index.schema()).map_err(|source| SearchError::Open {
            location: "schema".to_owned(),
            source,
        })?;
        let index_analyzer = analysis::index_analyzer();
        index
            .tokenizers()
            .register(TOKENIZER_NAME, index_analyzer.clone());
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY_BYTES)
            .map_err(SearchError::Writer)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(SearchError::Reader)?;
        let cursors = index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .map(|p| decode_cursors(&p))
            .unwrap_or_default();
        Ok(Self {
            index,
            fields,
            writer: Mutex::new(writer),
            reader,
            index_analyzer,
            query_analyzer: analysis::query_analyzer(),
            cursors: Mutex::new(cursors),
        })
    }

    /// Adds `doc`, replacing any document with the same `(kind, id)`.
    /// Committed and visible to the next search when this returns.
    pub fn upsert(&self, doc: &IndexDoc) -> Result<(), SearchError> {
        self.upsert_many(std::slice::from_ref(doc))
    }

    /// Adds or replaces all `docs` in one commit (all or nothing).
    /// If a `(kind, id)` appears twice in `docs`, the last one wins.
    pub fn upsert_many(&self, docs: &[IndexDoc]) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        let prepared = docs
            .iter()
            .map(|doc| self.to_tantivy(doc))
            .collect::<Result<Vec<_>, _>>()?;
        self.write(|writer| {
            for (key, doc) in prepared {
                writer.delete_term(Term::from_field_text(self.fields.key, &key));
                writer.add_document(doc).map_err(SearchError::Update)?;
            }
            Ok(())
        })
    }

    /// Removes the document `(kind, id)` if present. Committed and visible to
    /// the next search when this returns.
    pub fn remove(&self, kind: &str, id: i64) -> Result<(), SearchError> {
        let term = Term::from_field_text(self.fields.key, &record_key(kind, id));
        self.write(|writer| {
            writer.delete_term(term);
            Ok(())
        })
    }

    /// Applies upserts and removals in one commit (all or nothing) and moves the named
    /// `cursor` forward in that same commit, so that after a crash the index knows how far it
    /// got (see [`SearchIndex::cursor`]).
    pub fn apply(
        &self,
        upserts: &[IndexDoc],
        removes: &[(&str, i64)],
        cursor: Option<(&str, i64)>,
    ) -> Result<(), SearchError> {
        let prepared = upserts
            .iter()
            .map(|doc| self.to_tantivy(doc))
            .collect::<Result<Vec<_>, _>>()?;
        self.write_at(cursor, |writer| {
            for (kind, id) in removes {
                writer.delete_term(Term::from_field_text(
                    self.fields.key,
                    &record_key(kind, *id),
                ));
            }
            for (key, doc) in prepared {
                writer.delete_term(Term::from_field_text(self.fields.key, &key));
                writer.add_document(doc).map_err(SearchError::Update)?;
            }
            Ok(())
        })
    }

    /// The value of a named cursor as of the last commit (e.g. the newest change-feed entry
    /// the index reflects), kept across restarts of an on-disk index. `None` when never set.
    pub fn cursor(&self, name: &str) -> Option<i64> {
        match self.cursors.lock() {
            Ok(c) => c.get(name).copied(),
            Err(p) => p.into_inner().get(name).copied(),
        }
    }

    /// Forgets a named cursor (before a full rebuild of what it tracks); kept in memory until
    /// the next commit.
    pub fn reset_cursor(&self, name: &str) {
        match self.cursors.lock() {
            Ok(mut c) => c.remove(name),
            Err(p) => p.into_inner().remove(name),
        };
    }

    /// Removes every document of `kind` (before a full reindex of that kind).
    pub fn clear_kind(&self, kind: &str) -> Result<(), SearchError> {
        let term = Term::from_field_text(self.fields.kind, kind);
        self.write(|writer| {
            writer.delete_term(term);
            Ok(())
        })
    }

    /// The record ids of every document of `kind` (to find stale ones after a rebuild).
    pub fn ids(&self, kind: &str) -> Result<Vec<i64>, SearchError> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.kind, kind),
            IndexRecordOption::Basic,
        );
        let searcher = self.reader.searcher();
        let docs = searcher
            .search(&query, &tantivy::collector::DocSetCollector)
            .map_err(SearchError::Search)?;
        let mut readers = Vec::new();
        for seg in searcher.segment_readers() {
            let col = seg
                .fast_fields()
                .i64(name::ID)
                .map_err(SearchError::Search)?;
            readers.push(col);
        }
        let mut out = Vec::with_capacity(docs.len());
        for addr in docs {
            if let Some(col) = readers.get(addr.segment_ord as usize)
                && let Some(id) = col.first(addr.doc_id)
            {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Number of documents of `kind`.
    pub fn count(&self, kind: &str) -> Result<u64, SearchError> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.kind, kind),
            IndexRecordOption::Basic,
        );
        let n = self
            .reader
            .searcher()
            .search(&query, &Count)
            .map_err(SearchError::Search)?;
        Ok(n as u64)
    }

    /// Runs a search. The user's text is segmented with jieba and every word
    /// is required (in the title or the body); it is never parsed as query
    /// syntax, so any string is safe. Text without any word (empty,
    /// punctuation, emoji) gives `total == 0`.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let words = analysis::query_words(&mut self.query_analyzer.clone(), &q.text);
        if words.is_empty() {
            return Ok(SearchResults::default());
        }
        let query = self.build_query(q, &words);
        let searcher = self.reader.searcher();
        let limit = q.limit.min(MAX_LIMIT);
        if limit == 0 || q.offset >= MAX_OFFSET {
            let total = searcher
                .search(&query, &Count)
                .map_err(SearchError::Search)?;
            return Ok(SearchResults {
                total,
                hits: Vec::new(),
            });
        }
        let top = TopDocs::with_limit(limit).and_offset(q.offset).order_by((
            (SortBySimilarityScore, Order::Desc),
            (
                SortByStaticFastValue::<i64>::for_field(name::DATE),
                Order::Desc,
            ),
        ));
        let (total, top) = searcher
            .search(&query, &(Count, top))
            .map_err(SearchError::Search)?;
        let hits = if top.is_empty() {
            Vec::new()
        } else {
            let highlighter = Highlighter::new(&searcher, &words, |w| {
                word_term(self.fields.all_words, &q.kind, w)
            })
            .map_err(SearchError::Search)?;
            top.into_iter()
                .map(|((score, _date), address)| {
                    let doc: TantivyDocument =
                        searcher.doc(address).map_err(SearchError::Search)?;
                    Ok(self.hit(&doc, score, &highlighter))
                })
                .collect::<Result<Vec<_>, SearchError>>()?
        };
        Ok(SearchResults { total, hits })
    }

    /// Takes the writer lock. A writer poisoned by a panic in another thread
    /// is rolled back to the last commit and used again.
    fn lock_writer(&self) -> Result<MutexGuard<'_, IndexWriter<TantivyDocument>>, SearchError> {
        match self.writer.lock() {
            Ok(guard) => Ok(guard),
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                guard.rollback().map_err(SearchError::Update)?;
                self.writer.clear_poison();
                Ok(guard)
            }
        }
    }

    /// Runs `ops` on the writer, then commits and reloads the reader; on any
    /// error the uncommitted operations are rolled back.
    fn write(
        &self,
        ops: impl FnOnce(&IndexWriter<TantivyDocument>) -> Result<(), SearchError>,
    ) -> Result<(), SearchError> {
        self.write_at(None, ops)
    }

    /// [`SearchIndex::write`], also moving the named cursor to `cursor` in the same commit.
    fn write_at(
        &self,
        cursor: Option<(&str, i64)>,
        ops: impl FnOnce(&IndexWriter<TantivyDocument>) -> Result<(), SearchError>,
    ) -> Result<(), SearchError> {
        let mut writer = self.lock_writer()?;
        let mut cursors = match self.cursors.lock() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        };
        if let Some((name, value)) = cursor {
            let slot = cursors.entry(name.to_owned()).or_insert(value);
            *slot = (*slot).max(value);
        }
        let result = ops(&writer).and_then(|()| {
            let mut prepared = writer.prepare_commit().map_err(SearchError::Update)?;
            prepared.set_payload(&encode_cursors(&cursors));
            prepared.commit().map_err(SearchError::Update)?;
            Ok(())
        });
        if result.is_ok() {
            match self.cursors.lock() {
                Ok(mut c) => *c = cursors,
                Err(p) => *p.into_inner() = cursors,
            }
        }
        if let Err(err) = result {
            // The original error matters more than a failed rollback.
            let _ = writer.rollback();
            return Err(err);
        }
        // Reload under the lock so that when this returns the change is visible.
        self.reader.reload().map_err(SearchError::Reader)
    }

    /// Validates `doc` and converts it; returns its record key too.
    fn to_tantivy(&self, doc: &IndexDoc) -> Result<(String, TantivyDocument), SearchError> {
        if doc.kind.is_empty() || doc.kind.len() > MAX_KIND_BYTES {
            return Err(SearchError::InvalidDocument(format!(
                "kind must be 1 to {MAX_KIND_BYTES} bytes, got {:?} (id {})",
                doc.kind, doc.id
            )));
        }
        if let Some((name, _)) = doc.facets.iter().find(|(name, _)| name.contains('=')) {
            return Err(SearchError::InvalidDocument(format!(
                "facet name {name:?} contains '=' ({} {})",
                doc.kind, doc.id
            )));
        }
        let f = &self.fields;
        let key = record_key(&doc.kind, doc.id);
        let mut d = TantivyDocument::default();
        d.add_text(f.key, &key);
        d.add_text(f.kind, &doc.kind);
        d.add_i64(f.id, doc.id);
        d.add_text(f.title, &doc.title);
        d.add_text(f.body, &doc.body);
        let under_kind = |value: OwnedValue| BTreeMap::from([(doc.kind.clone(), value)]);
        let title = || OwnedValue::Str(doc.title.clone());
        d.add_object(f.title_words, under_kind(title()));
        d.add_object(
            f.all_words,
            under_kind(OwnedValue::Array(vec![
                title(),
                OwnedValue::Str(doc.body.clone()),
            ])),
        );
        d.add_text(f.url, &doc.url);
        for (name, value) in &doc.facets {
            d.add_text(f.facet, facet_value(name, value));
        }
        if let Some(date) = doc.date {
            d.add_i64(f.date, date);
        }
        Ok((key, d))
    }

    /// The query for `words` (non-empty), restricted to `q.kind` and `q.filters`.
    ///
    /// ```text
    /// +facet:"n=v"...
    /// +all.K:w1 title.K:w1^3 +all.K:w2 title.K:w2^3 ...
    ///  title.K:"w1 w2 ..."^5           (for one word: title.K:w1^8)
    /// ```
    /// where `title.K` is the title's words of kind `K` (see [`Fields::title_words`]) and
    /// `all.K` those of its title and body ([`Fields::all_words`]),
    /// and each `title.K:w`/`all.K:w` is a dis-max of the word itself and, for a word made
    /// of smaller dictionary words, the phrase of those words (always in the title; in the
    /// body only for a word that is not in the dictionary).
    fn build_query(&self, q: &SearchQuery, words: &[Word]) -> BooleanQuery {
        let f = &self.fields;
        let kind = q.kind.as_str();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (name, value) in &q.filters {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.facet, &facet_value(name, value)),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        // One word: the exact-title bonus is the title term itself, folded into its boost.
        let title_boost = match words {
            [_] => TITLE_BOOST + TITLE_EXACT_BOOST,
            _ => TITLE_BOOST,
        };

        let mut index_analyzer = self.index_analyzer.clone();
        for word in words {
            let sub_words = analysis::sub_word_phrase(&mut index_analyzer, &word.text);
            // The index holds a dictionary word wherever it occurs (see `analysis::JiebaCut`);
            // a word jieba made up from the query (HMM) may be cut otherwise in a body, so
            // the phrase of its parts is tried there too. Titles are short: always try it.
            let body_phrase = !analysis::in_dictionary(&word.text);
            let in_field = |field: Field| -> Box<dyn Query> {
                let term: Box<dyn Query> = Box::new(TermQuery::new(
                    word_term(field, kind, &word.text),
                    IndexRecordOption::WithFreqs,
                ));
                match &sub_words {
                    Some(subs) if field == f.title_words || body_phrase => {
                        Box::new(DisjunctionMaxQuery::new(vec![
                            term,
                            Box::new(phrase(field, kind, subs)),
                        ]))
                    }
                    _ => term,
                }
            };
            // `all_words` holds the title's words too: the word is required there, and a
            // title match adds its boosted score on top.
            clauses.push((Occur::Must, in_field(f.all_words)));
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(in_field(f.title_words), title_boost)),
            ));
        }

        if words.len() > 1 {
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(phrase(f.title_words, kind, words)),
                    TITLE_EXACT_BOOST,
                )),
            ));
        }
        BooleanQuery::new(clauses)
    }

    fn hit(&self, doc: &TantivyDocument, score: f32, highlighter: &Highlighter) -> Hit {
        let f = &self.fields;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        let title = text(f.title);
        let body = text(f.body);
        Hit {
            kind: text(f.kind),
            id: doc.get_first(f.id).and_then(|v| v.as_i64()).unwrap_or(0),
            title_html: highlighter.title_html(&title),
            snippet_html: highlighter.body_html(&body),
            title,
            url: text(f.url),
            score,
        }
    }

    /// The searcher of the current reader generation (tests).
    #[cfg(test)]
    fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }
}

/// A phrase query over `words` (at least two) at their positions in the words `field` of
/// `kind`.
fn phrase(field: Field, kind: &str, words: &[Word]) -> PhraseQuery {
    PhraseQuery::new_with_offset(
        words
            .iter()
            .map(|w| (w.position, word_term(field, kind, &w.text)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn index_is_send_and_sync() {
        assert_send_sync::<SearchIndex>();
    }

    #[test]
    fn cursors_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let idx = SearchIndex::open_or_create(dir.path()).unwrap();
            assert_eq!(idx.cursor("d"), None);
            let doc = IndexDoc {
                kind: "d".into(),
                id: 1,
                title: "营业执照".into(),
                body: String::new(),
                facets: vec![],
                date: None,
                url: String::new(),
            };
            idx.apply(&[doc], &[], Some(("d", 41))).unwrap();
            idx.apply(&[], &[("d", 1)], Some(("d", 42))).unwrap();
            // A cursor never moves back.
            idx.apply(&[], &[], Some(("d", 7))).unwrap();
            assert_eq!(idx.count("d").unwrap(), 0);
        }
        let idx = SearchIndex::open_or_create(dir.path()).unwrap();
        assert_eq!(idx.cursor("d"), Some(42));
        assert_eq!(idx.cursor("other"), None);
        // Stored fields of an on-disk index are read back (the store is read, not mapped).
        idx.upsert(&IndexDoc {
            kind: "d".into(),
            id: 2,
            title: "不动产登记".into(),
            body: "办理不动产登记须知".into(),
            facets: vec![],
            date: None,
            url: "/x/2".into(),
        })
        .unwrap();
        let r = idx.search(&SearchQuery::new("d", "不动产登记")).unwrap();
        assert_eq!(r.hits[0].title, "不动产登记");
        assert!(r.hits[0].snippet_html.contains("<mark>不动产登记</mark>"));
    }

    #[test]
    fn kinds_do_not_share_words_even_with_path_characters() {
        let idx = SearchIndex::in_ram().unwrap();
        for (id, kind) in [(1, "a"), (2, "a.b"), (3, "a\\.b"), (4, "b")] {
            idx.upsert(&IndexDoc {
                kind: kind.into(),
                id,
                title: "营业执照".into(),
                body: "营业执照".into(),
                facets: vec![],
                date: None,
                url: String::new(),
            })
            .unwrap();
        }
        for (id, kind) in [(1, "a"), (2, "a.b"), (3, "a\\.b"), (4, "b")] {
            let r = idx.search(&SearchQuery::new(kind, "营业执照")).unwrap();
            assert_eq!(r.total, 1, "{kind}");
            assert_eq!(r.hits[0].id, id, "{kind}");
        }
    }

    #[test]
    fn record_keys_are_distinct() {
        assert_ne!(record_key("a:1", 2), record_key("a", 12));
        assert_eq!(record_key("catalog", -3), "catalog:-3");
    }

    #[test]
    fn words_are_indexed_with_search_mode_positions() {
        let idx = SearchIndex::in_ram().unwrap();
        idx.upsert(&IndexDoc {
            kind: "catalog".into(),
            id: 1,
            title: "申领营业执照".into(),
            body: String::new(),
            facets: vec![],
            date: None,
            url: String::new(),
        })
        .unwrap();
        let searcher = idx.searcher();
        for word in ["申领", "营业", "执照", "营业执照"] {
            let term = word_term(idx.fields.title_words, "catalog", word);
            assert_eq!(searcher.doc_freq(&term).unwrap(), 1, "{word}");
        }
        // No n-grams: a substring that is no dictionary word is not a term.
        let term = word_term(idx.fields.title_words, "catalog", "业执");
        assert_eq!(searcher.doc_freq(&term).unwrap(), 0);
    }
}
