//! Redaction check (脱敏核查) of a disclosure reply before it is released.
//!
//! 政府信息公开条例 (2019 修订) art. 37 (区分处理): when requested information contains parts that
//! must not be disclosed but can be separated, the agency discloses the part that can be
//! disclosed and hides the rest. Art. 15: information whose disclosure would harm a third party's
//! lawful rights — in particular personal privacy (个人隐私) — is not disclosed without that
//! party's consent. A 部分公开 reply is therefore only as good as its redaction: a black box drawn
//! over a text layer, or a name missed in one paragraph, discloses what the decision withheld.
//!
//! [`scan`] is the last check before release: the caller extracts the text of the file that is
//! about to go out and refuses release while `scan` finds anything. It looks for
//!
//! * 公民身份号码 — 18 characters (17 digits, then a digit or `X`) whose check character is
//!   valid (GB 11643-1999, ISO 7064 MOD 11-2; see
//!   [`resident_id_check_char`](crate::identity::resident_id_check_char)). The birth date is not
//!   checked;
//! * mainland mobile numbers — 11 digits starting with `13`–`19`;
//! * every phrase the officer listed as to be hidden (names of third parties, addresses, …).
//!
//! ## Matching rules
//!
//! * The text is compared after folding full-width ASCII forms (`１３８`, `Ｘ`) to half-width and
//!   ASCII letters to lowercase; both keep the number of characters, so offsets are unaffected.
//! * Numbers are read as *digit groups*: maximal runs of digits, where a group may end in the
//!   check character `X`. Groups separated by one to three separator characters (spaces,
//!   line breaks, hyphens and dashes) form a chain, so `138-1234-5678`, `350503 19850615 0026`,
//!   a number wrapped onto the next line, and digits that PDF extraction spaced out one by one
//!   are all found. A number is matched only as a whole sequence of groups, never inside a
//!   group: a digit run longer than 18 (a bank account number, say) never yields an ID from its
//!   middle, nor a 13-digit run a mobile number. The one exception is `+86` written without a
//!   separator (`+8613812345678`).
//! * Masked forms (`3505**********0026`, `138****5678`, `张*`, `█████`) are not reported: the
//!   mask characters split the digits into groups too short to match.
//! * Listed phrases are searched in the text with *all whitespace removed* (and removed from the
//!   phrase too), because PDF text extraction often puts spaces between CJK characters
//!   (`张 三 丰`). The reported offset is mapped back to the original text: it is the char
//!   offset of the phrase's first character there.
//!
//! Fixed-line numbers are deliberately not looked for: replies routinely carry the agency's own
//! 咨询电话, which is public.

use serde::Serialize;

use crate::identity::resident_id_check_char;
use crate::masking::mask_name;

/// What the scanner found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of information it is.
    pub kind: FindingKind,
    /// The match, masked for display (e.g. `3505**********0026`, `138****5678`, `张*`).
    pub masked: String,
    /// Char offset (not byte offset) of the match's first character in the scanned text.
    pub at: usize,
}

/// Kind of a [`Finding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A 公民身份号码 with a valid GB 11643-1999 check character.
    ResidentId,
    /// A mainland mobile number.
    Mobile,
    /// A name or other phrase the officer listed as to be hidden.
    Name,
}

impl FindingKind {
    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            FindingKind::ResidentId => "身份证号码",
            FindingKind::Mobile => "手机号码",
            FindingKind::Name => "姓名",
        }
    }

    /// English label.
    pub fn en(self) -> &'static str {
        match self {
            FindingKind::ResidentId => "resident ID number",
            FindingKind::Mobile => "mobile number",
            FindingKind::Name => "name",
        }
    }

    /// Which finding is kept when two start at the same offset (lower wins).
    fn rank(self) -> u8 {
        match self {
            FindingKind::ResidentId => 0,
            FindingKind::Mobile => 1,
            FindingKind::Name => 2,
        }
    }
}

/// Find unredacted personal information in `text`.
///
/// `hidden` lists the phrases the officer marked as to be hidden; blank entries are ignored.
/// Returns the findings in text order, at most one per offset (a 公民身份号码 wins over a mobile
/// number, and either over a listed phrase, starting at the same character). An empty result
/// means nothing was found — not that the text is safe if the extraction missed text (a scanned
/// image has no text layer), which the caller must judge.
pub fn scan(text: &str, hidden: &[String]) -> Vec<Finding> {
    let chars: Vec<char> = text.chars().map(fold).collect();
    let mut findings = Vec::new();
    scan_numbers(&chars, &mut findings);
    scan_hidden(&chars, hidden, &mut findings);
    // Stable: among listed phrases at the same offset the one listed first is kept.
    findings.sort_by_key(|f| (f.at, f.kind.rank()));
    findings.dedup_by_key(|f| f.at);
    findings
}

/// Full-width ASCII forms → half-width, ASCII letters → lowercase; one char to one char.
fn fold(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// Characters that may stand between the digit groups of one number.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | '\u{00A0}' | '\u{3000}' | '-' | '\u{2010}'
            ..='\u{2015}' | '\u{2212}'
    )
}

/// Longest run of separators still joining two groups.
const MAX_SEPARATOR_RUN: usize = 3;

/// A maximal run of digits, possibly ending with the check character `X`.
struct Group {
    /// Char offset of the first digit.
    start: usize,
    /// Char offset just past the group (including a trailing `X`).
    end: usize,
    /// The digits, ASCII.
    digits: String,
    /// Whether the group ends with `X`.
    has_x: bool,
}

fn digit_groups(chars: &[char]) -> Vec<Group> {
    let mut groups = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        while let Some(&c) = chars.get(i).filter(|c| c.is_ascii_digit()) {
            digits.push(c);
            i += 1;
        }
        // `X` is a check character only if it closes the token (`…002X号`, not `…002Xa`).
        let has_x = chars.get(i) == Some(&'x')
            && !chars.get(i + 1).is_some_and(char::is_ascii_alphanumeric);
        if has_x {
            i += 1;
        }
        groups.push(Group {
            start,
            end: i,
            digits,
            has_x,
        });
    }
    groups
}

/// Whether `next` continues the number that `prev` belongs to.
fn joined(chars: &[char], prev: &Group, next: &Group) -> bool {
    if prev.has_x {
        return false;
    }
    let gap = next.start.saturating_sub(prev.end);
    (1..=MAX_SEPARATOR_RUN).contains(&gap)
        && chars
            .get(prev.end..next.start)
            .is_some_and(|between| between.iter().all(|&c| is_separator(c)))
}

fn scan_numbers(chars: &[char], findings: &mut Vec<Finding>) {
    let groups = digit_groups(chars);
    // Matches with the char offset just past them.
    let mut found: Vec<(Finding, usize)> = Vec::new();
    for (i, first) in groups.iter().enumerate() {
        // `+8613812345678`: country code written without a separator.
        if first.start > 0
            && chars.get(first.start - 1) == Some(&'+')
            && !first.has_x
            && first.digits.len() == 13
            && let Some(national) = first.digits.strip_prefix("86")
            && is_mobile(national)
        {
            found.push((mobile_finding(national, first.start + 2), first.end));
        }

        let mut number = String::new();
        let mut prev: Option<&Group> = None;
        for group in groups.iter().skip(i) {
            if let Some(p) = prev
                && !joined(chars, p, group)
            {
                break;
            }
            number.push_str(&group.digits);
            if group.has_x {
                number.push('X');
            } else if is_mobile(&number) {
                found.push((mobile_finding(&number, first.start), group.end));
            }
            if is_resident_id(&number) {
                let id = Finding {
                    kind: FindingKind::ResidentId,
                    masked: keep_ends(&number, 4, 4),
                    at: first.start,
                };
                found.push((id, group.end));
            }
            if group.has_x || number.len() >= 18 {
                break;
            }
            prev = Some(group);
        }
    }
    // Eleven digits of a spaced-out ID (`3 5 0 5 0 3 1 9 8 5 …`) are part of the ID, not a
    // mobile number of their own.
    let ids: Vec<(usize, usize)> = found
        .iter()
        .filter(|(f, _)| f.kind == FindingKind::ResidentId)
        .map(|(f, end)| (f.at, *end))
        .collect();
    findings.extend(
        found
            .into_iter()
            .filter(|(f, end)| {
                f.kind != FindingKind::Mobile || !ids.iter().any(|&(s, e)| s <= f.at && *end <= e)
            })
            .map(|(f, _)| f),
    );
}

/// 11 ASCII digits starting with `13`–`19`.
fn is_mobile(number: &str) -> bool {
    let b = number.as_bytes();
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b.first() == Some(&b'1')
        && b.get(1).is_some_and(|d| (b'3'..=b'9').contains(d))
}

/// 18 characters — 17 digits and a check character — whose GB 11643-1999 check character is
/// right. `number` is ASCII with an uppercase `X`, as built by [`scan_numbers`].
fn is_resident_id(number: &str) -> bool {
    number.len() == 18
        && number
            .get(..17)
            .and_then(resident_id_check_char)
            .is_some_and(|check| number.ends_with(check))
}

fn mobile_finding(number: &str, at: usize) -> Finding {
    Finding {
        kind: FindingKind::Mobile,
        masked: keep_ends(number, 3, 4),
        at,
    }
}

/// Keep the first `front` and last `back` characters of an ASCII number, masking the rest.
fn keep_ends(number: &str, front: usize, back: usize) -> String {
    let n = number.chars().count();
    number
        .chars()
        .enumerate()
        .map(|(i, c)| if i < front || i + back >= n { c } else { '*' })
        .collect()
}

fn scan_hidden(chars: &[char], hidden: &[String], findings: &mut Vec<Finding>) {
    // The text without whitespace, and for each of its characters the offset in `chars`.
    let (stripped, offsets): (Vec<char>, Vec<usize>) = chars
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_whitespace())
        .map(|(i, &c)| (c, i))
        .unzip();
    for phrase in hidden {
        let phrase: String = phrase.chars().filter(|c| !c.is_whitespace()).collect();
        if phrase.is_empty() {
            continue;
        }
        let needle: Vec<char> = phrase.chars().map(fold).collect();
        let masked = mask_name(&phrase);
        for (k, window) in stripped.windows(needle.len()).enumerate() {
            if window == needle.as_slice()
                && let Some(&at) = offsets.get(k)
            {
                findings.push(Finding {
                    kind: FindingKind::Name,
                    masked: masked.clone(),
                    at,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::ResidentId;

    const ID: &str = "350503198506150026";

    fn kinds(findings: &[Finding]) -> Vec<(FindingKind, usize)> {
        findings.iter().map(|f| (f.kind, f.at)).collect()
    }

    fn none() -> Vec<String> {
        Vec::new()
    }

    #[test]
    fn test_id_is_valid_per_validator() {
        assert!(ResidentId::parse(ID).is_ok());
        assert_eq!(resident_id_check_char(&ID[..17]), Some('6'));
    }

    #[test]
    fn valid_id_found_and_masked() {
        let text = format!("申请人身份证号{ID}，住址略。");
        let found = scan(&text, &none());
        assert_eq!(
            found,
            vec![Finding {
                kind: FindingKind::ResidentId,
                masked: "3505**********0026".into(),
                at: 7,
            }]
        );
    }

    #[test]
    fn id_with_x_check_character_found() {
        // 11010519491231002X is the GB 11643-1999 example number.
        assert!(ResidentId::parse("11010519491231002X").is_ok());
        for text in ["号码11010519491231002X。", "号码11010519491231002x。"] {
            let found = scan(text, &none());
            assert_eq!(kinds(&found), vec![(FindingKind::ResidentId, 2)], "{text}");
            assert_eq!(found[0].masked, "1101**********002X");
        }
    }

    #[test]
    fn id_with_future_birth_date_still_found() {
        // Birth date 2099-01-01; only the check character is verified.
        let first17 = "35050320990101002";
        let check = resident_id_check_char(first17).unwrap_or('?');
        let text = format!("{first17}{check}");
        assert_eq!(
            kinds(&scan(&text, &none())),
            vec![(FindingKind::ResidentId, 0)]
        );
    }

    #[test]
    fn invalid_checksum_ignored() {
        // Same number with a wrong check digit (7 instead of 6).
        assert!(scan("身份证号350503198506150027。", &none()).is_empty());
    }

    #[test]
    fn id_inside_longer_digit_run_ignored() {
        assert!(scan(&format!("账号12{ID}34"), &none()).is_empty());
        assert!(scan(&format!("账号{ID}9"), &none()).is_empty());
        assert!(scan(&format!("账号9{ID}"), &none()).is_empty());
        // ... but a separate number next to it does not hide it.
        assert_eq!(
            kinds(&scan(&format!("9 {ID}"), &none())),
            vec![(FindingKind::ResidentId, 2)]
        );
    }

    #[test]
    fn id_with_separators_found() {
        for text in [
            "350503 19850615 0026",
            "350503-19850615-0026",
            "35050319850615\n0026",
            "3 5 0 5 0 3 1 9 8 5 0 6 1 5 0 0 2 6",
        ] {
            let found = scan(text, &none());
            assert_eq!(
                kinds(&found),
                vec![(FindingKind::ResidentId, 0)],
                "{text:?}"
            );
            assert_eq!(found[0].masked, "3505**********0026", "{text:?}");
        }
    }

    #[test]
    fn full_width_digits_found() {
        let found = scan("电话１３８１２３４５６７８", &none());
        assert_eq!(kinds(&found), vec![(FindingKind::Mobile, 2)]);
        assert_eq!(found[0].masked, "138****5678");
    }

    #[test]
    fn masked_forms_ignored() {
        let text = "身份证号3505**********0026，手机138****5678，姓名张*，住址█████。";
        assert!(scan(text, &["张三".to_string()]).is_empty());
        assert!(scan("110105********002X 138-****-5678", &none()).is_empty());
    }

    #[test]
    fn mobile_plain_and_with_separators_found() {
        for text in [
            "13812345678",
            "138-1234-5678",
            "138 1234 5678",
            "138 - 1234 - 5678",
        ] {
            let found = scan(text, &none());
            assert_eq!(kinds(&found), vec![(FindingKind::Mobile, 0)], "{text:?}");
            assert_eq!(found[0].masked, "138****5678", "{text:?}");
        }
    }

    #[test]
    fn mobile_with_country_code_found() {
        for (text, at) in [("+86 138 1234 5678", 4), ("+8613812345678", 3)] {
            assert_eq!(
                kinds(&scan(text, &none())),
                vec![(FindingKind::Mobile, at)],
                "{text}"
            );
        }
    }

    #[test]
    fn mobile_in_longer_run_or_wrong_prefix_ignored() {
        assert!(scan("流水号2013812345678", &none()).is_empty());
        assert!(scan("流水号138123456789", &none()).is_empty());
        assert!(scan("8613812345678", &none()).is_empty());
        assert!(scan("编号12812345678", &none()).is_empty());
        assert!(scan("1381234567", &none()).is_empty());
        // Too far apart to be one number.
        assert!(scan("138 1234    5678", &none()).is_empty());
        // Not an ID either, though 17 digits and an x: the x starts a word.
        assert!(scan("3505031985061500 2xyz", &none()).is_empty());
    }

    #[test]
    fn hidden_name_found_through_inserted_spaces() {
        let text = "经查，张 三 丰 于2020年提出申请。";
        let found = scan(text, &["张三丰".to_string()]);
        assert_eq!(
            found,
            vec![Finding {
                kind: FindingKind::Name,
                masked: "张**".into(),
                at: 3,
            }]
        );
        // Spaces in the listed phrase do not matter either.
        assert_eq!(
            kinds(&scan("张三丰", &[" 张 三丰 ".to_string()])),
            vec![(FindingKind::Name, 0)]
        );
    }

    #[test]
    fn hidden_phrase_every_occurrence_and_case_insensitive() {
        let found = scan(
            "Li Lei 与 李雷；LILEI",
            &["lilei".to_string(), "李雷".to_string()],
        );
        assert_eq!(
            kinds(&found),
            vec![
                (FindingKind::Name, 0),
                (FindingKind::Name, 9),
                (FindingKind::Name, 12)
            ]
        );
        assert_eq!(found[1].masked, "李*");
    }

    #[test]
    fn empty_hidden_entries_ignored() {
        let hidden = vec![String::new(), "  ".to_string(), "\u{3000}".to_string()];
        assert!(scan("任何文本 text", &hidden).is_empty());
    }

    #[test]
    fn findings_in_text_order_without_duplicates() {
        let text = format!("王五 电话13812345678，身份证{ID}，王五。");
        let hidden = vec![
            "王五".to_string(),
            "王五".to_string(),
            "13812345678".to_string(),
        ];
        let found = scan(&text, &hidden);
        assert_eq!(
            kinds(&found),
            vec![
                (FindingKind::Name, 0),
                (FindingKind::Mobile, 5),
                (FindingKind::ResidentId, 20),
                (FindingKind::Name, 39),
            ]
        );
        let ats: Vec<usize> = found.iter().map(|f| f.at).collect();
        let mut sorted = ats.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ats, sorted);
    }

    #[test]
    fn kinds_have_labels_and_machine_names() {
        assert_eq!(FindingKind::ResidentId.zh(), "身份证号码");
        assert_eq!(FindingKind::Mobile.zh(), "手机号码");
        assert_eq!(FindingKind::Name.zh(), "姓名");
        assert_eq!(FindingKind::Mobile.en(), "mobile number");
        let json = serde_json::to_string(&Finding {
            kind: FindingKind::ResidentId,
            masked: "x".into(),
            at: 1,
        })
        .unwrap_or_default();
        assert_eq!(json, r#"{"kind":"resident_id","masked":"x","at":1}"#);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_keeps_order(text in "[0-9xX +\\-*\n张三 ０-９]{0,60}", name in "[张三 ]{0,3}") {
            let found = scan(&text, &[name]);
            let n = text.chars().count();
            for pair in found.windows(2) {
                proptest::prop_assert!(pair[0].at < pair[1].at);
            }
            for f in &found {
                proptest::prop_assert!(f.at < n);
            }
        }
    }
}
