//! Display masking (脱敏) of personal information — applied on **output only**.
//!
//! Stored values stay complete; these functions are for screens, exports, published replies and
//! logs. Legal background: 个人信息保护法 (PIPL) art. 28 and art. 51 (去标识化), GB/T 35273-2020
//! (which treats ID numbers as 个人敏感信息) and GB/T 37964-2019. The exact patterns are library
//! practice, not law; there is exactly one rule per field (spec §7.1):
//!
//! | field | rule | example |
//! | --- | --- | --- |
//! | 公民身份号码 | first 6 + last 4 | `110105********002X` |
//! | mobile | first 3 + last 4 | `138****5678` |
//! | fixed phone | first 4 + last 2 | `0571******34` |
//! | name | first character | `张**`, `张*` |
//! | address | first 6 characters + `****` | `福建省泉州市****` |
//!
//! 统一社会信用代码 are not masked: an organisation's code is public information (it is printed on
//! its business licence and published in the national enterprise credit information system), so
//! there is no `mask_credit_code`.
//!
//! Every function works on `char`s (never splitting a UTF-8 sequence), accepts any input including
//! empty or malformed strings, and never panics. ID, phone and name masking keep the number of
//! characters; the address rule deliberately hides the length.

use crate::identity::ApplicantId;

const MASK: char = '*';

/// Mask a 公民身份号码: keep the first 6 characters (the address code, useful to staff for
/// plausibility checks) and the last 4 (the usual "尾号" used to tell numbers apart), replacing
/// the birth date and the rest of the sequence — e.g. `11010519491231002X` →
/// `110105********002X`.
///
/// Of the conventions listed in spec §7.1 (Hutool's first 1 + last 2, or first 6 + last 4, or
/// first 3 + last 4) this is the one most government UIs use; it hides the birth date (GB/T
/// 35273-2020 personal sensitive information). Inputs of 10 characters or fewer are fully masked,
/// since keeping 6 + 4 would reveal everything. The output has as many characters as the input.
pub fn mask_resident_id(id: &str) -> String {
    let n = id.chars().count();
    if n <= 10 {
        return MASK.to_string().repeat(n);
    }
    keep_ends(id, 6, 4)
}

/// Mask an applicant identifier: a person's 公民身份号码 with [`mask_resident_id`]; an
/// organisation's 统一社会信用代码 is public and returned unchanged.
pub fn mask_applicant_id(id: &ApplicantId) -> String {
    match id {
        ApplicantId::Person(p) => mask_resident_id(p.as_str()),
        ApplicantId::Organisation(o) => o.as_str().to_owned(),
    }
}

/// Whether a character counts as a digit of a phone number (ASCII or full-width digits, so that
/// full-width input is not leaked unmasked).
fn is_phone_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c)
}

fn as_ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{FF10}'..='\u{FF19}' => char::from_u32(u32::from(c) - 0xFEE0),
        _ => None,
    }
}

/// Mask a telephone number.
///
/// Only digits are masked; separators (`-`, spaces, parentheses, `+`) stay in place, so the
/// output has as many characters as the input.
/// * Mobile numbers — 11 digits starting with `1`, optionally preceded by the country code `86`
///   (13 digits) — keep the first 3 and last 4 digits of the national number:
///   `13812345678` → `138****5678`, `+86 138-1234-5678` → `+86 138-****-5678`.
/// * Any other number (fixed lines such as `0571-88881234`) keeps the first 4 and last 2 digits:
///   `057188881234` → `0571******34`. Numbers with 6 digits or fewer are fully masked.
pub fn mask_mobile(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter_map(as_ascii_digit).collect();
    let k = digits.len();
    let first = digits.first().copied();
    let is_mobile =
        (k == 11 && first == Some('1')) || (k == 13 && digits.starts_with(&['8', '6', '1']));
    let (keep_front, keep_back) = if is_mobile {
        (k - 8, 4)
    } else if k > 6 {
        (4, 2)
    } else {
        (0, 0)
    };
    let mut seen = 0usize;
    phone
        .chars()
        .map(|c| {
            if !is_phone_digit(c) {
                return c;
            }
            let i = seen;
            seen += 1;
            if i < keep_front || i + keep_back >= k {
                c
            } else {
                MASK
            }
        })
        .collect()
}

/// Mask a personal name: keep the first character and replace every other one with `*`, so
/// `张三丰` → `张**`, `张三` → `张*`, `John Smith` → `J*********`, `阿依古丽·买买提` →
/// `阿******`. A one-character input is fully masked (`*`), since keeping it would reveal it.
/// The output has as many characters as the input.
pub fn mask_name(name: &str) -> String {
    let n = name.chars().count();
    if n <= 1 {
        return MASK.to_string().repeat(n);
    }
    keep_ends(name, 1, 0)
}

/// Mask an address: keep the first 6 characters (typically province + city, e.g. `福建省泉州市`)
/// and append `****`; the rest — district, street, house number — is hidden, and so is its
/// length. Leading and trailing whitespace is ignored. Addresses of 6 characters or fewer keep
/// only their first half. An empty address stays empty.
pub fn mask_address(address: &str) -> String {
    let t = address.trim();
    let n = t.chars().count();
    if n == 0 {
        return String::new();
    }
    let keep = if n > 6 { 6 } else { n / 2 };
    let mut out: String = t.chars().take(keep).collect();
    out.push_str("****");
    out
}

/// Keep the first `front` and last `back` characters of `s`, masking the rest (char-aware).
fn keep_ends(s: &str, front: usize, back: usize) -> String {
    let n = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < front || i + back >= n { c } else { MASK })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn resident_id() {
        assert_eq!(mask_resident_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_resident_id("110105491231002"), "110105*****1002");
        assert_eq!(mask_resident_id("12345"), "*****");
        assert_eq!(mask_resident_id(""), "");
        assert_eq!(
            mask_resident_id("１１０１０５１９４９１"),
            "１１０１０５*９４９１"
        );
    }

    #[test]
    fn applicant_id() {
        let p = ApplicantId::parse("11010519491231002X").unwrap();
        assert_eq!(mask_applicant_id(&p), "110105********002X");
        let o = ApplicantId::parse("91110000710925462X").unwrap();
        assert_eq!(mask_applicant_id(&o), "91110000710925462X");
    }

    #[test]
    fn phones() {
        assert_eq!(mask_mobile("13812345678"), "138****5678");
        assert_eq!(mask_mobile("138-1234-5678"), "138-****-5678");
        assert_eq!(mask_mobile("+86 13812345678"), "+86 138****5678");
        assert_eq!(mask_mobile("8613812345678"), "86138****5678");
        assert_eq!(mask_mobile("057188881234"), "0571******34");
        assert_eq!(mask_mobile("0571-88881234"), "0571-******34");
        assert_eq!(mask_mobile("0595-2298765"), "0595-*****65");
        assert_eq!(mask_mobile("１３８１２３４５６７８"), "１３８****５６７８");
        assert_eq!(mask_mobile("12345"), "*****");
        assert_eq!(mask_mobile(""), "");
        assert_eq!(mask_mobile("无"), "无");
    }

    #[test]
    fn names() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("John Smith"), "J*********");
        assert_eq!(mask_name("Li"), "L*");
        assert_eq!(mask_name("张"), "*");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name("𠀀𠀁"), "𠀀*");
    }

    #[test]
    fn addresses() {
        assert_eq!(
            mask_address("福建省泉州市丰泽区东海街道 1 号"),
            "福建省泉州市****"
        );
        assert_eq!(mask_address("  福建省泉州市丰泽区 "), "福建省泉州市****");
        assert_eq!(mask_address("泉州市"), "泉****");
        assert_eq!(mask_address("A"), "****");
        assert_eq!(mask_address("   "), "");
    }

    proptest! {
        #[test]
        fn never_panic_and_keep_length(s in any::<String>()) {
            let n = s.chars().count();
            prop_assert_eq!(mask_resident_id(&s).chars().count(), n);
            prop_assert_eq!(mask_mobile(&s).chars().count(), n);
            prop_assert_eq!(mask_name(&s).chars().count(), n);
            let _ = mask_address(&s);
        }

        #[test]
        fn masked_values_hide_the_middle(s in "[0-9]{11,18}") {
            let m = mask_resident_id(&s);
            prop_assert!(m.contains('*'));
            prop_assert_eq!(mask_mobile(&s).chars().count(), s.len());
            prop_assert!(mask_mobile(&s).contains('*'));
        }

        #[test]
        fn mobile_numbers(rest in "[3-9][0-9]{9}") {
            let phone = format!("1{rest}");
            let m = mask_mobile(&phone);
            prop_assert_eq!(&m[..3], &phone[..3]);
            prop_assert_eq!(&m[3..7], "****");
            prop_assert_eq!(&m[7..], &phone[7..]);
        }
    }
}
