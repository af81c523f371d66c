//! [`SearchIndex`]: schema, writing, querying.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use tantivy::collector::Count;
use tantivy::query::{
    Bm25Weight, BooleanQuery, BoostQuery, DisjunctionMaxQuery, EnableScoring, Occur, PhraseQuery,
    Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, JsonObjectOptions, OwnedValue, STORED, STRING, Schema,
    TextFieldIndexing, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher, TantivyDocument,
    TantivyError, Term,
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
        let plan = self.build_query(q, &words);
        let searcher = self.reader.searcher();
        let limit = q.limit.min(MAX_LIMIT);
        // The total and the page are separate passes: counting needs neither scores nor the
        // title clauses, and the page is found title matches first (see `Plan`).
        let total = searcher
            .search(&plan.required, &Count)
            .map_err(SearchError::Search)?;
        if limit == 0 || q.offset >= MAX_OFFSET {
            return Ok(SearchResults {
                total,
                hits: Vec::new(),
            });
        }
        let top = if total == 0 {
            Vec::new()
        } else {
            plan.top(&searcher, q.offset + limit)
                .map_err(SearchError::Search)?
        };
        let hits = if top.len() <= q.offset {
            Vec::new()
        } else {
            let highlighter = Highlighter::new(&searcher, &words, |w| {
                word_term(self.fields.all_words, &q.kind, w)
            })
            .map_err(SearchError::Search)?;
            top.into_iter()
                .skip(q.offset)
                .map(|r| {
                    let doc: TantivyDocument =
                        searcher.doc(r.address).map_err(SearchError::Search)?;
                    Ok(self.hit(&doc, r.score, &highlighter))
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
    /// body only for a word that is not in the dictionary). The required (`+`) clauses and
    /// the title clauses are kept apart in a [`Plan`].
    fn build_query(&self, q: &SearchQuery, words: &[Word]) -> Plan {
        let f = &self.fields;
        let kind = q.kind.as_str();
        let mut required: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // The terms of the required clauses while each is one term (see `Plan::untitled_bound`).
        let mut required_terms: Option<Vec<Term>> = Some(Vec::new());
        for (name, value) in &q.filters {
            let term = Term::from_field_text(f.facet, &facet_value(name, value));
            if let Some(terms) = required_terms.as_mut() {
                terms.push(term.clone());
            }
            required.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        // One word: the exact-title bonus is the title term itself, folded into its boost.
        let title_boost = match words {
            [_] => TITLE_BOOST + TITLE_EXACT_BOOST,
            _ => TITLE_BOOST,
        };

        let mut title: Vec<(Occur, Box<dyn Query>)> = Vec::new();
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
            match (&sub_words, body_phrase, required_terms.as_mut()) {
                (Some(_), true, _) => required_terms = None,
                (_, _, Some(terms)) => terms.push(word_term(f.all_words, kind, &word.text)),
                _ => {}
            }
            required.push((Occur::Must, in_field(f.all_words)));
            title.push((
                Occur::Should,
                Box::new(BoostQuery::new(in_field(f.title_words), title_boost)),
            ));
        }

        if words.len() > 1 {
            title.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(phrase(f.title_words, kind, words)),
                    TITLE_EXACT_BOOST,
                )),
            ));
        }
        let mut with_title = BooleanQuery::new(
            required
                .iter()
                .map(|(occur, query)| (*occur, query.box_clone()))
                .chain(title)
                .collect(),
        );
        with_title.set_minimum_number_should_match(1);
        Plan {
            with_title,
            required: BooleanQuery::new(required),
            required_terms,
        }
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

/// How the page of a search is found.
///
/// A hit's score is the sum of its required clauses' scores (each word in `all_words`, and
/// the filters) and of the boosted title clauses it matches. Scoring every match of a
/// frequent word is what made searches slow, and tantivy's own pruning (Block-WAND) cannot
/// be used here: the words are in JSON fields, which have no length norms, so tantivy records
/// no per-block maximum for their postings and would skip blocks holding the best hits. So
/// the page is found in up to two exhaustive passes:
///
/// 1. the items with a title match, scored in full;
/// 2. the others, scored by their required clauses alone (what they score in full) — skipped
///    when the page is already full of items that score more than any item without a title
///    match can ([`Plan::untitled_bound`]), which is the common case: a title match weighs
///    far more than the body.
///
/// An item with a title match that the first pass left out scores less than the page's worst
/// in full, so less again by its required clauses alone: it stays out in the second pass.
struct Plan {
    /// Required clauses, and at least one title clause.
    with_title: BooleanQuery,
    /// Required clauses only: what the search matches.
    required: BooleanQuery,
    /// The required clauses' terms, when each clause is one term.
    required_terms: Option<Vec<Term>>,
}

impl Plan {
    /// The best `k` hits, best first.
    fn top(&self, searcher: &Searcher, k: usize) -> Result<Vec<Ranked>, TantivyError> {
        let mut page = Page::new(k);
        page.collect(searcher, &self.with_title, &[])?;
        // The bound costs a dictionary lookup per term: only worth it once the page is full.
        let settled = match page.worst() {
            Some(worst) => self
                .untitled_bound(searcher)?
                .is_some_and(|bound| worst > bound),
            None => false,
        };
        if !settled {
            let scored: Vec<DocAddress> = page.addresses();
            page.collect(searcher, &self.required, &scored)?;
        }
        Ok(page.into_best())
    }

    /// A score that no item without a title match reaches: the sum of the required terms'
    /// BM25 maxima (`Bm25Weight::max_score`, the limit of a term's score as its frequency
    /// grows, the same weight tantivy's `TermQuery` scores with). `None` when a required
    /// clause is not a single term.
    fn untitled_bound(&self, searcher: &Searcher) -> Result<Option<Score>, TantivyError> {
        let Some(terms) = &self.required_terms else {
            return Ok(None);
        };
        let mut bound: Score = 0.0;
        for term in terms {
            bound += Bm25Weight::for_terms(searcher, std::slice::from_ref(term))?.max_score();
        }
        Ok(Some(bound))
    }
}

/// A candidate hit. Hits rank by score, then the newest date first (an item without a date
/// after those with one), then the highest id (the item created last), so that equal hits
/// keep their order across pages and index merges.
#[derive(Clone, Copy, Debug)]
struct Ranked {
    score: f32,
    date: Option<i64>,
    id: i64,
    address: DocAddress,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(self.date.cmp(&other.date))
            .then(self.id.cmp(&other.id))
            .then(other.address.cmp(&self.address))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

/// The best `k` hits found so far (see [`Ranked`]).
struct Page {
    k: usize,
    /// A min-heap: its top is the worst hit on the page.
    heap: BinaryHeap<Reverse<Ranked>>,
}

impl Page {
    fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// The worst score on the page, once it is full.
    fn worst(&self) -> Option<Score> {
        match self.heap.peek() {
            Some(Reverse(worst)) if self.heap.len() >= self.k => Some(worst.score),
            _ => None,
        }
    }

    fn offer(&mut self, hit: Ranked) {
        if self.heap.len() < self.k {
            self.heap.push(Reverse(hit));
        } else if self.heap.peek().is_some_and(|Reverse(worst)| hit > *worst) {
            self.heap.pop();
            self.heap.push(Reverse(hit));
        }
    }

    /// The addresses on the page, sorted.
    fn addresses(&self) -> Vec<DocAddress> {
        let mut a: Vec<DocAddress> = self.heap.iter().map(|Reverse(h)| h.address).collect();
        a.sort_unstable();
        a
    }

    /// Offers every match of `query` except those in `skip` (sorted). Every match is scored
    /// (no pruning: see [`Plan`]); one below the page's worst is dropped before its date is
    /// read.
    fn collect(
        &mut self,
        searcher: &Searcher,
        query: &dyn Query,
        skip: &[DocAddress],
    ) -> Result<(), TantivyError> {
        if self.k == 0 {
            return Ok(());
        }
        let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
        for (ord, reader) in (0u32..).zip(searcher.segment_readers()) {
            let dates = reader.fast_fields().i64(name::DATE)?;
            let ids = reader.fast_fields().i64(name::ID)?;
            let alive = reader.alive_bitset();
            let mut worst = self.worst();
            weight.for_each(reader, &mut |doc, score| {
                if worst.is_some_and(|w| score < w) || alive.is_some_and(|a| a.is_deleted(doc)) {
                    return;
                }
                let address = DocAddress::new(ord, doc);
                if skip.binary_search(&address).is_err() {
                    self.offer(Ranked {
                        score,
                        date: dates.first(doc),
                        id: ids.first(doc).unwrap_or(0),
                        address,
                    });
                    worst = self.worst();
                }
            })?;
        }
        Ok(())
    }

    fn into_best(self) -> Vec<Ranked> {
        let mut best: Vec<Ranked> = self.heap.into_iter().map(|Reverse(h)| h).collect();
        best.sort_unstable_by(|a, b| b.cmp(a));
        best
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

    /// The exhaustive ranking that [`Plan::top`] must reproduce: every match of the search
    /// scored in full, by score then date, collected by tantivy's own top-docs collector.
    fn exhaustive(idx: &SearchIndex, q: &SearchQuery) -> Vec<Ranked> {
        use tantivy::collector::TopDocs;
        let words = analysis::query_words(&mut idx.query_analyzer.clone(), &q.text);
        let mut full = idx.build_query(q, &words).with_title;
        full.set_minimum_number_should_match(0);
        let searcher = idx.searcher();
        let all = searcher
            .search(&full, &TopDocs::with_limit(100_000).order_by_score())
            .unwrap();
        let mut ranked: Vec<Ranked> = all
            .into_iter()
            .map(|(score, address)| {
                let fast = searcher.segment_reader(address.segment_ord).fast_fields();
                Ranked {
                    score,
                    date: fast.i64(name::DATE).unwrap().first(address.doc_id),
                    id: fast.i64(name::ID).unwrap().first(address.doc_id).unwrap(),
                    address,
                }
            })
            .collect();
        ranked.sort_unstable_by(|a, b| b.cmp(a));
        ranked
    }

    #[test]
    fn pruned_pages_equal_the_exhaustive_ranking() {
        // Titles and bodies drawn from a small vocabulary, so that words are frequent, titles
        // match often, scores tie, some items have no date, several segments exist and some
        // items are deleted: everything the pruned collection must get right.
        let vocab = [
            "营业执照",
            "工作",
            "机制",
            "方案",
            "政务公开",
            "服务",
            "窗口",
            "不动产登记",
            "社会保险",
            "通知",
            "办理",
            "材料",
        ];
        let idx = SearchIndex::in_ram().unwrap();
        let mut seed: u64 = 20_261_126;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(seed >> 33).unwrap() % n
        };
        // 4 segments of 400 items: frequent words have more than one full block of 128
        // postings in each.
        for batch in 0..4 {
            let docs: Vec<IndexDoc> = (0..400)
                .map(|i| {
                    let id = batch * 400 + i;
                    let title: String =
                        (0..1 + next(3)).map(|_| vocab[next(vocab.len())]).collect();
                    let body: String = (0..3 + next(30))
                        .map(|_| format!("{}，", vocab[next(vocab.len())]))
                        .collect();
                    IndexDoc {
                        kind: "d".into(),
                        id: i64::from(id),
                        title: format!("关于{title}的通知"),
                        body,
                        facets: vec![("year".into(), format!("{}", 2020 + next(3)))],
                        date: (next(5) > 0)
                            .then(|| i64::try_from(1_600_000_000 + next(50) * 86_400).unwrap()),
                        url: String::new(),
                    }
                })
                .collect();
            idx.upsert_many(&docs).unwrap();
        }
        let removes: Vec<(&str, i64)> = (0..1600).step_by(7).map(|id| ("d", id)).collect();
        idx.apply(&[], &removes, None).unwrap();
        assert!(
            idx.searcher().segment_readers().len() > 1,
            "several segments"
        );

        let mut checked = 0;
        for text in [
            "营业执照",
            "工作",
            "工作机制",
            "政务公开服务",
            "窗口办理材料",
            "不动产登记",
            "社保",
        ] {
            for filters in [vec![], vec![("year".to_owned(), "2021".to_owned())]] {
                for (offset, limit) in [(0, 1), (0, 10), (0, 20), (15, 20), (100, 50)] {
                    let q = SearchQuery {
                        kind: "d".into(),
                        text: text.into(),
                        filters: filters.clone(),
                        offset,
                        limit,
                    };
                    let words = analysis::query_words(&mut idx.query_analyzer.clone(), &q.text);
                    let plan = idx.build_query(&q, &words);
                    let got = plan.top(&idx.searcher(), offset + limit).unwrap();
                    // Ten more, to see whether the page's last score ties with the next.
                    let all = exhaustive(&idx, &q);
                    let want = &all[..all.len().min(offset + limit)];
                    // The passes add a hit's clause scores in another order than the whole
                    // query does, so scores may differ in the last float bit, and hits that
                    // close may trade places; nothing else may differ.
                    let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * b.abs().max(1.0);
                    let at = format!("{text} {filters:?} {offset}+{limit}");
                    assert_eq!(got.len(), want.len(), "{at}: length");
                    for (i, (g, w)) in got.iter().zip(want).enumerate() {
                        assert!(close(g.score, w.score), "{at}: score {i}: {g:?} vs {w:?}");
                        if !close(g.score, w.score) || g.score == w.score {
                            assert_eq!((g.date, g.id), (w.date, w.id), "{at}: hit {i}");
                        }
                    }
                    let boundary = want.last().map_or(0.0, |w| w.score);
                    let clear = |page: &[Ranked]| -> std::collections::BTreeSet<i64> {
                        page.iter()
                            .filter(|r| !close(r.score, boundary))
                            .map(|r| r.id)
                            .collect()
                    };
                    assert_eq!(clear(&got), clear(want), "{at}: hits");
                    checked += got.len();
                    // The count pass matches what the page pass ranks.
                    let total = idx.searcher().search(&plan.required, &Count).unwrap();
                    assert_eq!(total, all.len(), "{text} {filters:?}: total");
                }
            }
        }
        assert!(checked > 500, "the queries found hits ({checked})");
    }

    #[test]
    fn an_item_rich_in_rare_words_outranks_a_weak_title_match() {
        // 机制 is rare (two items), 工作 is in almost every title. Item 1 has 工作 in its
        // title and each word once in its body; item 2 has no title match but both words
        // many times. By BM25 item 2 scores more, so the title-first pass alone must not
        // settle the page: the second pass has to find item 2.
        let idx = SearchIndex::in_ram().unwrap();
        let item = |id: i64, title: &str, body: String| IndexDoc {
            kind: "d".into(),
            id,
            title: title.into(),
            body,
            facets: vec![],
            date: Some(1_700_000_000),
            url: String::new(),
        };
        let mut docs: Vec<IndexDoc> = (10..290)
            .map(|id| item(id, "工作", "工作".into()))
            .collect();
        docs.push(item(1, "工作", "工作，机制".into()));
        docs.push(item(2, "通知", "工作，机制，".repeat(50)));
        docs.extend((300..320).map(|id| item(id, "通知", "其他".into())));
        idx.upsert_many(&docs).unwrap();
        let mut q = SearchQuery::new("d", "工作 机制");
        q.limit = 2;
        let r = idx.search(&q).unwrap();
        assert_eq!(r.total, 2);
        let ids: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
        assert_eq!(ids, [2, 1]);
        q.limit = 1;
        assert_eq!(idx.search(&q).unwrap().hits[0].id, 2);
    }

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
