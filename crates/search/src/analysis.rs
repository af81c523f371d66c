//! Chinese text analysis: the jieba analyzers used for indexing and for queries.

use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, TextAnalyzer, TokenStream};
use tantivy_jieba::JiebaTokenizer;

/// Name under which the indexing analyzer is registered on the index (and
/// recorded in the schema, so changing it forces a rebuild of on-disk indexes).
pub(crate) const TOKENIZER_NAME: &str = "ow_jieba_search_lc";

/// Tokens longer than this many bytes are dropped (URLs, base64 blobs...).
const MAX_TOKEN_BYTES: usize = 120;

/// The user's text is cut to this many characters before segmentation.
pub(crate) const MAX_QUERY_CHARS: usize = 200;

/// At most this many distinct words of a query are used.
pub(crate) const MAX_QUERY_WORDS: usize = 16;

/// Indexing analyzer: jieba *search mode* (emits a long word and the dictionary
/// words inside it, e.g. 营业执照 → 营业, 执照, 营业执照), lower-cased.
/// Positions are character offsets, so overlapping tokens keep consistent positions.
pub(crate) fn index_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::new())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build()
}

/// Query analyzer: jieba *default mode* (a non-overlapping cut), lower-cased.
pub(crate) fn query_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::with_search_mode(false))
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build()
}

/// A token of text, with its start position in characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// The (lower-cased) token text.
    pub text: String,
    /// Start position in characters, as recorded in the index.
    pub position: usize,
}

/// Whether a token carries meaning (has a letter, digit or CJK character).
/// Punctuation, whitespace and emoji tokens are dropped.
fn is_meaningful(token: &str) -> bool {
    token.chars().any(char::is_alphanumeric)
}

/// Runs `analyzer` over `text` and keeps the meaningful tokens.
pub(crate) fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Word> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        if is_meaningful(&token.text) {
            out.push(Word {
                text: token.text.clone(),
                position: token.position,
            });
        }
    }
    out
}

/// Segments a user query: the non-overlapping jieba cut of (at most
/// [`MAX_QUERY_CHARS`] characters of) `text`, meaningful tokens only,
/// de-duplicated, at most [`MAX_QUERY_WORDS`].
///
/// The returned positions are *compacted*: each word starts where the previous
/// kept word ended, so punctuation or spaces between words do not break the
/// title phrase bonus (`开办 企业` gives 开办@0, 企业@2 like `开办企业`).
pub(crate) fn query_words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Word> {
    let clipped: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let mut out: Vec<Word> = Vec::new();
    let mut next_position = 0;
    for word in words(analyzer, &clipped) {
        if out.iter().any(|w| w.text == word.text) {
            continue;
        }
        let len = word.text.chars().count();
        out.push(Word {
            text: word.text,
            position: next_position,
        });
        next_position += len;
        if out.len() == MAX_QUERY_WORDS {
            break;
        }
    }
    out
}

/// The dictionary words inside `word` that the indexing analyzer emits besides
/// `word` itself, as a phrase that spells out exactly `word`
/// (营业执照 → 营业@0 执照@2; 不动产 → 不动@0 动产@1), or `None` when they do
/// not cover the whole word or there are fewer than two of them.
///
/// A document normally contains the whole word as a token too, so this is a
/// safety net for contexts where jieba cuts the same characters differently.
pub(crate) fn sub_word_phrase(index_analyzer: &mut TextAnalyzer, word: &str) -> Option<Vec<Word>> {
    let len = word.chars().count();
    let mut subs: Vec<Word> = words(index_analyzer, word)
        .into_iter()
        .filter(|w| w.text != word)
        .collect();
    // One term per position: keep the longest word starting there.
    subs.sort_by(|a, b| {
        a.position
            .cmp(&b.position)
            .then(b.text.chars().count().cmp(&a.text.chars().count()))
    });
    subs.dedup_by_key(|w| w.position);
    if subs.len() < 2 {
        return None;
    }
    let mut covered = 0;
    for sub in &subs {
        if sub.position > covered {
            return None;
        }
        covered = covered.max(sub.position + sub.text.chars().count());
    }
    (covered == len).then_some(subs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn texts(words: &[Word]) -> Vec<&str> {
        words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn query_cut_is_non_overlapping_and_drops_punctuation() {
        let mut a = query_analyzer();
        let w = query_words(&mut a, "办理营业执照，需要哪些材料？");
        assert_eq!(texts(&w), ["办理", "营业执照", "需要", "哪些", "材料"]);
        assert_eq!(w[1].position, 2);
        let w = query_words(&mut a, "开办 企业");
        assert_eq!(texts(&w), ["开办", "企业"]);
        assert_eq!((w[0].position, w[1].position), (0, 2));
        assert!(query_words(&mut a, "  ，。！？🙂\"'[]:()").is_empty());
        assert_eq!(
            texts(&query_words(&mut a, "ICP AND Or")),
            ["icp", "and", "or"]
        );
        assert_eq!(texts(&query_words(&mut a, "企业 企业")), ["企业"]);
    }

    #[test]
    fn index_cut_emits_inner_words() {
        let mut a = index_analyzer();
        let w = words(&mut a, "营业执照");
        assert_eq!(texts(&w), ["营业", "执照", "营业执照"]);
    }

    #[test]
    fn sub_word_phrases() {
        let mut a = index_analyzer();
        let p = sub_word_phrase(&mut a, "营业执照").unwrap();
        assert_eq!(texts(&p), ["营业", "执照"]);
        assert_eq!((p[0].position, p[1].position), (0, 2));
        let p = sub_word_phrase(&mut a, "不动产").unwrap();
        assert_eq!(texts(&p), ["不动", "动产"]);
        assert_eq!(sub_word_phrase(&mut a, "护照"), None);
        // 一网通 only contains 网通: not a full cover.
        assert_eq!(sub_word_phrase(&mut a, "一网通"), None);
    }

    #[test]
    fn long_queries_are_bounded() {
        let mut a = query_analyzer();
        let text =
            "企业开办营业执照不动产登记户籍迁移护照签发社会保障卡公积金提取医保报销".repeat(20);
        let w = query_words(&mut a, &text);
        assert!(w.len() <= MAX_QUERY_WORDS);
    }
}
