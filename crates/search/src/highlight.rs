//! Highlighting: `<mark>` around the query words, everything else HTML-escaped.
//!
//! A hit's title and body are marked where a query word occurs **literally** (ASCII letters
//! compared case-insensitively), longest word first and never overlapping, so 执照 is marked
//! inside 营业执照 and 营业执照 is marked whole. Every hit was matched through the index by
//! those same words, so the literal occurrences are the matches; no segmentation is needed
//! per hit. (Segmenting each hit's body with jieba for tantivy's snippet generator cost about
//! 0.25 ms per hit, a third of a search's time.)

use std::ops::Range;

use tantivy::{Score, Searcher, Term};

use crate::analysis::Word;

/// Opening tag around a match.
const MARK_OPEN: &str = "<mark>";
/// Closing tag around a match.
const MARK_CLOSE: &str = "</mark>";

/// Body snippets are about this many characters long.
const SNIPPET_CHARS: usize = 120;

/// Context kept before the snippet's first match, in characters.
const CONTEXT_BEFORE: usize = 12;

/// Only this many leading characters of a body are scanned for a snippet
/// (bounds the per-hit cost on very long disclosure documents).
const MAX_SCANNED_CHARS: usize = 20_000;

/// At most this many matches of a body are considered when choosing the snippet.
const MAX_CANDIDATES: usize = 64;

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
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
}

/// The prefix of `text` of at most `max_chars` characters.
fn clip_chars(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((byte, _)) => &text[..byte],
        None => text,
    }
}

/// Byte offset `chars` characters before `at` in `text` (or 0).
fn back_chars(text: &str, at: usize, chars: usize) -> usize {
    if chars == 0 {
        return at;
    }
    text[..at]
        .char_indices()
        .rev()
        .nth(chars - 1)
        .map_or(0, |(i, _)| i)
}

/// Byte offset `chars` characters after `at` in `text` (or its end).
fn forward_chars(text: &str, at: usize, chars: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| at + i)
}

/// The query words of one search, ready to mark hits.
pub(crate) struct Highlighter {
    /// Distinct query words (lower-case), longest first, with their weight when choosing a
    /// body fragment (rarer words weigh more).
    words: Vec<(String, Score)>,
}

/// One literal occurrence of a query word: its byte range and the word's index.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Match {
    range: Range<usize>,
    word: usize,
}

impl Highlighter {
    /// Prepares marking for the query `words` (already lower-cased). A word's weight is
    /// `1 / (1 + document frequency in the body)`.
    pub(crate) fn new(
        searcher: &Searcher,
        words: &[Word],
        body_term: impl Fn(&str) -> Term,
    ) -> tantivy::Result<Self> {
        // `words` come from `analysis::query_words`: distinct and non-empty.
        let list = words
            .iter()
            .map(|word| {
                let doc_freq = searcher.doc_freq(&body_term(&word.text))?;
                Ok((word.text.clone(), 1.0 / (1.0 + doc_freq as Score)))
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Self::from_weighted(list))
    }

    fn from_weighted(mut words: Vec<(String, Score)>) -> Self {
        words.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        Self { words }
    }

    /// The non-overlapping literal occurrences of the query words in `text`, in order (at
    /// most `max` of them).
    fn matches(&self, text: &str, max: usize) -> Vec<Match> {
        let mut out = Vec::new();
        if self.words.is_empty() || text.is_empty() {
            return out;
        }
        // ASCII-only folding keeps byte offsets; query words are already lower-case.
        let folded;
        let hay: &str = if text.bytes().any(|b| b.is_ascii_uppercase()) {
            folded = text.to_ascii_lowercase();
            &folded
        } else {
            text
        };
        // The next occurrence of each word at or after the scan position.
        let mut next: Vec<Option<usize>> = self
            .words
            .iter()
            .map(|(w, _)| hay.find(w.as_str()))
            .collect();
        while out.len() < max {
            // The earliest occurrence; at equal starts the longest word (listed first) wins.
            let mut best: Option<(usize, usize)> = None;
            for (i, at) in next.iter().enumerate() {
                if let Some(at) = *at
                    && best.is_none_or(|(b, _)| at < b)
                {
                    best = Some((at, i));
                }
            }
            let Some((at, i)) = best else { break };
            let end = at + self.words[i].0.len();
            out.push(Match {
                range: at..end,
                word: i,
            });
            let pos = end;
            for (j, slot) in next.iter_mut().enumerate() {
                if let Some(s) = *slot
                    && s < pos
                {
                    let w = self.words[j].0.as_str();
                    *slot = hay
                        .get(pos..)
                        .and_then(|rest| rest.find(w))
                        .map(|k| pos + k);
                }
            }
        }
        out
    }

    /// The whole title with the matches marked.
    pub(crate) fn title_html(&self, title: &str) -> String {
        let matches = self.matches(title, usize::MAX);
        render(title, 0..title.len(), &matches)
    }

    /// About 120 characters of the body around the best group of matches (the fragment
    /// holding the most weight of distinct query words, the earliest of equals), or the start
    /// of the body if no word occurs in it. Truncation is shown with `…`.
    pub(crate) fn body_html(&self, body: &str) -> String {
        let scanned = clip_chars(body, MAX_SCANNED_CHARS);
        let matches = self.matches(scanned, MAX_CANDIDATES);
        let Some(fragment) = self.best_fragment(scanned, &matches) else {
            let head = clip_chars(body, SNIPPET_CHARS);
            let mut html = escape_html(head);
            if head.len() < body.len() {
                html.push('…');
            }
            return html;
        };
        let mut html = String::new();
        if !body[..fragment.start].trim().is_empty() {
            html.push('…');
        }
        let inside: Vec<Match> = matches
            .iter()
            .filter(|m| m.range.start >= fragment.start && m.range.end <= fragment.end)
            .cloned()
            .collect();
        html.push_str(&render(body, fragment.clone(), &inside));
        if !body[fragment.end..].trim().is_empty() {
            html.push('…');
        }
        html
    }

    /// The byte range of the snippet: it starts a little before one of the matches (earlier
    /// when the text ends sooner) and is [`SNIPPET_CHARS`] long; the start whose fragment holds the most weight of distinct
    /// words wins.
    fn best_fragment(&self, text: &str, matches: &[Match]) -> Option<Range<usize>> {
        let mut best: Option<(Score, Range<usize>)> = None;
        for (i, anchor) in matches.iter().enumerate() {
            let mut start = back_chars(text, anchor.range.start, CONTEXT_BEFORE);
            let mut end = forward_chars(text, start, SNIPPET_CHARS);
            if end == text.len() {
                // Near the end: show more of what comes before instead of a short fragment.
                start = back_chars(text, text.len(), SNIPPET_CHARS).min(start);
                end = forward_chars(text, start, SNIPPET_CHARS);
            }
            let mut seen = vec![false; self.words.len()];
            let mut score: Score = 0.0;
            for m in &matches[i..] {
                if m.range.end > end {
                    break;
                }
                if let Some(flag) = seen.get_mut(m.word)
                    && !*flag
                {
                    *flag = true;
                    score += self.words.get(m.word).map_or(0.0, |(_, w)| *w);
                }
            }
            // A fragment must at least hold its anchor.
            if anchor.range.end > end {
                continue;
            }
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, start..end));
            }
        }
        best.map(|(_, r)| r)
    }
}

/// `text[range]` escaped, with `matches` (inside `range`, in order) marked; adjacent matches
/// (开办|企业) become one mark.
fn render(text: &str, range: Range<usize>, matches: &[Match]) -> String {
    let mut html = String::with_capacity(range.len() + 32);
    let mut pos = range.start;
    let mut open_until: Option<usize> = None;
    for m in matches {
        if m.range.start < pos {
            continue;
        }
        if open_until != Some(m.range.start) {
            if open_until.is_some() {
                html.push_str(MARK_CLOSE);
            }
            push_escaped(&mut html, &text[pos..m.range.start]);
            html.push_str(MARK_OPEN);
        }
        push_escaped(&mut html, &text[m.range.clone()]);
        pos = m.range.end;
        open_until = Some(pos);
    }
    if open_until.is_some() {
        html.push_str(MARK_CLOSE);
    }
    push_escaped(&mut html, &text[pos..range.end]);
    html
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn marked(words: &[&str], text: &str) -> Vec<String> {
        let h = Highlighter::from_weighted(words.iter().map(|w| ((*w).to_owned(), 1.0)).collect());
        let found = h.matches(text, usize::MAX);
        for pair in found.windows(2) {
            assert!(
                pair[0].range.end <= pair[1].range.start,
                "overlap in {text}"
            );
        }
        found
            .iter()
            .map(|m| text[m.range.clone()].to_owned())
            .collect()
    }

    #[test]
    fn matches_prefer_the_longest_word_and_never_overlap() {
        assert_eq!(
            marked(&["营业执照", "执照"], "申领营业执照和执照"),
            ["营业执照", "执照"]
        );
        assert_eq!(marked(&["执照"], "申领营业执照"), ["执照"]);
        assert_eq!(marked(&[], "居民身份证"), Vec::<String>::new());
        assert_eq!(marked(&["动产"], "不动产登记"), ["动产"]);
        assert_eq!(marked(&["ab", "b"], "xABab"), ["AB", "ab"]);
        assert_eq!(marked(&["aa"], "aaa"), ["aa"]);
    }

    #[test]
    fn rendering_merges_adjacent_marks_and_escapes() {
        let h = Highlighter::from_weighted(vec![("开办".into(), 1.0), ("企业".into(), 1.0)]);
        assert_eq!(
            h.title_html("开办企业<一件事>"),
            "<mark>开办企业</mark>&lt;一件事&gt;"
        );
        assert_eq!(
            h.title_html("企业 开办"),
            "<mark>企业</mark> <mark>开办</mark>"
        );
        assert_eq!(h.title_html("无关"), "无关");
    }

    #[test]
    fn the_fragment_with_more_distinct_words_wins() {
        let h = Highlighter::from_weighted(vec![("甲".into(), 1.0), ("乙".into(), 1.0)]);
        let filler = "。".repeat(200);
        let body = format!("甲{filler}甲乙{filler}");
        let html = h.body_html(&body);
        assert!(html.contains("<mark>甲乙</mark>"), "{html}");
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
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
