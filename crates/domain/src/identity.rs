//! Identifiers of applicants: the 公民身份号码 of a person and the 统一社会信用代码 of an
//! organisation, together the "一号" ([`ApplicantId`]) under which a one-window case is filed.
//!
//! * [`ResidentId`] — 公民身份号码, GB 11643-1999: 6-digit address code (GB/T 2260), 8-digit birth
//!   date, 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character.
//! * [`CreditCode`] — 统一社会信用代码, GB 32100-2015: 18 characters over a 31-character alphabet,
//!   MOD 31 check character; positions 9–17 embed a 组织机构代码 (GB 11714-1997) with its own
//!   MOD 11 check digit, which is only *warned* about (see [`CreditCodeWarning`]).
//!
//! All parsers first [`normalize`] their input (trim, full-width → half-width, uppercase), so that
//! `１１０１０５１９４９１２３１００２ｘ` typed with a Chinese input method is accepted.
//! Error messages name the field and exist in Chinese and English.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DomainError;

/// Normalise user input before identifier validation.
///
/// Steps: full-width ASCII forms (U+FF01..U+FF5E, typed with Chinese input methods) become their
/// half-width counterparts, the ideographic space U+3000 is removed wherever it occurs, the result
/// is trimmed, and ASCII letters are uppercased (GB 11643-1999 and GB 32100-2015 both use
/// uppercase letters only; a lowercase `x` check character is accepted this way). Non-ASCII
/// characters are otherwise kept so that validators can report them precisely.
pub fn normalize(input: &str) -> String {
    let mapped: String = input
        .chars()
        .filter_map(|c| match c {
            '\u{3000}' => None,
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0),
            _ => Some(c),
        })
        .collect();
    mapped
        .trim()
        .chars()
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Human-readable rendering of one offending character for error messages: control and
/// whitespace characters are shown as `U+XXXX`, anything else as itself.
fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        c.to_string()
    }
}

/// Today's date in China Standard Time (UTC+8), the reference for "birth date not in the future".
fn today_in_china() -> NaiveDate {
    (Utc::now().naive_utc() + TimeDelta::hours(8)).date()
}

/// Serde error carrying both language versions of a domain error.
pub(crate) fn serde_error<E: serde::de::Error>(err: &DomainError) -> E {
    E::custom(format!("{} / {}", err.message_zh(), err.message_en()))
}

// ---------------------------------------------------------------------------------------------
// 公民身份号码 — GB 11643-1999
// ---------------------------------------------------------------------------------------------

const RESIDENT_ID_FIELD: &str = "resident_id";

/// GB 11643-1999 / ISO 7064 MOD 11-2 weights for positions 1..17 (= 2^(17−i) mod 11).
const RESIDENT_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// GB 11643-1999 check characters indexed by (Σ digit × weight) mod 11; value 10 is written `X`.
const RESIDENT_ID_CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Earliest accepted birth year (birth dates before 1800-01-01 are rejected).
const EARLIEST_BIRTH_YEAR: i32 = 1800;

/// Check character of a 公民身份号码 (GB 11643-1999, ISO 7064 MOD 11-2).
///
/// `first17` must be exactly 17 ASCII digits (the address code, birth date and sequence code);
/// otherwise `None`. The result is `'0'..='9'` or `'X'`: `C = "10X98765432"[Σ dᵢ·Wᵢ mod 11]` with
/// `W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]`.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(RESIDENT_ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    RESIDENT_ID_CHECK_CHARS.get((sum % 11) as usize).copied()
}

fn resident_err(zh: String, en: String) -> DomainError {
    DomainError::field(RESIDENT_ID_FIELD, zh, en)
}

/// A validated 公民身份号码 (citizen identity number), GB 11643-1999.
///
/// Always stored in its 18-character form with an uppercase `X`; legacy 15-digit numbers are
/// upgraded on parsing. The address code is *not* checked against today's GB/T 2260 list:
/// numbers keep the code of the place of first registration, which may since have been abolished.
///
/// Personal information (PIPL art. 28, GB/T 35273-2020): display it only through
/// [`crate::masking::mask_resident_id`]. `Debug` prints the full number, so do not log values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResidentId {
    code: String,
    birth: NaiveDate,
}

impl ResidentId {
    /// Parse and validate a 公民身份号码, using today's date in China (UTC+8) as the latest
    /// acceptable birth date. See [`ResidentId::parse_on`].
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::parse_on(input, today_in_china())
    }

    /// Parse and validate a 公民身份号码 against a given "today" (deterministic variant of
    /// [`ResidentId::parse`]).
    ///
    /// Rules (GB 11643-1999): after [`normalize`], either 18 characters — 17 digits then a digit
    /// or `X` — whose MOD 11-2 check character matches, or a legacy 15-digit number (6 address +
    /// `YYMMDD` + 3 sequence, no check character) which is upgraded to 18 characters by inserting
    /// `19` before the year and appending the computed check character. The birth date must be a
    /// real calendar date, not after `today` and not before 1800-01-01.
    ///
    /// Errors (field `resident_id`) distinguish: empty input, wrong length, illegal character
    /// (with its position), invalid birth date, and wrong check character (with the expected one).
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<Self, DomainError> {
        let s = normalize(input);
        let chars: Vec<char> = s.chars().collect();
        match chars.len() {
            0 => Err(resident_err(
                "公民身份号码不能为空".into(),
                "resident ID: must not be empty".into(),
            )),
            15 => {
                if let Some((i, &c)) = chars.iter().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
                    return Err(resident_err(
                        format!(
                            "公民身份号码第 {} 位含非法字符「{}」（15 位旧号码须全部为数字）",
                            i + 1,
                            describe_char(c)
                        ),
                        format!(
                            "resident ID: illegal character '{}' at position {} (a legacy 15-digit number must consist of digits only)",
                            describe_char(c),
                            i + 1
                        ),
                    ));
                }
                // GB 11643-1999 upgrade of 15-digit numbers issued before 1999: the two-digit
                // year is in the 1900s; insert "19" and compute the check character.
                let first17 = format!("{}19{}", &s[..6], &s[6..]);
                let birth = check_birth_date(&first17[6..14], today)?;
                match resident_id_check_char(&first17) {
                    Some(check) => Ok(Self {
                        code: format!("{first17}{check}"),
                        birth,
                    }),
                    None => Err(resident_err(
                        "公民身份号码无法计算校验码".into(),
                        "resident ID: cannot compute the check digit".into(),
                    )),
                }
            }
            18 => {
                for (i, &c) in chars.iter().enumerate() {
                    let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
                    if !ok {
                        let (zh_rule, en_rule) = if i == 17 {
                            ("第 18 位须为数字或 X", "position 18 must be a digit or X")
                        } else {
                            ("前 17 位须为数字", "positions 1–17 must be digits")
                        };
                        return Err(resident_err(
                            format!(
                                "公民身份号码第 {} 位含非法字符「{}」（{zh_rule}）",
                                i + 1,
                                describe_char(c)
                            ),
                            format!(
                                "resident ID: illegal character '{}' at position {} ({en_rule})",
                                describe_char(c),
                                i + 1
                            ),
                        ));
                    }
                }
                // All characters are ASCII from here on, so byte slicing is on char boundaries.
                let birth = check_birth_date(&s[6..14], today)?;
                let found = chars.get(17).copied().unwrap_or('?');
                match resident_id_check_char(&s[..17]) {
                    Some(expected) if expected == found => Ok(Self { code: s, birth }),
                    Some(expected) => Err(resident_err(
                        format!("公民身份号码校验码错误（第 18 位为 {found}，应为 {expected}）"),
                        format!(
                            "resident ID: wrong check digit (expected {expected}, found {found})"
                        ),
                    )),
                    None => Err(resident_err(
                        "公民身份号码无法计算校验码".into(),
                        "resident ID: cannot compute the check digit".into(),
                    )),
                }
            }
            n => Err(resident_err(
                format!("公民身份号码长度错误：应为 18 位（或旧版 15 位），实际为 {n} 位"),
                format!(
                    "resident ID: wrong length: expected 18 characters (or a legacy 15-digit number), got {n}"
                ),
            )),
        }
    }

    /// The 18-character number (uppercase `X`).
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// Birth date encoded in positions 7–14 (GB 11643-1999 出生日期码).
    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// Whether the holder is male: GB 11643-1999 顺序码 (positions 15–17) is odd for men and even
    /// for women, i.e. the parity of the 17th digit.
    pub fn is_male(&self) -> bool {
        self.code
            .as_bytes()
            .get(16)
            .is_some_and(|d| (d - b'0') % 2 == 1)
    }

    /// The 6-digit address code (positions 1–6, GB/T 2260 county code at first registration; may
    /// no longer exist in today's list).
    pub fn region_prefix(&self) -> &str {
        self.code.get(..6).unwrap_or("")
    }
}

/// Validate the 8-digit `YYYYMMDD` birth date segment (GB 11643-1999 出生日期码).
fn check_birth_date(yyyymmdd: &str, today: NaiveDate) -> Result<NaiveDate, DomainError> {
    let num = |r: std::ops::Range<usize>| -> u32 {
        yyyymmdd
            .get(r)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let (y, m, d) = (num(0..4), num(4..6), num(6..8));
    let shown = format!("{y:04}-{m:02}-{d:02}");
    let Some(date) = i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
    else {
        return Err(resident_err(
            format!("公民身份号码中的出生日期 {shown} 不是有效日期"),
            format!("resident ID: birth date {shown} is not a real calendar date"),
        ));
    };
    if date.year() < EARLIEST_BIRTH_YEAR {
        return Err(resident_err(
            format!("公民身份号码中的出生日期 {shown} 早于 1800-01-01"),
            format!("resident ID: birth date {shown} is before 1800-01-01"),
        ));
    }
    if date > today {
        return Err(resident_err(
            format!("公民身份号码中的出生日期 {shown} 晚于今天（{today}）"),
            format!("resident ID: birth date {shown} is in the future (today is {today})"),
        ));
    }
    Ok(date)
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl FromStr for ResidentId {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ResidentId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code)
    }
}

impl<'de> Deserialize<'de> for ResidentId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|e| serde_error(&e))
    }
}

// ---------------------------------------------------------------------------------------------
// 统一社会信用代码 — GB 32100-2015; 组织机构代码 — GB 11714-1997
// ---------------------------------------------------------------------------------------------

const CREDIT_CODE_FIELD: &str = "credit_code";

/// GB 32100-2015 code alphabet: digits and uppercase letters without I, O, S, V, Z (31 chars);
/// a character's value is its index.
pub const CREDIT_CODE_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// GB 32100-2015 weights for positions 1..17 (= 3^(i−1) mod 31).
const CREDIT_CODE_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714-1997 weights for the 8 body characters of a 组织机构代码.
const ORG_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A 机构类别码 with its Chinese name.
type Category = (char, &'static str);

/// 登记管理部门码 (position 1) with its name and its 机构类别码 (position 2) list, per the
/// GB 32100-2015 code tables as amended (spec §4.2).
const REGISTRATION_CATEGORIES: &[(char, &str, &[Category])] = &[
    (
        '1',
        "机构编制",
        &[
            ('1', "机关"),
            ('2', "事业单位"),
            ('3', "中央编办直接管理机构编制的群众团体"),
            ('9', "其他"),
        ],
    ),
    ('2', "外交", &[('1', "外国常驻新闻机构"), ('9', "其他")]),
    (
        '3',
        "司法行政",
        &[
            ('1', "律师执业机构"),
            ('2', "公证处"),
            ('3', "基层法律服务所"),
            ('4', "司法鉴定机构"),
            ('5', "仲裁委员会"),
            ('9', "其他"),
        ],
    ),
    ('4', "文化", &[('1', "外国在华文化中心"), ('9', "其他")]),
    (
        '5',
        "民政",
        &[
            ('1', "社会团体"),
            ('2', "民办非企业单位"),
            ('3', "基金会"),
            ('9', "其他"),
        ],
    ),
    (
        '6',
        "旅游",
        &[
            ('1', "外国旅游部门常驻代表机构"),
            ('2', "港澳台地区旅游部门常驻内地（大陆）代表机构"),
            ('9', "其他"),
        ],
    ),
    (
        '7',
        "宗教",
        &[('1', "宗教活动场所"), ('2', "宗教院校"), ('9', "其他")],
    ),
    ('8', "工会", &[('1', "基层工会"), ('9', "其他")]),
    (
        '9',
        "工商",
        &[('1', "企业"), ('2', "个体工商户"), ('3', "农民专业合作社")],
    ),
    (
        'A',
        "中央军委改革和编制办公室",
        &[('1', "军队事业单位"), ('9', "其他")],
    ),
    (
        'N',
        "农业",
        &[
            ('1', "组级集体经济组织"),
            ('2', "村级集体经济组织"),
            ('3', "乡镇级集体经济组织"),
            ('9', "其他"),
        ],
    ),
    ('Y', "其他", &[('1', "其他")]),
];

fn credit_value(c: char) -> Option<u32> {
    CREDIT_CODE_ALPHABET
        .chars()
        .position(|a| a == c)
        .and_then(|i| u32::try_from(i).ok())
}

/// GB 11714-1997 value of a body character: `0`–`9` → 0–9, `A`–`Z` → 10–35.
fn org_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' | 'A'..='Z' => c.to_digit(36),
        _ => None,
    }
}

/// Check character (position 18) of a 统一社会信用代码, GB 32100-2015.
///
/// `first17` must be 17 characters of [`CREDIT_CODE_ALPHABET`] (uppercase), otherwise `None`.
/// `C18 = alphabet[(31 − Σ value(cᵢ)·3^(i−1) mod 31) mod 31]`.
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(CREDIT_CODE_WEIGHTS) {
        sum += credit_value(c)? * w;
    }
    let idx = (31 - sum % 31) % 31;
    CREDIT_CODE_ALPHABET.chars().nth(idx as usize)
}

/// Check character of a 组织机构代码, GB 11714-1997 (position 9 of the code, position 17 of a
/// 统一社会信用代码).
///
/// `first8` must be 8 characters from `0-9A-Z` (uppercase), otherwise `None`.
/// `c = 11 − (Σ value·W mod 11)` with `W = [3, 7, 9, 10, 5, 8, 4, 2]`; 10 is written `X`, 11 `0`.
pub fn org_code_check_char(first8: &str) -> Option<char> {
    if first8.chars().count() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first8.chars().zip(ORG_CODE_WEIGHTS) {
        sum += org_value(c)? * w;
    }
    match 11 - sum % 11 {
        10 => Some('X'),
        11 => Some('0'),
        n => char::from_digit(n, 10),
    }
}

fn credit_err(zh: String, en: String) -> DomainError {
    DomainError::field(CREDIT_CODE_FIELD, zh, en)
}

/// A 统一社会信用代码 (unified social credit code) that passed the GB 32100-2015 checks.
///
/// Structure: position 1 登记管理部门码, 2 机构类别码, 3–8 登记管理机关行政区划码 (GB/T 2260),
/// 9–17 主体标识码 (组织机构代码, GB 11714-1997), 18 check character (MOD 31).
/// Organisations' codes are public information (they are printed on every business licence), so
/// they are displayed unmasked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

/// A non-fatal finding about a [`CreditCode`] that passed the mandatory checks.
///
/// Real, registered codes exist whose embedded 组织机构代码 check digit or 登记管理部门码/机构类别码
/// pair does not follow the published tables, so these are shown to staff but never block intake.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CreditCodeWarning {
    /// Position 17 is not the GB 11714-1997 check character of positions 9–16.
    OrgCodeCheckMismatch {
        /// The 9-character 组织机构代码 (positions 9–17).
        org_code: String,
        /// Check character computed from positions 9–16.
        expected: char,
        /// Character actually found at position 17.
        found: char,
    },
    /// The 登记管理部门码 (position 1) / 机构类别码 (position 2) pair is not in the known table.
    UnknownCategory {
        /// Position 1.
        department: char,
        /// Position 2.
        category: char,
    },
}

impl CreditCodeWarning {
    /// Stable snake_case code for APIs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::OrgCodeCheckMismatch { .. } => "org_code_check_mismatch",
            Self::UnknownCategory { .. } => "unknown_category",
        }
    }

    /// Message in Simplified Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::OrgCodeCheckMismatch {
                org_code,
                expected,
                found,
            } => format!(
                "统一社会信用代码中的组织机构代码 {org_code} 校验码不符（第 17 位为 {found}，按 GB 11714 应为 {expected}），请核对营业执照"
            ),
            Self::UnknownCategory {
                department,
                category,
            } => format!(
                "统一社会信用代码的登记管理部门码「{department}」与机构类别码「{category}」组合不在已知代码表中，请核对"
            ),
        }
    }

    /// Message in English.
    pub fn en(&self) -> String {
        match self {
            Self::OrgCodeCheckMismatch {
                org_code,
                expected,
                found,
            } => format!(
                "credit code: the embedded organisation code {org_code} has check character {found}, GB 11714 expects {expected}; please verify against the licence"
            ),
            Self::UnknownCategory {
                department,
                category,
            } => format!(
                "credit code: registration authority '{department}' with organisation category '{category}' is not in the known code table; please verify"
            ),
        }
    }
}

impl CreditCode {
    /// Parse and validate a 统一社会信用代码 (GB 32100-2015).
    ///
    /// After [`normalize`]: exactly 18 characters of [`CREDIT_CODE_ALPHABET`] (no I, O, S, V, Z),
    /// positions 3–8 digits, and position 18 equal to [`credit_code_check_char`] of the first 17.
    /// The embedded 组织机构代码 check (GB 11714-1997) and the department/category table are only
    /// reported by [`CreditCode::warnings`]. Errors use field `credit_code`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = normalize(input);
        let chars: Vec<char> = s.chars().collect();
        if chars.is_empty() {
            return Err(credit_err(
                "统一社会信用代码不能为空".into(),
                "credit code: must not be empty".into(),
            ));
        }
        if chars.len() != 18 {
            return Err(credit_err(
                format!(
                    "统一社会信用代码长度错误：应为 18 位，实际为 {} 位",
                    chars.len()
                ),
                format!(
                    "credit code: wrong length: expected 18 characters, got {}",
                    chars.len()
                ),
            ));
        }
        for (i, &c) in chars.iter().enumerate() {
            if credit_value(c).is_none() {
                let (zh_hint, en_hint) = if matches!(c, 'I' | 'O' | 'S' | 'V' | 'Z') {
                    (
                        "统一社会信用代码不使用字母 I、O、S、V、Z",
                        "credit codes never use the letters I, O, S, V, Z",
                    )
                } else {
                    (
                        "可用字符为数字 0–9 和除 I、O、S、V、Z 以外的大写字母",
                        "allowed are digits 0–9 and uppercase letters except I, O, S, V, Z",
                    )
                };
                return Err(credit_err(
                    format!(
                        "统一社会信用代码第 {} 位字符「{}」不合法（{zh_hint}）",
                        i + 1,
                        describe_char(c)
                    ),
                    format!(
                        "credit code: illegal character '{}' at position {} ({en_hint})",
                        describe_char(c),
                        i + 1
                    ),
                ));
            }
        }
        // GB 32100-2015: positions 3–8 are the GB/T 2260 region code of the registering authority.
        for (i, &c) in chars.iter().enumerate().take(8).skip(2) {
            if !c.is_ascii_digit() {
                return Err(credit_err(
                    format!(
                        "统一社会信用代码第 3–8 位（登记管理机关行政区划码）须为数字，第 {} 位为「{c}」",
                        i + 1
                    ),
                    format!(
                        "credit code: positions 3–8 (region code of the registering authority) must be digits, found '{c}' at position {}",
                        i + 1
                    ),
                ));
            }
        }
        // Only alphabet characters (all ASCII) remain, so byte slicing is on char boundaries.
        let found = chars.get(17).copied().unwrap_or('?');
        match credit_code_check_char(&s[..17]) {
            Some(expected) if expected == found => Ok(Self(s)),
            Some(expected) => Err(credit_err(
                format!("统一社会信用代码校验码错误（第 18 位为 {found}，应为 {expected}）"),
                format!("credit code: wrong check character (expected {expected}, found {found})"),
            )),
            None => Err(credit_err(
                "统一社会信用代码无法计算校验码".into(),
                "credit code: cannot compute the check character".into(),
            )),
        }
    }

    /// Build a valid code for demo or test data: `prefix8` is 登记管理部门码 + 机构类别码 + 6-digit
    /// region code, `org_body8` the 8 body characters of the 组织机构代码 (`0-9A-Z`). The
    /// GB 11714-1997 check character (position 17) and the GB 32100-2015 check character
    /// (position 18) are computed. Fails (field `credit_code`) if an input has the wrong length
    /// or characters, or if the assembled code would contain a character outside
    /// [`CREDIT_CODE_ALPHABET`] (e.g. a body with `I`, or a body whose check character would be
    /// fine but the body itself uses `O`).
    pub fn synthesize(prefix8: &str, org_body8: &str) -> Result<Self, DomainError> {
        let prefix = normalize(prefix8);
        let body = normalize(org_body8);
        if prefix.chars().count() != 8 {
            return Err(credit_err(
                format!(
                    "统一社会信用代码前缀应为 8 位（登记管理部门码、机构类别码和 6 位行政区划码），实际为 {} 位",
                    prefix.chars().count()
                ),
                format!(
                    "credit code: the prefix must be 8 characters (authority, category, 6-digit region), got {}",
                    prefix.chars().count()
                ),
            ));
        }
        let Some(inner) = org_code_check_char(&body) else {
            return Err(credit_err(
                "统一社会信用代码的主体标识码本体应为 8 位数字或大写字母".into(),
                "credit code: the organisation code body must be 8 digits or uppercase letters"
                    .into(),
            ));
        };
        let first17 = format!("{prefix}{body}{inner}");
        if let Some((i, c)) = first17
            .chars()
            .enumerate()
            .find(|&(_, c)| credit_value(c).is_none())
        {
            return Err(credit_err(
                format!(
                    "无法生成统一社会信用代码：第 {} 位字符「{}」不在代码字符集中（不使用 I、O、S、V、Z）",
                    i + 1,
                    describe_char(c)
                ),
                format!(
                    "credit code: cannot synthesize: character '{}' at position {} is outside the code alphabet (no I, O, S, V, Z)",
                    describe_char(c),
                    i + 1
                ),
            ));
        }
        match credit_code_check_char(&first17) {
            Some(check) => Self::parse(&format!("{first17}{check}")),
            None => Err(credit_err(
                "统一社会信用代码无法计算校验码".into(),
                "credit code: cannot compute the check character".into(),
            )),
        }
    }

    /// The 18-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 登记管理部门码 (position 1), e.g. `9` for market regulation (工商).
    pub fn registration_authority(&self) -> char {
        self.0.chars().next().unwrap_or('?')
    }

    /// 机构类别码 (position 2), e.g. `1` 企业 under authority `9`.
    pub fn category(&self) -> char {
        self.0.chars().nth(1).unwrap_or('?')
    }

    /// Chinese name of the 登记管理部门 (position 1), if the code is in the known table.
    pub fn registration_authority_name_zh(&self) -> Option<&'static str> {
        let dept = self.registration_authority();
        REGISTRATION_CATEGORIES
            .iter()
            .find(|(d, _, _)| *d == dept)
            .map(|(_, name, _)| *name)
    }

    /// Chinese name of the 机构类别 (position 2 within position 1), if the pair is known.
    pub fn category_name_zh(&self) -> Option<&'static str> {
        let (dept, cat) = (self.registration_authority(), self.category());
        REGISTRATION_CATEGORIES
            .iter()
            .find(|(d, _, _)| *d == dept)
            .and_then(|(_, _, cats)| cats.iter().find(|(c, _)| *c == cat))
            .map(|(_, name)| *name)
    }

    /// 登记管理机关行政区划码 (positions 3–8, GB/T 2260; `100000` for national registrations).
    pub fn region_code(&self) -> &str {
        self.0.get(2..8).unwrap_or("")
    }

    /// 主体标识码 = 组织机构代码 (positions 9–17, GB 11714-1997, including its check character).
    pub fn org_code(&self) -> &str {
        self.0.get(8..17).unwrap_or("")
    }

    /// Non-fatal findings: the GB 11714-1997 check of the embedded 组织机构代码 and whether the
    /// 登记管理部门码/机构类别码 pair is in the known table (spec §4.2). Empty for a clean code.
    pub fn warnings(&self) -> Vec<CreditCodeWarning> {
        let mut out = Vec::new();
        if self.category_name_zh().is_none() {
            out.push(CreditCodeWarning::UnknownCategory {
                department: self.registration_authority(),
                category: self.category(),
            });
        }
        let org = self.org_code();
        let found = org.chars().nth(8).unwrap_or('?');
        if let Some(expected) = org.get(..8).and_then(org_code_check_char)
            && expected != found
        {
            out.push(CreditCodeWarning::OrgCodeCheckMismatch {
                org_code: org.to_owned(),
                expected,
                found,
            });
        }
        out
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|e| serde_error(&e))
    }
}

// ---------------------------------------------------------------------------------------------
// 一号 — applicant identifier
// ---------------------------------------------------------------------------------------------

const APPLICANT_ID_FIELD: &str = "applicant_id";

/// The applicant's identifier ("一号"): a person's 公民身份号码 or an organisation's
/// 统一社会信用代码.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ApplicantId {
    /// A natural person, identified by the GB 11643-1999 number.
    Person(ResidentId),
    /// A legal person or other organisation, identified by the GB 32100-2015 code.
    Organisation(CreditCode),
}

/// Re-label a field error as concerning `applicant_id`, keeping its messages (which say whether
/// the value was read as a 公民身份号码 or a 统一社会信用代码).
fn as_applicant_error(err: DomainError) -> DomainError {
    match err {
        DomainError::Field(mut f) => {
            f.field = APPLICANT_ID_FIELD;
            DomainError::Field(f)
        }
        other => other,
    }
}

impl ApplicantId {
    /// Parse an applicant identifier, deciding its kind by content (see
    /// [`ApplicantId::parse_on`]); "today" is the current date in China.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::parse_on(input, today_in_china())
    }

    /// Parse an applicant identifier with an explicit "today" for the birth-date rule.
    ///
    /// After [`normalize`]: 15 characters → legacy 公民身份号码; 18 characters that are 17 digits
    /// followed by a digit or `X` → 公民身份号码 if valid, else 统一社会信用代码 if valid (some
    /// enterprise codes are all digits, e.g. `914403001922038216`), else the resident-ID error
    /// (the more plausible reading); any other 18-character string (it contains a letter other
    /// than a final `X`) → 统一社会信用代码. Errors use field `applicant_id` and keep the message
    /// of the identifier kind that was assumed.
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<Self, DomainError> {
        let s = normalize(input);
        let chars: Vec<char> = s.chars().collect();
        match chars.len() {
            0 => Err(DomainError::field(
                APPLICANT_ID_FIELD,
                "证件号码不能为空（公民身份号码或统一社会信用代码）",
                "applicant ID: must not be empty (resident ID or credit code)",
            )),
            15 => ResidentId::parse_on(&s, today)
                .map(Self::Person)
                .map_err(as_applicant_error),
            18 => {
                let looks_like_person = chars.iter().take(17).all(char::is_ascii_digit)
                    && chars
                        .get(17)
                        .is_some_and(|c| c.is_ascii_digit() || *c == 'X');
                if looks_like_person {
                    match ResidentId::parse_on(&s, today) {
                        Ok(id) => Ok(Self::Person(id)),
                        Err(person_err) => CreditCode::parse(&s)
                            .map(Self::Organisation)
                            .map_err(|_| as_applicant_error(person_err)),
                    }
                } else {
                    CreditCode::parse(&s)
                        .map(Self::Organisation)
                        .map_err(as_applicant_error)
                }
            }
            n => Err(DomainError::field(
                APPLICANT_ID_FIELD,
                format!(
                    "证件号码长度错误：公民身份号码应为 18 位（或旧版 15 位），统一社会信用代码应为 18 位，实际为 {n} 位"
                ),
                format!(
                    "applicant ID: wrong length: a resident ID has 18 characters (legacy 15), a credit code 18; got {n}"
                ),
            )),
        }
    }

    /// `"resident-id"` for a person, `"credit-code"` for an organisation.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Person(_) => "resident-id",
            Self::Organisation(_) => "credit-code",
        }
    }

    /// The identifier as stored (18 characters).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Person(id) => id.as_str(),
            Self::Organisation(code) => code.as_str(),
        }
    }
}

impl From<ResidentId> for ApplicantId {
    fn from(id: ResidentId) -> Self {
        Self::Person(id)
    }
}

impl From<CreditCode> for ApplicantId {
    fn from(code: CreditCode) -> Self {
        Self::Organisation(code)
    }
}

impl fmt::Display for ApplicantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApplicantId {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ApplicantId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ApplicantId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|e| serde_error(&e))
    }
}

/// Check an e-mail address as people type it: one `@`, a local part and a domain with a dot,
/// no spaces or angle brackets, at most 254 characters (RFC 5321 §4.5.3.1.3). Deliverability is
/// the mail server's to find out; this catches typing mistakes before a letter is promised by
/// e-mail.
pub fn check_email(field: &'static str, s: &str) -> Result<(), DomainError> {
    let s = s.trim();
    let ok = s.chars().count() <= 254
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';'))
        && match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            }
            None => false,
        };
    if ok {
        Ok(())
    } else {
        Err(DomainError::field(
            field,
            format!("电子邮箱“{s}”格式不正确（例如 name@example.com）"),
            format!("{field}: “{s}” is not an e-mail address (e.g. name@example.com)"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn field_err(r: Result<impl fmt::Debug, DomainError>) -> crate::FieldError {
        match r.unwrap_err() {
            DomainError::Field(f) => f,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn normalize_examples() {
        assert_eq!(
            normalize("\u{3000} １１０１０５１９４９１２３１００２ｘ "),
            "11010519491231002X"
        );
        assert_eq!(normalize("ａｂｃ\u{3000}ｄ"), "ABCD");
        assert_eq!(normalize("  91350203m0001qay9b\n"), "91350203M0001QAY9B");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn resident_id_check_char_matches_spec_script() {
        assert_eq!(resident_id_check_char("11010519491231002"), Some('X'));
        assert_eq!(resident_id_check_char("44052418800101001"), Some('4'));
        assert_eq!(resident_id_check_char("1101051949123100"), None);
        assert_eq!(resident_id_check_char("1101051949123100A"), None);
    }

    #[test]
    fn resident_id_valid_examples() {
        for (s, birth, male) in [
            ("11010519491231002X", day(1949, 12, 31), false),
            ("440524188001010014", day(1880, 1, 1), true),
            ("110101200001010010", day(2000, 1, 1), true),
            ("810000199001011230", day(1990, 1, 1), true),
            ("83000019850615456X", day(1985, 6, 15), false),
            ("440301198002290015", day(1980, 2, 29), true),
        ] {
            let id = ResidentId::parse(s).unwrap();
            assert_eq!(id.as_str(), s);
            assert_eq!(id.birth_date(), birth, "{s}");
            assert_eq!(id.is_male(), male, "{s}");
            assert_eq!(id.region_prefix(), &s[..6]);
            assert_eq!(id.to_string(), s);
        }
    }

    #[test]
    fn resident_id_lowercase_and_full_width() {
        let id = ResidentId::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        let id = ResidentId::parse("１１０１０５１９４９１２３１００２ｘ").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        let id: ResidentId = " 11010519491231002X\u{3000}".parse().unwrap();
        assert_eq!(id.region_prefix(), "110105");
    }

    #[test]
    fn resident_id_legacy_15_is_upgraded() {
        let id = ResidentId::parse("110105491231002").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), day(1949, 12, 31));
        assert!(!id.is_male());
        let bad = field_err(ResidentId::parse("110105491331002"));
        assert!(bad.zh.contains("出生日期"), "{}", bad.zh);
        let bad = field_err(ResidentId::parse("11010549123100A"));
        assert!(bad.zh.contains("第 15 位"), "{}", bad.zh);
    }

    #[test]
    fn resident_id_wrong_check_digit_names_expected() {
        let e = field_err(ResidentId::parse("110105194912310021"));
        assert_eq!(e.field, "resident_id");
        assert!(
            e.zh.contains("校验码错误") && e.zh.contains("应为 X"),
            "{}",
            e.zh
        );
        assert!(e.en.contains("expected X"), "{}", e.en);
    }

    #[test]
    fn resident_id_errors_are_distinct() {
        let len = field_err(ResidentId::parse("1101051949123100"));
        assert!(
            len.zh.contains("长度") && len.zh.contains("16"),
            "{}",
            len.zh
        );
        assert!(len.en.contains("wrong length"));
        let empty = field_err(ResidentId::parse("   "));
        assert!(empty.zh.contains("不能为空"));
        let ch = field_err(ResidentId::parse("1101051949123100AX"));
        assert!(
            ch.zh.contains("第 17 位") && ch.zh.contains("「A」"),
            "{}",
            ch.zh
        );
        assert!(ch.en.contains("position 17"), "{}", ch.en);
        let ch = field_err(ResidentId::parse("11010519491231002Y"));
        assert!(
            ch.zh.contains("第 18 位") && ch.zh.contains("数字或 X"),
            "{}",
            ch.zh
        );
        let ch = field_err(ResidentId::parse("110105 1949123100X"));
        assert!(ch.zh.contains("U+0020"), "{}", ch.zh);
        // 2023-02-29 does not exist (not a leap year).
        let b17 = "11010520230229001";
        let s = format!("{b17}{}", resident_id_check_char(b17).unwrap());
        let date = field_err(ResidentId::parse(&s));
        assert!(date.zh.contains("不是有效日期"), "{}", date.zh);
        assert!(date.en.contains("not a real calendar date"));
        // 1900 is not a leap year, 2000 is.
        let b17 = "11010519000229001";
        let s = format!("{b17}{}", resident_id_check_char(b17).unwrap());
        assert!(ResidentId::parse(&s).is_err());
        let b17 = "11010520000229001";
        let s = format!("{b17}{}", resident_id_check_char(b17).unwrap());
        assert!(ResidentId::parse(&s).is_ok());
        // Before 1800.
        let b17 = "11010517991231001";
        let s = format!("{b17}{}", resident_id_check_char(b17).unwrap());
        let early = field_err(ResidentId::parse(&s));
        assert!(early.zh.contains("1800-01-01"), "{}", early.zh);
    }

    #[test]
    fn resident_id_future_birth_date_rejected() {
        let b17 = "11010520300101001";
        let s = format!("{b17}{}", resident_id_check_char(b17).unwrap());
        let e = field_err(ResidentId::parse_on(&s, day(2026, 8, 1)));
        assert!(e.zh.contains("晚于今天"), "{}", e.zh);
        assert!(e.en.contains("future"));
        assert!(ResidentId::parse_on(&s, day(2030, 1, 1)).is_ok());
    }

    #[test]
    fn resident_id_serde_round_trip_and_validation() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"11010519491231002X\"");
        let back: ResidentId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        let bad = serde_json::from_str::<ResidentId>("\"110105194912310021\"").unwrap_err();
        assert!(bad.to_string().contains("校验码错误"), "{bad}");
        assert!(bad.to_string().contains("expected X"), "{bad}");
    }

    #[test]
    fn credit_code_valid_examples() {
        for s in [
            "91110000710925462X",
            "91440300100012316L",
            "91100000100003962T",
            "914403001922038216",
            "9144030071526726XG",
            "91440300192317458F",
            "9144030010001686XA",
            "91440300192181490G",
            "91110000710926094P",
            "91330100716105852F",
        ] {
            let code = CreditCode::parse(s).unwrap();
            assert_eq!(code.as_str(), s);
            assert!(code.warnings().is_empty(), "{s}: {:?}", code.warnings());
            assert_eq!(code.registration_authority(), '9');
            assert_eq!(code.category_name_zh(), Some("企业"));
            assert_eq!(code.registration_authority_name_zh(), Some("工商"));
        }
        let tencent = CreditCode::parse("9144030071526726XG").unwrap();
        assert_eq!(tencent.region_code(), "440300");
        assert_eq!(tencent.org_code(), "71526726X");
        assert_eq!(credit_code_check_char("91110000710925462"), Some('X'));
        assert_eq!(org_code_check_char("71092546"), Some('2'));
        assert_eq!(org_code_check_char("71526726"), Some('X'));
        assert_eq!(org_code_check_char("7152672"), None);
        assert_eq!(credit_code_check_char("9111000071092546I"), None);
    }

    #[test]
    fn credit_code_negative_examples() {
        let e = field_err(CreditCode::parse("91100000100003962A"));
        assert_eq!(e.field, "credit_code");
        assert!(
            e.zh.contains("校验码错误") && e.zh.contains("应为 T"),
            "{}",
            e.zh
        );
        assert!(e.en.contains("expected T"));
        let e = field_err(CreditCode::parse("914403001922038217"));
        assert!(e.zh.contains("应为 6"), "{}", e.zh);
        let e = field_err(CreditCode::parse("91110000710925462"));
        assert!(e.zh.contains("长度") && e.zh.contains("17"), "{}", e.zh);
        let e = field_err(CreditCode::parse("9111000071O925462X"));
        assert!(
            e.zh.contains("第 11 位") && e.zh.contains("「O」"),
            "{}",
            e.zh
        );
        assert!(e.zh.contains("I、O、S、V、Z"), "{}", e.zh);
        assert!(e.en.contains("position 11"), "{}", e.en);
        let e = field_err(CreditCode::parse("9111000071#925462X"));
        assert!(e.zh.contains("「#」"), "{}", e.zh);
        // Letter in the region segment (positions 3–8).
        let first17 = "911A0000710925462";
        let s = format!("{first17}{}", credit_code_check_char(first17).unwrap());
        let e = field_err(CreditCode::parse(&s));
        assert!(
            e.zh.contains("第 3–8 位") && e.zh.contains("第 4 位"),
            "{}",
            e.zh
        );
    }

    /// `91350203M0001QAY9B` is hard-coded as an exception in one public validator. Computing it:
    /// the embedded 组织机构代码 `M0001QAY9` passes GB 11714 (check `9`), but position 18 is `B`
    /// where GB 32100 requires `9` — so it is rejected by the mandatory check. What the spec asks
    /// for is that the *inner* check is only a warning, which the synthetic cases below pin down.
    #[test]
    fn credit_code_exception_case_and_inner_check_is_warning() {
        assert_eq!(credit_code_check_char("91350203M0001QAY9"), Some('9'));
        assert_eq!(org_code_check_char("M0001QAY"), Some('9'));
        let e = field_err(CreditCode::parse("91350203M0001QAY9B"));
        assert!(e.zh.contains("应为 9"), "{}", e.zh);
        let fixed = CreditCode::parse("91350203M0001QAY99").unwrap();
        assert!(fixed.warnings().is_empty());

        // Inner check digit wrong (should be 2, is 3), position 18 recomputed: accepted + warning.
        let first17 = "911100007109254630"[..17].to_string();
        let s = format!("{first17}{}", credit_code_check_char(&first17).unwrap());
        let code = CreditCode::parse(&s).unwrap();
        let w = code.warnings();
        assert_eq!(
            w,
            vec![CreditCodeWarning::OrgCodeCheckMismatch {
                org_code: "710925463".into(),
                expected: '2',
                found: '3',
            }]
        );
        assert_eq!(w[0].code(), "org_code_check_mismatch");
        assert!(w[0].zh().contains("应为 2"), "{}", w[0].zh());
        assert!(w[0].en().contains("expects 2"), "{}", w[0].en());
    }

    #[test]
    fn credit_code_unknown_category_is_warning() {
        let code = CreditCode::synthesize("94350503", "12345678").unwrap();
        assert_eq!(
            code.warnings(),
            vec![CreditCodeWarning::UnknownCategory {
                department: '9',
                category: '4'
            }]
        );
        assert!(code.warnings()[0].zh().contains("机构类别码"));
        let known = CreditCode::synthesize("N2350503", "MA2Y3K4B").unwrap();
        assert!(known.warnings().is_empty());
        assert_eq!(known.category_name_zh(), Some("村级集体经济组织"));
    }

    #[test]
    fn credit_code_synthesize() {
        let code = CreditCode::synthesize("91350503", "MA2YXK4B").unwrap();
        assert_eq!(code.region_code(), "350503");
        assert_eq!(
            org_code_check_char("MA2YXK4B"),
            code.org_code().chars().nth(8)
        );
        assert!(code.warnings().is_empty());
        // Matches the real PetroChina code when given its parts.
        assert_eq!(
            CreditCode::synthesize("91110000", "71092546")
                .unwrap()
                .as_str(),
            "91110000710925462X"
        );
        let e = field_err(CreditCode::synthesize("91350503", "MA2YIK4B"));
        assert!(e.zh.contains("「I」"), "{}", e.zh);
        assert!(CreditCode::synthesize("9135050", "MA2YXK4B").is_err());
        assert!(CreditCode::synthesize("91350503", "MA2YXK4").is_err());
        assert!(CreditCode::synthesize("913505A3", "MA2YXK4B").is_err());
    }

    #[test]
    fn credit_code_serde() {
        let code = CreditCode::parse("91110000710925462x").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"91110000710925462X\"");
        assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), code);
        assert!(serde_json::from_str::<CreditCode>("\"91100000100003962A\"").is_err());
        let code2: CreditCode = "９１１１００００７１０９２５４６２Ｘ".parse().unwrap();
        assert_eq!(code2, code);
    }

    #[test]
    fn applicant_id_dispatch() {
        let p = ApplicantId::parse("11010519491231002X").unwrap();
        assert_eq!(p.kind(), "resident-id");
        assert!(matches!(p, ApplicantId::Person(_)));
        let p = ApplicantId::parse("110105491231002").unwrap();
        assert_eq!(p.as_str(), "11010519491231002X");
        let o = ApplicantId::parse("91110000710925462X").unwrap();
        assert_eq!(o.kind(), "credit-code");
        // All-digit credit code: not a valid resident ID (birth date 0019-22-03).
        let o = ApplicantId::parse("914403001922038216").unwrap();
        assert!(matches!(o, ApplicantId::Organisation(_)));
        assert_eq!(o.to_string(), "914403001922038216");
    }

    #[test]
    fn applicant_id_errors() {
        let e = field_err(ApplicantId::parse("110105194912310021"));
        assert_eq!(e.field, "applicant_id");
        assert!(e.zh.contains("公民身份号码校验码错误"), "{}", e.zh);
        let e = field_err(ApplicantId::parse("91100000100003962A"));
        assert_eq!(e.field, "applicant_id");
        assert!(e.zh.contains("统一社会信用代码校验码错误"), "{}", e.zh);
        let e = field_err(ApplicantId::parse("914403001922038217"));
        assert!(e.zh.contains("公民身份号码"), "{}", e.zh);
        let e = field_err(ApplicantId::parse("11010519491231002Y"));
        assert!(e.zh.contains("统一社会信用代码"), "{}", e.zh);
        let e = field_err(ApplicantId::parse("9111000071092546OX"));
        assert!(e.zh.contains("「O」"), "{}", e.zh);
        let e = field_err(ApplicantId::parse("12345"));
        assert!(e.zh.contains("长度"), "{}", e.zh);
        let e = field_err(ApplicantId::parse(""));
        assert!(e.zh.contains("不能为空"), "{}", e.zh);
    }

    #[test]
    fn applicant_id_serde() {
        let a = ApplicantId::parse("9144030071526726XG").unwrap();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "\"9144030071526726XG\"");
        assert_eq!(serde_json::from_str::<ApplicantId>(&json).unwrap(), a);
        let p: ApplicantId = serde_json::from_str("\"11010519491231002X\"").unwrap();
        assert_eq!(p.kind(), "resident-id");
        assert!(serde_json::from_str::<ApplicantId>("\"123\"").is_err());
        let from: ApplicantId = ResidentId::parse("110101200001010010").unwrap().into();
        assert_eq!(from, "110101200001010010".parse().unwrap());
    }

    /// 17-digit bodies with a real birth date between 1800-01-01 and 2025-12-31.
    fn resident_body() -> impl Strategy<Value = String> {
        let first = day(1800, 1, 1);
        let span = (day(2025, 12, 31) - first).num_days();
        ("[0-9]{6}", 0..=span, "[0-9]{3}").prop_map(move |(addr, offset, seq)| {
            let birth = first + TimeDelta::days(offset);
            format!("{addr}{}{seq}", birth.format("%Y%m%d"))
        })
    }

    /// 17-character credit-code bodies: two alphabet chars, six digits, nine alphabet chars.
    fn credit_body() -> impl Strategy<Value = String> {
        let a = "[0-9A-HJ-NPQRTUWXY]";
        (
            proptest::string::string_regex(&format!("{a}{{2}}")).unwrap(),
            "[0-9]{6}",
            proptest::string::string_regex(&format!("{a}{{9}}")).unwrap(),
        )
            .prop_map(|(p, r, b)| format!("{p}{r}{b}"))
    }

    proptest! {
        #[test]
        fn resident_id_round_trip_and_single_digit_errors(
            body in resident_body(),
            pos in 0usize..18,
            shift in 1u32..11,
        ) {
            let check = resident_id_check_char(&body).unwrap();
            let s = format!("{body}{check}");
            let id = ResidentId::parse_on(&s, day(2026, 1, 1)).unwrap();
            prop_assert_eq!(id.as_str(), s.as_str());
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<ResidentId>(&json).unwrap(), id.clone());
            prop_assert_eq!(s.parse::<ResidentId>().unwrap(), id);

            // Replace one character by another legal one: MOD 11-2 detects every single error.
            let legal: Vec<char> = if pos == 17 {
                "0123456789X".chars().collect()
            } else {
                "0123456789".chars().collect()
            };
            let mut chars: Vec<char> = s.chars().collect();
            let cur = legal.iter().position(|&c| c == chars[pos]).unwrap();
            chars[pos] = legal[(cur + shift as usize) % legal.len()];
            prop_assume!(chars[pos] != s.chars().nth(pos).unwrap());
            let mutated: String = chars.into_iter().collect();
            prop_assert!(ResidentId::parse_on(&mutated, day(2026, 1, 1)).is_err(), "{}", mutated);
        }

        #[test]
        fn credit_code_round_trip_and_single_char_errors(
            body in credit_body(),
            pos in 0usize..18,
            shift in 1usize..31,
        ) {
            let check = credit_code_check_char(&body).unwrap();
            let s = format!("{body}{check}");
            let code = CreditCode::parse(&s).unwrap();
            prop_assert_eq!(code.as_str(), s.as_str());
            let json = serde_json::to_string(&code).unwrap();
            prop_assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), code.clone());
            prop_assert_eq!(s.parse::<CreditCode>().unwrap(), code);

            let alphabet: Vec<char> = CREDIT_CODE_ALPHABET.chars().collect();
            let mut chars: Vec<char> = s.chars().collect();
            let cur = alphabet.iter().position(|&c| c == chars[pos]).unwrap();
            chars[pos] = alphabet[(cur + shift) % alphabet.len()];
            let mutated: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&mutated).is_err(), "{}", mutated);
        }

        #[test]
        fn synthesize_always_valid(prefix in "[1-9ANY][0-9]{7}", body in "[0-9A-HJ-NPQRTUWXY]{8}") {
            // Body chars are within the USCC alphabet and the inner check is 0-9/X: never fails.
            let code = CreditCode::synthesize(&prefix, &body).unwrap();
            prop_assert!(code.warnings().iter().all(|w| w.code() == "unknown_category"));
        }

        #[test]
        fn parsers_never_panic(s in any::<String>()) {
            let _ = ResidentId::parse(&s);
            let _ = CreditCode::parse(&s);
            let _ = ApplicantId::parse(&s);
            let _ = normalize(&s);
        }

        #[test]
        fn parsers_never_panic_on_near_misses(s in "[0-9Xx１２ＸOI \u{3000}-]{0,20}") {
            let _ = ResidentId::parse(&s);
            if let Ok(c) = CreditCode::parse(&s) {
                let _ = c.warnings();
            }
            let _ = ApplicantId::parse(&s);
        }
    }
    #[test]
    fn e_mail_addresses_are_checked_for_typing_mistakes() {
        for ok in [
            "a@b.cn",
            "zheng.gongkai@qz.gov.cn",
            " x_y+z@mail.example.com ",
        ] {
            assert!(check_email("email", ok).is_ok(), "{ok}");
        }
        for bad in [
            "notanemail",
            "a@b",
            "@b.cn",
            "a@@b.cn",
            "a@b@c.cn",
            "a b@c.cn",
            "a@.cn",
            "a@b.",
            "a@b..cn",
            "<a@b.cn>",
        ] {
            let e = check_email("email", bad).unwrap_err();
            assert_eq!(e.field_name(), Some("email"), "{bad}");
        }
    }
}
