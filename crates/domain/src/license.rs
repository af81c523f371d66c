//! Electronic licences (电子证照): the licence identifier of GB/T 36904-2018 with its
//! ISO/IEC 7064 MOD 37,36 check character, licence type codes (证照类型代码), holder code types
//! and licence status (domain-rules §5). Pure: no keys, no files, no clock.

use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::identity::CreditCode;

/// The fixed root of every licence identifier (电子证照根代码).
pub const ROOT: &str = "1.2.156.3005.2";

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// ISO/IEC 7064 MOD 37,36 (hybrid) check character over `0-9A-Z` (domain-rules §5.2):
/// `p = 36`; for each character `t = (p + v) mod 36` (0 → 36), `p = 2t mod 37`; the check value
/// is `(37 − p) mod 36`. `None` if a character is outside the alphabet.
pub fn mod37_36_check(s: &str) -> Option<char> {
    let mut p: u32 = 36;
    for b in s.bytes() {
        let v = ALPHABET.iter().position(|a| *a == b)? as u32;
        let mut t = (p + v) % 36;
        if t == 0 {
            t = 36;
        }
        p = (2 * t) % 37;
    }
    let check = (37 - p) % 36;
    ALPHABET.get(check as usize).map(|c| *c as char)
}

fn field_err(field: &'static str, zh: String, en: String) -> DomainError {
    DomainError::field(field, zh, en)
}

/// 证照类型代码: the 18-character unified social credit code of the agency that defines the
/// licence type, then a 3-digit serial (domain-rules §5.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LicenseTypeCode(String);

impl LicenseTypeCode {
    /// Parse and check: 21 characters, a valid credit code, a 3-digit serial.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim().to_ascii_uppercase();
        if s.len() != 21 || !s.is_ascii() {
            return Err(field_err(
                "type_code",
                format!(
                    "证照类型代码须为 21 位（定义机构统一社会信用代码 18 位 + 3 位序号），收到 {} 位",
                    s.chars().count()
                ),
                "type_code: 21 characters (the defining agency's credit code + a 3-digit serial)"
                    .into(),
            ));
        }
        let (uscc, serial) = s.split_at(18);
        CreditCode::parse(uscc).map_err(|_| {
            field_err(
                "type_code",
                format!("证照类型代码的前 18 位“{uscc}”不是有效的统一社会信用代码"),
                format!("type_code: “{uscc}” is not a valid unified social credit code"),
            )
        })?;
        if !serial.bytes().all(|b| b.is_ascii_digit()) {
            return Err(field_err(
                "type_code",
                "证照类型代码的最后 3 位须为数字".into(),
                "type_code: the last 3 characters must be digits".into(),
            ));
        }
        Ok(Self(s))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The defining agency's credit code.
    pub fn definer(&self) -> &str {
        &self.0[..18]
    }
}

impl TryFrom<String> for LicenseTypeCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        Self::parse(&s)
    }
}

impl From<LicenseTypeCode> for String {
    fn from(c: LicenseTypeCode) -> String {
        c.0
    }
}

/// Longest serial accepted (real identifiers use 10–32 characters; the standard's maximum is
/// not confirmed — domain-rules §5.2 UNSURE — so this is the platform's bound).
pub const MAX_SERIAL: usize = 64;

/// A licence identifier (电子证照标识, GB/T 36904-2018):
/// `1.2.156.3005.2.<type 21>.<issuer USCC 18>.<serial>.<version 3>.<check>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LicenseId {
    type_code: LicenseTypeCode,
    issuer: String,
    serial: String,
    version: u16,
    check: char,
}

impl LicenseId {
    /// A new identifier; the check character is computed.
    pub fn new(
        type_code: LicenseTypeCode,
        issuer: &str,
        serial: &str,
        version: u16,
    ) -> Result<Self, DomainError> {
        let issuer = CreditCode::parse(issuer)
            .map_err(|_| {
                field_err(
                    "issuer",
                    format!("颁发机构代码“{issuer}”不是有效的统一社会信用代码"),
                    format!("issuer: “{issuer}” is not a valid unified social credit code"),
                )
            })?
            .as_str()
            .to_string();
        let serial = serial.trim().to_ascii_uppercase();
        if serial.is_empty()
            || serial.len() > MAX_SERIAL
            || !serial
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return Err(field_err(
                "serial",
                format!("流水号须为 1–{MAX_SERIAL} 位大写字母或数字"),
                format!("serial: 1–{MAX_SERIAL} upper-case letters or digits"),
            ));
        }
        if !(1..=999).contains(&version) {
            return Err(field_err(
                "version",
                "版本号须在 001–999 之间".into(),
                "version: 001–999".into(),
            ));
        }
        let body = format!("{}{}{}{:03}", type_code.as_str(), issuer, serial, version);
        let check = mod37_36_check(&body).ok_or_else(|| {
            field_err(
                "serial",
                "证照标识含有无效字符".into(),
                "identifier: invalid characters".into(),
            )
        })?;
        Ok(Self {
            type_code,
            issuer,
            serial,
            version,
            check,
        })
    }

    /// Parse and verify an identifier; the error names the part that is wrong.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim().to_ascii_uppercase();
        let Some(rest) = s.strip_prefix(&format!("{ROOT}.")) else {
            return Err(field_err(
                "identifier",
                format!("证照标识须以根代码 {ROOT} 开头"),
                format!("identifier: must start with the root {ROOT}"),
            ));
        };
        let parts: Vec<&str> = rest.split('.').collect();
        let [type_code, issuer, serial, version, check] = parts.as_slice() else {
            return Err(field_err(
                "identifier",
                "证照标识须由根代码、类型代码、颁发机构代码、流水号、版本号、校验位六段组成".into(),
                "identifier: root.type.issuer.serial.version.check".into(),
            ));
        };
        let type_code = LicenseTypeCode::parse(type_code)?;
        if version.len() != 3 || !version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(field_err(
                "version",
                "版本号须为 3 位数字".into(),
                "version: 3 digits".into(),
            ));
        }
        let v: u16 = version.parse().unwrap_or(0);
        let id = Self::new(type_code, issuer, serial, v)?;
        let given: Vec<char> = check.chars().collect();
        if given.len() != 1 || given[0] != id.check {
            return Err(field_err(
                "check",
                format!("校验位错误：应为 {}，实为 {check}", id.check),
                format!("check: expected {}, found {check}", id.check),
            ));
        }
        Ok(id)
    }

    /// The identifier of the next version (re-issue increments the version).
    pub fn next_version(&self) -> Result<Self, DomainError> {
        Self::new(
            self.type_code.clone(),
            &self.issuer,
            &self.serial,
            self.version + 1,
        )
    }

    /// Licence type code.
    pub fn type_code(&self) -> &LicenseTypeCode {
        &self.type_code
    }

    /// Issuer's credit code.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Serial.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Version (1 = first issue).
    pub fn version(&self) -> u16 {
        self.version
    }

    /// Check character.
    pub fn check(&self) -> char {
        self.check
    }
}

impl std::fmt::Display for LicenseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{ROOT}.{}.{}.{}.{:03}.{}",
            self.type_code.as_str(),
            self.issuer,
            self.serial,
            self.version,
            self.check
        )
    }
}

impl TryFrom<String> for LicenseId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        Self::parse(&s)
    }
}

impl From<LicenseId> for String {
    fn from(i: LicenseId) -> String {
        i.to_string()
    }
}

labelled_enum!(
    /// 持证主体代码类型 (GB/T 36903: 111 公民身份号码, 001 统一社会信用代码).
    HolderCodeType {
        /// 公民身份号码.
        ResidentId = ("111", "公民身份号码"),
        /// 统一社会信用代码.
        CreditCode = ("001", "统一社会信用代码"),
    }
);

labelled_enum!(
    /// 证照状态 (domain-rules §5.4).
    LicenseStatus {
        /// 有效.
        Valid = ("valid", "有效"),
        /// 暂扣.
        Suspended = ("suspended", "暂扣"),
        /// 撤销.
        Revoked = ("revoked", "撤销"),
        /// 注销.
        Cancelled = ("cancelled", "注销"),
        /// 失效 (past its validity).
        Expired = ("expired", "失效"),
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The verified production identifiers of domain-rules §5.2.
    const VERIFIED: [&str; 3] = [
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
        "1.2.156.3005.2.11100000000013338W087.11370800MB28559184.37080001202411010001.001.3",
        "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    ];

    #[test]
    fn verified_identifiers_parse_and_print_back() {
        for s in VERIFIED {
            let id = LicenseId::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(id.to_string(), s);
        }
        let id = LicenseId::parse(VERIFIED[2]).unwrap();
        assert_eq!(id.version(), 2);
        assert_eq!(id.serial(), "2025052201");
        assert_eq!(id.type_code().definer(), "11100000000013338W");
    }

    #[test]
    fn the_hand_written_doc_example_fails_its_check() {
        let e = LicenseId::parse(
            "1.2.156.3005.2.11100000000013661B006.113700000045046442.209FA4E88F9E4C878F3E9BED2CE7EA49.001.M",
        );
        assert!(e.is_err());
    }

    #[test]
    fn one_changed_character_is_caught() {
        let s = VERIFIED[0].replace("20230000403", "20230000404");
        let e = LicenseId::parse(&s).unwrap_err().to_string();
        assert!(e.contains("校验位") || e.contains("check"), "{e}");
    }

    #[test]
    fn new_computes_the_check_and_next_version_changes_it() {
        let t = LicenseTypeCode::parse("11100000000013338W011").unwrap();
        let id = LicenseId::new(t, "11430000006122244L", "20230000403", 1).unwrap();
        assert_eq!(id.check(), 'U');
        let next = id.next_version().unwrap();
        assert_eq!(next.version(), 2);
        assert!(next.to_string().contains(".002."));
        assert_eq!(LicenseId::parse(&next.to_string()).unwrap(), next);
    }

    #[test]
    fn bad_parts_are_named() {
        let bad_root = LicenseId::parse("1.2.156.3005.9.x")
            .unwrap_err()
            .to_string();
        assert!(
            bad_root.contains("根代码") || bad_root.contains("root"),
            "{bad_root}"
        );
        assert!(LicenseTypeCode::parse("11100000000013338W01").is_err());
        assert!(LicenseTypeCode::parse("11100000000013338WABC").is_err());
        let t = LicenseTypeCode::parse("11100000000013338W011").unwrap();
        assert!(LicenseId::new(t.clone(), "11430000006122244L", "ab-1", 1).is_err());
        assert!(LicenseId::new(t.clone(), "11430000006122244X", "1", 1).is_err());
        assert!(LicenseId::new(t, "11430000006122244L", "1", 0).is_err());
    }

    #[test]
    fn mod37_36_rejects_characters_outside_the_alphabet() {
        assert_eq!(mod37_36_check("ABC-1"), None);
        assert!(mod37_36_check("").is_some());
    }
}
