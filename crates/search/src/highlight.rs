//! Highlighting: `<mark>` around the query words, everything else HTML-escaped.
//!
//! tantivy's [`SnippetGenerator`] assumes that token offsets never go backwards
//! and that the last token of a fragment ends the fragment. jieba's search mode
//! breaks both (营业, 执照 *then* 营业执照, which starts earlier), which can make
//! the generator slice out of bounds. So snippets are produced with
//! [`HighlightTokenizer`]: jieba search mode re-cut into a *non-overlapping*
//! sequence that prefers the query's own words, so 执照 is still highlighted
//! inside 营业执照 and 营业执照 is highlighted whole.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tantivy::schema::Field;
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Score, Searcher, Term};
use tantivy_jieba::JiebaTokenizer;

use crate::analysis::Word;

/// Opening tag around a match.
const MARK_OPEN: &str = "<mark>";
/// Closing tag around a match.
const MARK_CLOSE: &str = "</mark>";

/// Body snippets are about this many characters long.
pub(crate) const SNIPPET_CHARS: usize = 120;

/// Only this many leading characters of a body are scanned for a snippet
/// (bounds the per-hit cost on very long disclosure documents).
const MAX_SCANNED_CHARS: usize = 20_000;

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The prefix of `text` of at most `max_chars` characters.
fn clip_chars(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((byte, _)) => &text[..byte],
        None => text,
    }
}

/// A tokenizer for snippets only: non-overlapping, offsets strictly increasing.
///
/// At each position it emits the longest jieba search-mode token starting there
/// that is one of the query words. If none is, it emits the longest token
/// starting there, unless a query word starts inside that token: then it emits
/// the text up to that word, so 执照 is found inside 营业执照.
#[derive(Clone)]
pub(crate) struct HighlightTokenizer {
    inner: JiebaTokenizer,
    words: Arc<BTreeSet<String>>,
}

impl HighlightTokenizer {
    fn new(words: Arc<BTreeSet<String>>) -> Self {
        Self {
            inner: JiebaTokenizer::new(),
            words,
        }
    }
}

/// A token stream over precomputed tokens.
pub(crate) struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
    current: Token,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.get_mut(self.next) {
            Some(token) => {
                self.current = std::mem::take(token);
                self.next += 1;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

impl Tokenizer for HighlightTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut all: Vec<Token> = Vec::new();
        let mut stream = self.inner.token_stream(text);
        while let Some(token) = stream.next() {
            all.push(token.clone());
        }
        // By start, longest first.
        all.sort_by(|a, b| {
            a.offset_from
                .cmp(&b.offset_from)
                .then(b.offset_to.cmp(&a.offset_to))
        });
        let mut out: Vec<Token> = Vec::new();
        let mut cursor = 0;
        let mut i = 0;
        while i < all.len() {
            let start = all[i].offset_from;
            let mut j = i;
            while j < all.len() && all[j].offset_from == start {
                j += 1;
            }
            if start >= cursor {
                let group = &all[i..j];
                let is_word = |t: &Token| self.words.contains(&t.text.to_lowercase());
                let chosen = match group.iter().find(|t| is_word(t)) {
                    Some(word) => Some(word.clone()),
                    None => group.first().map(|longest| {
                        // A query word starting inside the longest token wins:
                        // emit the text before it as a filler token.
                        let inner = all[j..]
                            .iter()
                            .take_while(|t| t.offset_from < longest.offset_to)
                            .find(|t| is_word(t));
                        match inner {
                            Some(word) => Token {
                                offset_from: start,
                                offset_to: word.offset_from,
                                text: text.get(start..word.offset_from).unwrap_or("").to_owned(),
                                ..Token::default()
                            },
                            None => longest.clone(),
                        }
                    }),
                };
                if let Some(mut token) = chosen {
                    cursor = token.offset_to;
                    token.position = out.len();
                    token.position_length = 1;
                    out.push(token);
                }
            }
            i = j;
        }
        VecTokenStream {
            tokens: out,
            next: 0,
            current: Token::default(),
        }
    }
}

/// Snippet generators for one search: title (whole title) and body (~120 chars).
pub(crate) struct Highlighter {
    title: SnippetGenerator,
    body: SnippetGenerator,
    /// The query words, longest first (to find where in a body to look).
    words: Vec<String>,
}

impl Highlighter {
    /// Builds the generators for the query `words` (already lower-cased).
    pub(crate) fn new(
        searcher: &Searcher,
        words: &[Word],
        title_field: Field,
        body_field: Field,
    ) -> tantivy::Result<Self> {
        let set: Arc<BTreeSet<String>> = Arc::new(words.iter().map(|w| w.text.clone()).collect());
        let analyzer = TextAnalyzer::from(HighlightTokenizer::new(set));
        let terms = |field: Field| -> tantivy::Result<BTreeMap<String, Score>> {
            let mut map = BTreeMap::new();
            for word in words {
                let doc_freq = searcher.doc_freq(&Term::from_field_text(field, &word.text))?;
                // Rarer words weigh more when choosing the best fragment; a word
                // absent from the field can still be highlighted.
                map.insert(word.text.clone(), 1.0 / (1.0 + doc_freq as Score));
            }
            Ok(map)
        };
        let mut sorted: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
        sorted.sort_by_key(|w| std::cmp::Reverse(w.len()));
        Ok(Self {
            words: sorted,
            // max_num_chars is compared with *byte* offsets in tantivy 0.27.
            title: SnippetGenerator::new(
                terms(title_field)?,
                analyzer.clone(),
                title_field,
                1 << 20,
            ),
            body: SnippetGenerator::new(
                terms(body_field)?,
                analyzer,
                body_field,
                SNIPPET_CHARS * 3,
            ),
        })
    }

    /// The whole title with the matches marked.
    pub(crate) fn title_html(&self, title: &str) -> String {
        let snippet = self.title.snippet(title);
        if snippet.is_empty() {
            return escape_html(title);
        }
        wrap(title, snippet, false)
    }

    /// About 120 characters of the body around the best match, or the start
    /// of the body if nothing matches there. Truncation is shown with `…`.
    pub(crate) fn body_html(&self, body: &str) -> String {
        let scanned = self.window(clip_chars(body, MAX_SCANNED_CHARS));
        let snippet = self.body.snippet(scanned);
        if snippet.is_empty() {
            let head = clip_chars(body, SNIPPET_CHARS);
            let mut html = escape_html(head);
            if head.len() < body.len() {
                html.push('…');
            }
            return html;
        }
        let mut html = wrap(scanned, snippet, true);
        // The window cut the body: say so on the side it was cut.
        let offset = scanned.as_ptr() as usize - body.as_ptr() as usize;
        if offset > 0 && !html.starts_with('…') {
            html.insert(0, '…');
        }
        if offset + scanned.len() < body.len() && !html.ends_with('…') {
            html.push('…');
        }
        if html.is_empty() {
            html = escape_html(clip_chars(body, SNIPPET_CHARS));
        }
        html
    }
}

impl Highlighter {
    /// The part of `body` worth segmenting for a snippet: from a little before the first
    /// occurrence of a query word to a few snippet lengths after it (the whole text when no
    /// word occurs literally). Segmenting a whole long document for every hit was most of the
    /// cost of a search.
    fn window<'a>(&self, body: &'a str) -> &'a str {
        const BEFORE: usize = 60;
        const LENGTH: usize = SNIPPET_CHARS * 4;
        let Some(pos) = self
            .words
            .iter()
            .filter_map(|w| body.find(w.as_str()))
            .min()
        else {
            return body;
        };
        let head = &body[..pos];
        let start = head
            .char_indices()
            .rev()
            .nth(BEFORE - 1)
            .map(|(i, _)| i)
            .unwrap_or(0);
        let rest = &body[start..];
        let end = rest
            .char_indices()
            .nth(LENGTH)
            .map(|(i, _)| start + i)
            .unwrap_or(body.len());
        &body[start..end]
    }
}

/// Renders `snippet` (a fragment of `text`) as HTML. For a title the parts of
/// `text` outside the fragment are kept (escaped); for a body they are
/// replaced by `…`.
fn wrap(text: &str, mut snippet: Snippet, ellipsis: bool) -> String {
    snippet.set_snippet_prefix_postfix(MARK_OPEN, MARK_CLOSE);
    let range = snippet.fragment_range();
    let before = text.get(..range.start).unwrap_or("");
    let after = text.get(range.end..).unwrap_or("");
    let mut html = String::new();
    if ellipsis {
        if !before.trim().is_empty() {
            html.push('…');
        }
    } else {
        html.push_str(&escape_html(before));
    }
    // Adjacent matches (开办|企业) become one mark. Escaped text cannot
    // contain this sequence, so only our own tags are merged.
    html.push_str(&snippet.to_html().replace("</mark><mark>", ""));
    if ellipsis {
        if !after.trim().is_empty() {
            html.push('…');
        }
    } else {
        html.push_str(&escape_html(after));
    }
    html
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn cut(words: &[&str], text: &str) -> Vec<String> {
        let set = Arc::new(words.iter().map(|w| (*w).to_owned()).collect());
        let mut tokenizer = HighlightTokenizer::new(set);
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        let mut last_end = 0;
        while let Some(token) = stream.next() {
            assert!(token.offset_from >= last_end, "overlap in {text}");
            last_end = token.offset_to;
            out.push(token.text.clone());
        }
        out
    }

    #[test]
    fn highlight_cut_prefers_query_words_and_never_overlaps() {
        assert_eq!(cut(&["营业执照"], "申领营业执照"), ["申领", "营业执照"]);
        assert_eq!(cut(&["执照"], "申领营业执照"), ["申领", "营业", "执照"]);
        assert_eq!(cut(&[], "居民身份证"), ["居民身份证"]);
        assert_eq!(cut(&["动产"], "不动产登记"), ["不", "动产", "登记"]);
        assert_eq!(cut(&["身份证"], "居民身份证"), ["居民", "身份证"]);
    }

    #[test]
    fn escape() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(clip_chars("不动产登记", 3), "不动产");
        assert_eq!(clip_chars("不动", 3), "不动");
    }
}
