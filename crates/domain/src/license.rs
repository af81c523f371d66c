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

impl HolderCodeType {
    /// The code type of an applicant's 一号.
    pub fn of(id: &crate::identity::ApplicantId) -> Self {
        match id {
            crate::identity::ApplicantId::Person(_) => HolderCodeType::ResidentId,
            crate::identity::ApplicantId::Organisation(_) => HolderCodeType::CreditCode,
        }
    }
}

labelled_enum!(
    /// A change of a licence's status, by the issuer (or by the passing of time).
    StatusAction {
        /// 暂扣 (suspend, e.g. pending an investigation).
        Suspend = ("suspend", "暂扣"),
        /// 恢复 (lift a suspension).
        Reinstate = ("reinstate", "恢复"),
        /// 撤销 (revoke: the licence should not have been granted, 行政许可法 art. 69).
        Revoke = ("revoke", "撤销"),
        /// 注销 (cancel: the licence ends, 行政许可法 art. 70).
        Cancel = ("cancel", "注销"),
        /// 失效 (its validity has run out).
        Expire = ("expire", "到期失效"),
    }
);

impl StatusAction {
    /// Whether a person must give a reason (every action but expiry, which is the calendar's).
    pub fn needs_reason(self) -> bool {
        self != StatusAction::Expire
    }
}

impl LicenseStatus {
    /// The status after `action`, or why it cannot be applied.
    ///
    /// 有效 → 暂扣 → 有效 (恢复); 有效/暂扣 → 撤销 or 注销 (行政许可法 arts. 69–70); 有效 → 失效 when
    /// the validity ends. 撤销, 注销 and 失效 are final: a new licence is issued instead.
    pub fn apply(self, action: StatusAction) -> Result<LicenseStatus, DomainError> {
        use LicenseStatus as S;
        use StatusAction as A;
        let next = match (self, action) {
            (S::Valid, A::Suspend) => Some(S::Suspended),
            (S::Suspended, A::Reinstate) => Some(S::Valid),
            (S::Valid | S::Suspended, A::Revoke) => Some(S::Revoked),
            (S::Valid | S::Suspended, A::Cancel) => Some(S::Cancelled),
            (S::Valid | S::Suspended, A::Expire) => Some(S::Expired),
            _ => None,
        };
        next.ok_or_else(|| {
            field_err(
                "action",
                format!("证照当前状态为“{}”，不能{}", self.zh(), action.zh()),
                format!(
                    "the licence is {}; it cannot be {}",
                    self.as_str(),
                    action.as_str()
                ),
            )
        })
    }

    /// Whether the licence can be relied on (verification says valid, intake may reuse it).
    pub fn usable(self) -> bool {
        self == LicenseStatus::Valid
    }
}

/// Where a face field (照面信息) of a new licence takes its value from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", content = "value", rename_all = "snake_case")]
pub enum FaceSource {
    /// 持证主体名称.
    HolderName,
    /// 持证主体代码.
    HolderCode,
    /// 法定代表人 (as recorded at intake).
    LegalRep,
    /// 住所 / 通讯地址 (as recorded at intake).
    Address,
    /// The case's 办理摘要 (e.g. the business scope or the property located).
    Summary,
    /// The case number (办件编号).
    CaseNo,
    /// The item's name.
    ItemName,
    /// A fixed text printed on every licence of the type.
    Fixed(String),
}

/// One face field of a licence type: metadata key (`KZ_*`), printed label and source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceField {
    /// Metadata key, `KZ_` + upper-case letters/digits (domain-rules §5.4).
    pub key: String,
    /// Label printed on the licence.
    pub label: String,
    /// Where the value comes from.
    pub source: FaceSource,
}

/// Who may hold a licence of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    /// Natural persons (公民身份号码).
    Person,
    /// Organisations (统一社会信用代码).
    Organisation,
    /// Either.
    Any,
}

impl HolderKind {
    /// Whether a holder with this code type may hold it.
    pub fn admits(self, t: HolderCodeType) -> bool {
        match self {
            HolderKind::Any => true,
            HolderKind::Person => t == HolderCodeType::ResidentId,
            HolderKind::Organisation => t == HolderCodeType::CreditCode,
        }
    }

    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            HolderKind::Person => "自然人",
            HolderKind::Organisation => "法人和其他组织",
            HolderKind::Any => "自然人或组织",
        }
    }
}

/// A licence type of the 证照目录 (GB/T 36902): code, name, definer, holder kind, face fields
/// and how long a licence stays valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseType {
    /// 证照类型代码.
    pub code: LicenseTypeCode,
    /// 证照类型名称.
    pub name: String,
    /// 证照定义机构名称.
    pub definer_name: String,
    /// 持证主体类型.
    pub holder_kind: HolderKind,
    /// 照面信息.
    pub fields: Vec<FaceField>,
    /// Validity in years from the issue date; `None` = 长期 (no end).
    pub validity_years: Option<u32>,
}

impl LicenseType {
    /// Check names and keys; the error names the field.
    pub fn validate(&self) -> Result<(), DomainError> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > 100 {
            return Err(field_err(
                "name",
                "证照类型名称须为 1–100 个字".into(),
                "name: 1–100 characters".into(),
            ));
        }
        if self.definer_name.trim().is_empty() {
            return Err(field_err(
                "definer_name",
                "请填写证照定义机构".into(),
                "definer_name: required".into(),
            ));
        }
        if self.validity_years.is_some_and(|y| y == 0 || y > 100) {
            return Err(field_err(
                "validity_years",
                "有效期年数须在 1–100 之间（长期有效请留空）".into(),
                "validity_years: 1–100, or empty for no end".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            let key_ok = f.key.len() > 3
                && f.key.len() <= 40
                && f.key.starts_with("KZ_")
                && f.key[3..]
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                return Err(field_err(
                    "fields",
                    format!(
                        "第 {} 个照面字段的代码“{}”应为 KZ_ 加大写字母或数字",
                        i + 1,
                        f.key
                    ),
                    format!("fields[{i}].key: KZ_ followed by upper-case letters or digits"),
                ));
            }
            if !seen.insert(f.key.as_str()) {
                return Err(field_err(
                    "fields",
                    format!("照面字段代码“{}”重复", f.key),
                    format!("fields[{i}].key: “{}” repeats", f.key),
                ));
            }
            if f.label.trim().is_empty() || f.label.chars().count() > 40 {
                return Err(field_err(
                    "fields",
                    format!("第 {} 个照面字段须有 1–40 字的名称", i + 1),
                    format!("fields[{i}].label: 1–40 characters"),
                ));
            }
        }
        Ok(())
    }

    /// The last day of validity of a licence issued on `issued` (`None` = 长期).
    pub fn valid_to(&self, issued: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
        use chrono::{Datelike, Duration};
        let years = self.validity_years?;
        let y = issued.year() + i32::try_from(years).ok()?;
        // Same calendar day `years` later (28 Feb for 29 Feb), minus one day.
        let end = chrono::NaiveDate::from_ymd_opt(y, issued.month(), issued.day())
            .or_else(|| chrono::NaiveDate::from_ymd_opt(y, issued.month(), 28))?;
        Some(end - Duration::days(1))
    }
}

/// What a case supplies to fill a licence's face.
#[derive(Debug, Clone, Default)]
pub struct FaceInput<'a> {
    /// Holder name.
    pub holder_name: &'a str,
    /// Holder code.
    pub holder_code: &'a str,
    /// 法定代表人.
    pub legal_rep: Option<&'a str>,
    /// Address.
    pub address: Option<&'a str>,
    /// Summary of the case.
    pub summary: &'a str,
    /// Case number.
    pub case_no: &'a str,
    /// Item name.
    pub item_name: &'a str,
}

impl LicenseType {
    /// The face fields of a new licence, in the type's order (empty sources give "—").
    pub fn face(&self, input: &FaceInput<'_>) -> Vec<(String, String, String)> {
        self.fields
            .iter()
            .map(|f| {
                let v = match &f.source {
                    FaceSource::HolderName => input.holder_name.to_string(),
                    FaceSource::HolderCode => input.holder_code.to_string(),
                    FaceSource::LegalRep => input.legal_rep.unwrap_or("").to_string(),
                    FaceSource::Address => input.address.unwrap_or("").to_string(),
                    FaceSource::Summary => input.summary.to_string(),
                    FaceSource::CaseNo => input.case_no.to_string(),
                    FaceSource::ItemName => input.item_name.to_string(),
                    FaceSource::Fixed(s) => s.clone(),
                };
                let v = v.trim();
                let v = if v.is_empty() { "—" } else { v };
                (f.key.clone(), f.label.clone(), v.to_string())
            })
            .collect()
    }
}

/// One face field as stored in a licence: key, printed label, value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceValue {
    /// `KZ_*` key.
    pub key: String,
    /// Printed label.
    pub label: String,
    /// Value.
    pub value: String,
}

/// The signed content of a licence: the core metadata of domain-rules §5.4 (GB/T 36903 names)
/// and its face fields. Field order is fixed by this struct, so its compact JSON
/// ([`LicenseData::signing_bytes`]) is canonical: the same data always gives the same bytes.
///
/// Status is deliberately not part of it: it changes after issue and is answered live by the
/// issuing library (verification API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseData {
    /// 证照名称.
    #[serde(rename = "ZZMC")]
    pub name: String,
    /// 证照类型代码.
    #[serde(rename = "ZZLXDM")]
    pub type_code: String,
    /// 证照编号 (printed number).
    #[serde(rename = "ZZBH")]
    pub number: String,
    /// 证照标识.
    #[serde(rename = "ZZBS")]
    pub identifier: String,
    /// 证照颁发机构.
    #[serde(rename = "ZZBFJG")]
    pub issuer_name: String,
    /// 证照颁发机构代码.
    #[serde(rename = "ZZBFJGDM")]
    pub issuer_code: String,
    /// 证照颁发日期 (YYYY-MM-DD).
    #[serde(rename = "ZZBFRQ")]
    pub issued_on: chrono::NaiveDate,
    /// 持证主体.
    #[serde(rename = "CZZT")]
    pub holder_name: String,
    /// 持证主体代码.
    #[serde(rename = "CZZTDM")]
    pub holder_code: String,
    /// 持证主体代码类型.
    #[serde(rename = "CZZTDMLX")]
    pub holder_code_type: String,
    /// 持证主体代码类型代码 (111 / 001).
    #[serde(rename = "CZZTDMLXDM")]
    pub holder_code_type_code: String,
    /// 有效期起始日期.
    #[serde(rename = "ZZYXQQSRQ")]
    pub valid_from: chrono::NaiveDate,
    /// 有效期截止日期; `None` = 长期.
    #[serde(rename = "ZZYXQJZRQ")]
    pub valid_to: Option<chrono::NaiveDate>,
    /// 证照所属管辖属地编码 (GB/T 2260).
    #[serde(rename = "SSXZQHDM")]
    pub region_code: String,
    /// The case that produced it (办件编号), if any.
    #[serde(rename = "BJBH")]
    pub case_no: Option<String>,
    /// 照面信息 (`KZ_*`).
    #[serde(rename = "KZ")]
    pub face: Vec<FaceValue>,
}

impl LicenseData {
    /// The canonical bytes that are signed: compact JSON in the field order of this struct.
    pub fn signing_bytes(&self) -> Result<Vec<u8>, DomainError> {
        serde_json::to_vec(self).map_err(|e| {
            field_err(
                "data",
                format!("证照数据无法编码：{e}"),
                format!("licence data cannot be encoded: {e}"),
            )
        })
    }

    /// Whether the licence's validity has ended by `today`.
    pub fn expired_on(&self, today: chrono::NaiveDate) -> bool {
        self.valid_to.is_some_and(|end| end < today)
    }
}

/// The format tag of an exported licence file.
pub const EXPORT_FORMAT: &str = "onewindow-e-license/1";

/// The signature over a licence's [`LicenseData::signing_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseSignature {
    /// `SM2-SM3` or `Ed25519`.
    pub alg: String,
    /// Key id of the signing key (published at `/.well-known/onewindow-keys.json`).
    pub kid: String,
    /// The signature, base64 (standard alphabet).
    pub value: String,
    /// When it was signed (ZZQZSJ).
    pub signed_at: chrono::DateTime<chrono::Utc>,
    /// Who signed (ZZQZR): the issuing body.
    pub signer: String,
}

/// An exported licence (`onewindow license export`): the signed data and its signature.
///
/// The file is written in one canonical form (pretty JSON of this struct, then a newline) and a
/// verifier refuses any file that is not byte-identical to that form, so that *every* changed
/// byte is detected — inside the signed data by the signature, outside it (layout, the envelope)
/// by the canonical-form check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedLicense {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// The signed data.
    pub data: LicenseData,
    /// The signature.
    pub signature: LicenseSignature,
}

/// What a signature covers: the licence data together with the signature's own metadata
/// (algorithm, key id, time and signer), so that none of them can be altered unnoticed.
#[derive(Serialize)]
struct SignedContent<'a> {
    format: &'a str,
    alg: &'a str,
    kid: &'a str,
    signed_at: &'a chrono::DateTime<chrono::Utc>,
    signer: &'a str,
    data: &'a LicenseData,
}

/// The canonical bytes a licence signature is computed over: compact JSON of the export
/// format, the signature metadata and [`LicenseData`], in that fixed order.
pub fn signed_bytes(
    data: &LicenseData,
    alg: &str,
    kid: &str,
    signed_at: &chrono::DateTime<chrono::Utc>,
    signer: &str,
) -> Result<Vec<u8>, DomainError> {
    serde_json::to_vec(&SignedContent {
        format: EXPORT_FORMAT,
        alg,
        kid,
        signed_at,
        signer,
        data,
    })
    .map_err(|e| {
        field_err(
            "data",
            format!("证照数据无法编码：{e}"),
            format!("licence data cannot be encoded: {e}"),
        )
    })
}

impl LicenseSignature {
    /// The bytes this signature is over.
    pub fn signed_bytes(&self, data: &LicenseData) -> Result<Vec<u8>, DomainError> {
        signed_bytes(data, &self.alg, &self.kid, &self.signed_at, &self.signer)
    }
}

impl ExportedLicense {
    /// The file's bytes.
    pub fn to_file_bytes(&self) -> Result<Vec<u8>, DomainError> {
        let mut v = serde_json::to_vec_pretty(self).map_err(|e| {
            field_err(
                "file",
                format!("证照文件无法编码：{e}"),
                format!("licence file cannot be encoded: {e}"),
            )
        })?;
        v.push(b'\n');
        Ok(v)
    }

    /// Read a file and check everything that does not need a key: the format, the canonical
    /// form, and the identifier (with its check character) against the data. The signature is
    /// checked by the caller with the public key named by `signature.kid`.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<ExportedLicense, ExportProblem> {
        let e: ExportedLicense = serde_json::from_slice(bytes)
            .map_err(|err| ExportProblem::Unreadable(err.to_string()))?;
        if e.format != EXPORT_FORMAT {
            return Err(ExportProblem::Format(e.format.clone()));
        }
        let canonical = e
            .to_file_bytes()
            .map_err(|err| ExportProblem::Unreadable(err.message_en()))?;
        if canonical != bytes {
            return Err(ExportProblem::NotCanonical);
        }
        let id = LicenseId::parse(&e.data.identifier)
            .map_err(|err| ExportProblem::Identifier(err.message_en()))?;
        if id.to_string() != e.data.identifier {
            return Err(ExportProblem::Identifier(
                "the identifier is not in its canonical (upper-case) form".into(),
            ));
        }
        if id.type_code().as_str() != e.data.type_code || id.issuer() != e.data.issuer_code {
            return Err(ExportProblem::Identifier(
                "the identifier's type or issuer differs from the data".into(),
            ));
        }
        if e.signature.signer != e.data.issuer_name {
            return Err(ExportProblem::Identifier(
                "the signer is not the issuing body named in the data".into(),
            ));
        }
        Ok(e)
    }
}

/// Why an exported licence file is refused before its signature is even checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportProblem {
    /// Not JSON of the expected shape.
    #[error("the file is not a readable e-licence export: {0}")]
    Unreadable(String),
    /// Another format.
    #[error("unknown format {0:?} (expected {EXPORT_FORMAT:?})")]
    Format(String),
    /// Parsed, but not byte-identical to its canonical form: altered after export.
    #[error(
        "the file was altered: it is not byte-identical to the canonical form it was exported in"
    )]
    NotCanonical,
    /// The identifier is malformed, fails its check character, or contradicts the data.
    #[error("licence identifier: {0}")]
    Identifier(String),
}

/// The printed licence number (证照编号) of a new licence: issuer region, year and serial, e.g.
/// `350500-2026-000012`. Local practice differs per type; this is the platform's default.
pub fn licence_number(region_code: &str, year: i32, serial: i64) -> String {
    format!("{region_code}-{year}-{serial:06}")
}

/// The 流水号 of a new licence: the year and a zero-padded per-issuer serial (uppercase
/// alphanumerics, GB/T 36904 §5.2), e.g. `2026000012`.
pub fn serial_of(year: i32, serial: i64) -> String {
    format!("{year}{serial:06}")
}

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

    fn sample_data() -> LicenseData {
        let t = LicenseTypeCode::parse("11100000000013127D001").unwrap();
        let issuer = CreditCode::synthesize("11350500", "00301005").unwrap();
        let id = LicenseId::new(t, issuer.as_str(), &serial_of(2026, 7), 1).unwrap();
        LicenseData {
            name: "营业执照".into(),
            type_code: "11100000000013127D001".into(),
            number: licence_number("350500", 2026, 7),
            identifier: id.to_string(),
            issuer_name: "泉州市市场监督管理局".into(),
            issuer_code: issuer.as_str().into(),
            issued_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            holder_name: "泉州某某科技有限公司".into(),
            holder_code: "91350500MA2XXXXX0X".into(),
            holder_code_type: "统一社会信用代码".into(),
            holder_code_type_code: "001".into(),
            valid_from: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            valid_to: None,
            region_code: "350500".into(),
            case_no: Some("350500-2026-000001".into()),
            face: vec![FaceValue {
                key: "KZ_JYFW".into(),
                label: "经营范围".into(),
                value: "软件开发".into(),
            }],
        }
    }

    fn sample_export() -> ExportedLicense {
        ExportedLicense {
            format: EXPORT_FORMAT.into(),
            data: sample_data(),
            signature: LicenseSignature {
                alg: "SM2-SM3".into(),
                kid: "sm2-0011223344556677".into(),
                value: "AAAA".into(),
                signed_at: chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
                signer: "泉州市市场监督管理局".into(),
            },
        }
    }

    #[test]
    fn status_machine_allows_only_the_legal_changes() {
        use LicenseStatus as S;
        use StatusAction as A;
        assert_eq!(S::Valid.apply(A::Suspend).unwrap(), S::Suspended);
        assert_eq!(S::Suspended.apply(A::Reinstate).unwrap(), S::Valid);
        assert_eq!(S::Suspended.apply(A::Revoke).unwrap(), S::Revoked);
        assert_eq!(S::Valid.apply(A::Cancel).unwrap(), S::Cancelled);
        assert_eq!(S::Valid.apply(A::Expire).unwrap(), S::Expired);
        for end in [S::Revoked, S::Cancelled, S::Expired] {
            for a in A::ALL {
                assert!(end.apply(*a).is_err(), "{end:?} then {a:?}");
            }
        }
        assert!(S::Valid.apply(A::Reinstate).is_err());
        assert!(S::Suspended.apply(A::Suspend).is_err());
        assert!(S::Valid.usable() && !S::Suspended.usable());
    }

    #[test]
    fn validity_runs_to_the_day_before_the_anniversary() {
        let mut t = LicenseType {
            code: LicenseTypeCode::parse("11100000000013127D001").unwrap(),
            name: "食品经营许可证".into(),
            definer_name: "国家市场监督管理总局".into(),
            holder_kind: HolderKind::Organisation,
            fields: vec![],
            validity_years: Some(5),
        };
        let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(t.valid_to(d(2026, 11, 26)), Some(d(2031, 11, 25)));
        assert_eq!(t.valid_to(d(2028, 2, 29)), Some(d(2033, 2, 27)));
        t.validity_years = None;
        assert_eq!(t.valid_to(d(2026, 11, 26)), None);
        assert!(t.validate().is_ok());
        t.fields.push(FaceField {
            key: "JYFW".into(),
            label: "经营范围".into(),
            source: FaceSource::Summary,
        });
        assert!(t.validate().is_err());
    }

    #[test]
    fn face_fills_from_the_case() {
        let t = LicenseType {
            code: LicenseTypeCode::parse("11100000000013127D001").unwrap(),
            name: "营业执照".into(),
            definer_name: "国家市场监督管理总局".into(),
            holder_kind: HolderKind::Organisation,
            fields: vec![
                FaceField {
                    key: "KZ_FDDBR".into(),
                    label: "法定代表人".into(),
                    source: FaceSource::LegalRep,
                },
                FaceField {
                    key: "KZ_JYFW".into(),
                    label: "经营范围".into(),
                    source: FaceSource::Summary,
                },
            ],
            validity_years: None,
        };
        let f = t.face(&FaceInput {
            holder_name: "甲公司",
            holder_code: "x",
            legal_rep: Some("张三"),
            summary: "",
            ..Default::default()
        });
        assert_eq!(f[0].2, "张三");
        assert_eq!(f[1].2, "—");
        assert!(HolderKind::Organisation.admits(HolderCodeType::CreditCode));
        assert!(!HolderKind::Organisation.admits(HolderCodeType::ResidentId));
    }

    #[test]
    fn signing_bytes_are_stable_and_cover_every_field() {
        let a = sample_data();
        assert_eq!(
            a.signing_bytes().unwrap(),
            a.clone().signing_bytes().unwrap()
        );
        let mut b = a.clone();
        b.face[0].value.push('X');
        assert_ne!(a.signing_bytes().unwrap(), b.signing_bytes().unwrap());
        let text = String::from_utf8(a.signing_bytes().unwrap()).unwrap();
        assert!(text.starts_with("{\"ZZMC\":\"营业执照\""), "{text}");
    }

    #[test]
    fn export_round_trips_and_every_changed_byte_is_refused_or_changes_the_data() {
        let e = sample_export();
        let bytes = e.to_file_bytes().unwrap();
        assert_eq!(ExportedLicense::from_file_bytes(&bytes).unwrap(), e);
        // Change each byte in turn: either the file is refused outright, or what was read differs
        // from the original (and so fails the signature) — never the same licence accepted.
        for i in 0..bytes.len() {
            let mut m = bytes.clone();
            m[i] = if m[i] == b'0' { b'1' } else { m[i] ^ 0x01 };
            match ExportedLicense::from_file_bytes(&m) {
                Err(_) => {}
                Ok(read) => assert_ne!(read, e, "byte {i} changed but the same licence was read"),
            }
        }
        let spaced = String::from_utf8(bytes.clone())
            .unwrap()
            .replacen("{\n", "{ \n", 1);
        assert_eq!(
            ExportedLicense::from_file_bytes(spaced.as_bytes()),
            Err(ExportProblem::NotCanonical)
        );
        let mut wrong = e.clone();
        wrong.data.issuer_code = "91350500MA2XXXXX0X".into();
        let wb = wrong.to_file_bytes().unwrap();
        assert!(matches!(
            ExportedLicense::from_file_bytes(&wb),
            Err(ExportProblem::Identifier(_))
        ));
    }
}
