//! Chinese text analysis: the jieba analyzers used for indexing and for queries.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Name under which the indexing analyzer is registered on the index (and
/// recorded in the schema, so changing it forces a rebuild of on-disk indexes).
pub(crate) const TOKENIZER_NAME: &str = "ow_jieba_full_lc";

/// Tokens longer than this many bytes are dropped (URLs, base64 blobs...).
const MAX_TOKEN_BYTES: usize = 120;

/// The user's text is cut to this many characters before segmentation.
pub(crate) const MAX_QUERY_CHARS: usize = 200;

/// At most this many distinct words of a query are used.
pub(crate) const MAX_QUERY_WORDS: usize = 16;

/// The one jieba instance of the process (its dictionary of 349k words takes tens of MB and
/// about 100 ms to load, on first use).
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// jieba as a tantivy tokenizer. Positions are *character* offsets, so that overlapping
/// tokens keep consistent positions and a phrase of words can be matched at their offsets.
///
/// Query mode is jieba's default cut (non-overlapping). Index mode emits that cut **and**
/// every dictionary word occurring in the text (jieba's full mode), so a query word is found
/// by its term alone wherever it occurs: 行政许可 in 中华人民共和国行政许可法, which the default
/// cut splits as 行政 | 许可法 (jieba's own search mode adds only the 2- and 3-character words
/// inside each cut word, so it misses both that and 4-character words inside longer ones; the
/// phrase query over 行政 and 许可 that made up for it cost up to 15 ms on frequent words).
#[derive(Clone, Copy)]
pub(crate) struct JiebaCut {
    search: bool,
}

impl Tokenizer for JiebaCut {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let jieba: &Jieba = &JIEBA;
        let mut cut = jieba.cut(text, true);
        if self.search {
            // Single characters only where the default cut has them: indexing every character
            // would be n-gram indexing (and double the index).
            cut.extend(
                jieba
                    .cut_all(text)
                    .into_iter()
                    .filter(|t| t.end - t.start > 1),
            );
            // Each term's positions must increase within a document.
            cut.sort_by_key(|t| (t.start, t.end));
            cut.dedup_by_key(|t| (t.start, t.end));
        }
        let tokens = cut
            .into_iter()
            .map(|t| Token {
                offset_from: t.byte_start,
                offset_to: t.byte_end,
                position: t.start,
                position_length: t.end - t.start,
                text: t.word.to_owned(),
            })
            .collect();
        VecTokenStream {
            tokens,
            next: 0,
            current: Token::default(),
        }
    }
}

/// Whether `word` is in jieba's dictionary, so that the index holds it wherever it occurs.
pub(crate) fn in_dictionary(word: &str) -> bool {
    JIEBA.has_word(word)
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

/// Indexing analyzer: jieba's default cut plus every dictionary word in the text (e.g.
/// 营业执照 → 营业, 营业执照, 执照), lower-cased.
/// Positions are character offsets, so overlapping tokens keep consistent positions.
pub(crate) fn index_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaCut { search: true })
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build()
}

/// Query analyzer: jieba *default mode* (a non-overlapping cut), lower-cased.
pub(crate) fn query_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaCut { search: false })
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
        assert_eq!(texts(&w), ["营业", "营业执照", "执照"]);
        // Words of four characters and more inside a longer word, and words across the
        // default cut's boundaries (行政 | 许可法), at their offsets.
        let w = words(&mut a, "中华人民共和国行政许可法");
        for inner in ["人民共和国", "行政许可", "许可法"] {
            assert!(texts(&w).contains(&inner), "{inner} in {w:?}");
        }
        let at = w.iter().find(|x| x.text == "行政许可").unwrap();
        assert_eq!(at.position, 7);
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
