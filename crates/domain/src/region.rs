//! Administrative division codes (行政区划代码).
//!
//! * GB/T 2260 — 6 digits: 2 province + 2 prefecture + 2 county. `xx0000` is a province-level
//!   unit, `xxyy00` a prefecture-level unit, `xxyyzz` a county-level unit.
//! * GB/T 10114 《县以下行政区划代码编制规则》 and the 国家统计局 统计用区划代码 — 3 more digits
//!   for the township level (乡级: `001–099` 街道, `100–199` 镇, `200–399` 乡, `400–599`
//!   政企合一单位) and 3 more for the village level (村级: `001–199` 居民委员会, `200–399`
//!   村民委员会).
//!
//! The statistical tables write every code with 12 digits, padding with zeros; such padded codes
//! are accepted and normalised to their 6- or 9-digit form. Only the *structure* is validated:
//! whether a code exists is a matter for the official lists (the range conventions inside GB/T
//! 2260 are deliberately not used to derive unit types).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DomainError;
use crate::identity::{normalize, serde_error};

const REGION_FIELD: &str = "region_code";

/// Level of an administrative division.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminLevel {
    /// 省级: province, autonomous region, municipality directly under the central government,
    /// SAR (GB/T 2260 `xx0000`).
    Province,
    /// 地级 (市): prefecture-level city, prefecture, autonomous prefecture, league
    /// (GB/T 2260 `xxyy00`).
    City,
    /// 县级 (县): county, district, county-level city, banner (GB/T 2260 `xxyyzz`).
    County,
    /// 乡级 (乡): township, town, sub-district (GB/T 10114, 9 digits).
    Township,
    /// 村级 (村): residents' or villagers' committee (统计用区划代码, 12 digits).
    Village,
}

impl AdminLevel {
    /// All levels from the top down.
    pub const ALL: [AdminLevel; 5] = [
        AdminLevel::Province,
        AdminLevel::City,
        AdminLevel::County,
        AdminLevel::Township,
        AdminLevel::Village,
    ];

    /// Short Chinese label: 省 / 市 / 县 / 乡 / 村.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Province => "省",
            Self::City => "市",
            Self::County => "县",
            Self::Township => "乡",
            Self::Village => "村",
        }
    }

    /// snake_case machine name: `province`, `city`, `county`, `township`, `village`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::City => "city",
            Self::County => "county",
            Self::Township => "township",
            Self::Village => "village",
        }
    }
}

impl fmt::Display for AdminLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AdminLevel {
    type Err = DomainError;

    /// Accepts the snake_case name (`county`) or the Chinese label (`县`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(t) || l.zh() == t)
            .ok_or_else(|| {
                DomainError::field(
                    "admin_level",
                    format!("行政区划层级「{t}」无效，应为 省/市/县/乡/村 之一"),
                    format!(
                        "administrative level: '{t}' is not one of province, city, county, township, village"
                    ),
                )
            })
    }
}

/// A structurally valid administrative division code: 6 digits (GB/T 2260), 9 digits (township,
/// GB/T 10114) or 12 digits (village, 统计用区划代码). Always stored in its shortest form.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

fn region_err(zh: String, en: String) -> DomainError {
    DomainError::field(REGION_FIELD, zh, en)
}

/// Validate a 6-digit GB/T 2260 code (already known to be 6 ASCII digits).
fn check_six(code: &str) -> Result<AdminLevel, DomainError> {
    let (prov, pref, county) = (
        code.get(0..2).unwrap_or("00"),
        code.get(2..4).unwrap_or("00"),
        code.get(4..6).unwrap_or("00"),
    );
    if prov == "00" {
        return Err(region_err(
            format!("行政区划代码 {code} 无效：省级段（第 1–2 位）不能为 00"),
            format!("region code {code}: the province part (digits 1–2) must not be 00"),
        ));
    }
    match (pref == "00", county == "00") {
        (true, true) => Ok(AdminLevel::Province),
        (false, true) => Ok(AdminLevel::City),
        (false, false) => Ok(AdminLevel::County),
        (true, false) => Err(region_err(
            format!(
                "行政区划代码 {code} 无效：地级段（第 3–4 位）为 00 时县级段（第 5–6 位）也须为 00"
            ),
            format!(
                "region code {code}: when the prefecture part (digits 3–4) is 00 the county part (digits 5–6) must be 00 too"
            ),
        )),
    }
}

/// Validate a 9-digit township code (already 9 ASCII digits): GB/T 2260 prefix below province
/// level, township part 001–599 (GB/T 10114).
fn check_nine(code: &str) -> Result<(), DomainError> {
    let base = code.get(..6).unwrap_or("");
    if check_six(base)? == AdminLevel::Province {
        return Err(region_err(
            format!(
                "乡级区划代码 {code} 无效：前 6 位须为县级（或不设区县的地级）区划代码，不能是省级代码 {base}"
            ),
            format!(
                "region code {code}: the first 6 digits must be a county-level (or prefecture-level) code, not the province code {base}"
            ),
        ));
    }
    let town: u32 = code.get(6..9).and_then(|t| t.parse().ok()).unwrap_or(0);
    if !(1..=599).contains(&town) {
        return Err(region_err(
            format!(
                "乡级区划代码 {code} 无效：第 7–9 位（乡级代码）应在 001–599 之间，实际为 {town:03}"
            ),
            format!(
                "region code {code}: the township part (digits 7–9) must be 001–599, got {town:03}"
            ),
        ));
    }
    Ok(())
}

impl RegionCode {
    /// Parse an administrative division code.
    ///
    /// After [`normalize`], accepts only ASCII digits, in one of these forms:
    /// * 6 digits (GB/T 2260): `xx0000` province, `xxyy00` prefecture, `xxyyzz` county; a
    ///   province part of `00` (so also `000000`) and `xx00zz` are rejected;
    /// * 9 digits: a 6-digit county-level code (or a prefecture-level code, for cities without
    ///   counties such as 东莞 441900) followed by a township part `001–599` (GB/T 10114);
    /// * 12 digits: a 9-digit township code followed by a village part `001–399`. A 12-digit
    ///   statistical code ending in `000` is a township code and is normalised to 9 digits; one
    ///   ending in `000000` is a GB/T 2260 code and is normalised to 6 digits.
    ///
    /// Errors use field `region_code`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = normalize(input);
        if s.is_empty() {
            return Err(region_err(
                "行政区划代码不能为空".into(),
                "region code: must not be empty".into(),
            ));
        }
        if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            let shown = if c.is_control() || c.is_whitespace() {
                format!("U+{:04X}", u32::from(c))
            } else {
                c.to_string()
            };
            return Err(region_err(
                format!(
                    "行政区划代码第 {} 位含非法字符「{shown}」（只能是数字）",
                    i + 1
                ),
                format!(
                    "region code: illegal character '{shown}' at position {} (digits only)",
                    i + 1
                ),
            ));
        }
        // Only ASCII digits from here on: byte slicing is on char boundaries.
        match s.len() {
            6 => {
                check_six(&s)?;
                Ok(Self(s))
            }
            9 => {
                check_nine(&s)?;
                Ok(Self(s))
            }
            12 if s.ends_with("000000") => {
                let six = &s[..6];
                check_six(six)?;
                Ok(Self(six.to_owned()))
            }
            12 if s.ends_with("000") => {
                let nine = &s[..9];
                check_nine(nine)?;
                Ok(Self(nine.to_owned()))
            }
            12 => {
                check_nine(&s[..9])?;
                let village: u32 = s[9..].parse().unwrap_or(0);
                if !(1..=399).contains(&village) {
                    return Err(region_err(
                        format!(
                            "村级区划代码 {s} 无效：第 10–12 位（村级代码）应在 001–399 之间，实际为 {village:03}"
                        ),
                        format!(
                            "region code {s}: the village part (digits 10–12) must be 001–399, got {village:03}"
                        ),
                    ));
                }
                Ok(Self(s))
            }
            n => Err(region_err(
                format!(
                    "行政区划代码长度错误：应为 6 位（省、市、县）、9 位（乡）或 12 位（村），实际为 {n} 位"
                ),
                format!(
                    "region code: wrong length: expected 6 (province/city/county), 9 (township) or 12 (village) digits, got {n}"
                ),
            )),
        }
    }

    /// The code in its shortest form (6, 9 or 12 digits).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code in the 12-digit form of the 统计用区划代码 (zero-padded).
    pub fn to_statistical(&self) -> String {
        format!("{:0<12}", self.0)
    }

    /// Level of the unit the code denotes.
    pub fn level(&self) -> AdminLevel {
        match self.0.len() {
            12 => AdminLevel::Village,
            9 => AdminLevel::Township,
            _ if self.0.ends_with("0000") => AdminLevel::Province,
            _ if self.0.ends_with("00") => AdminLevel::City,
            _ => AdminLevel::County,
        }
    }

    /// The structurally enclosing unit: village → township → county (or the prefecture-level
    /// city for townships of cities without counties) → prefecture → province → `None`.
    ///
    /// Parents are derived from the digits only, so they can be summary codes that are not units
    /// themselves, e.g. `110100` 市辖区 for a Beijing district or `429000` 省直辖县级行政区划.
    pub fn parent(&self) -> Option<RegionCode> {
        let s = &self.0;
        match self.level() {
            AdminLevel::Village => s.get(..9).map(|p| Self(p.to_owned())),
            AdminLevel::Township => s.get(..6).map(|p| Self(p.to_owned())),
            AdminLevel::County => s.get(..4).map(|p| Self(format!("{p}00"))),
            AdminLevel::City => s.get(..2).map(|p| Self(format!("{p}0000"))),
            AdminLevel::Province => None,
        }
    }

    /// The GB/T 2260 six-digit county-level code this unit belongs to (itself for a county).
    /// For townships and villages of a prefecture-level city without counties (e.g. 东莞
    /// `441900`) this is the city's own code. `None` for provinces and prefectures.
    pub fn county_code(&self) -> Option<RegionCode> {
        match self.level() {
            AdminLevel::Province | AdminLevel::City => None,
            _ => self.0.get(..6).map(|p| Self(p.to_owned())),
        }
    }

    /// The province-level code (`xx0000`) this unit belongs to (itself for a province).
    pub fn province_code(&self) -> RegionCode {
        Self(format!("{}0000", self.0.get(..2).unwrap_or("00")))
    }

    /// Whether `self` is `other` or lies inside it (by code structure).
    pub fn is_within(&self, other: &RegionCode) -> bool {
        let mut cur = Some(self.clone());
        while let Some(c) = cur {
            if &c == other {
                return true;
            }
            cur = c.parent();
        }
        false
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RegionCode {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|e| serde_error(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rc(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn err_zh(s: &str) -> String {
        match RegionCode::parse(s).unwrap_err() {
            DomainError::Field(f) => {
                assert_eq!(f.field, "region_code");
                assert!(!f.en.is_empty());
                f.zh.into_owned()
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn quanzhou_codes() {
        let city = rc("350500");
        assert_eq!(city.level(), AdminLevel::City);
        assert_eq!(city.parent(), Some(rc("350000")));
        assert_eq!(city.county_code(), None);
        let county = rc("350503");
        assert_eq!(county.level(), AdminLevel::County);
        assert_eq!(county.parent(), Some(city.clone()));
        assert_eq!(county.county_code(), Some(county.clone()));
        let town = rc("350503001");
        assert_eq!(town.level(), AdminLevel::Township);
        assert_eq!(town.parent(), Some(county.clone()));
        assert_eq!(town.county_code(), Some(county.clone()));
        let village = rc("350503001001");
        assert_eq!(village.level(), AdminLevel::Village);
        assert_eq!(village.parent(), Some(town.clone()));
        assert_eq!(village.county_code(), Some(county.clone()));
        assert_eq!(village.province_code(), rc("350000"));
        assert!(village.is_within(&city));
        assert!(!city.is_within(&village));
        assert_eq!(village.to_statistical(), "350503001001");
        assert_eq!(county.to_statistical(), "350503000000");
        for c in [
            "350502", "350504", "350505", "350521", "350524", "350525", "350526", "350527",
            "350581", "350582", "350583",
        ] {
            assert_eq!(rc(c).level(), AdminLevel::County);
            assert_eq!(rc(c).parent(), Some(city.clone()));
        }
        assert_eq!(rc("350000").level(), AdminLevel::Province);
        assert_eq!(rc("350000").parent(), None);
    }

    #[test]
    fn statistical_forms_are_normalised() {
        assert_eq!(rc("350503001000").as_str(), "350503001");
        assert_eq!(rc("350503001000").level(), AdminLevel::Township);
        assert_eq!(rc("350503000000").as_str(), "350503");
        assert_eq!(rc("350500000000").level(), AdminLevel::City);
        assert_eq!(rc("３５０５０３").as_str(), "350503");
        // Dongguan: townships directly under a prefecture-level city.
        let t = rc("441900003");
        assert_eq!(t.parent(), Some(rc("441900")));
        assert_eq!(t.county_code(), Some(rc("441900")));
    }

    #[test]
    fn invalid_codes() {
        assert!(err_zh("000000").contains("00"));
        assert!(err_zh("000000000000").contains("00"));
        assert!(err_zh("001200").contains("省级段"));
        assert!(err_zh("350012").contains("地级段"));
        assert!(err_zh("35050A").contains("第 6 位"));
        assert!(err_zh("").contains("不能为空"));
        assert!(err_zh("35050").contains("长度"));
        assert!(err_zh("3505030010").contains("长度"));
        assert!(err_zh("350503000").contains("001–599"));
        assert!(err_zh("350503600").contains("001–599"));
        assert!(err_zh("350000001").contains("省级"));
        assert!(err_zh("350503001400").contains("001–399"));
        assert!(err_zh("350503000001").contains("001–599"));
        assert!(RegionCode::parse("350503599399").is_ok());
    }

    #[test]
    fn admin_level_names() {
        for l in AdminLevel::ALL {
            assert_eq!(l.as_str().parse::<AdminLevel>().unwrap(), l);
            assert_eq!(l.zh().parse::<AdminLevel>().unwrap(), l);
        }
        assert_eq!(AdminLevel::Township.zh(), "乡");
        assert!("state".parse::<AdminLevel>().is_err());
        assert_eq!(
            serde_json::to_string(&AdminLevel::Village).unwrap(),
            "\"village\""
        );
    }

    #[test]
    fn serde_as_string() {
        let c = rc("350503001001");
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(j, "\"350503001001\"");
        assert_eq!(serde_json::from_str::<RegionCode>(&j).unwrap(), c);
        assert!(serde_json::from_str::<RegionCode>("\"000000\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = RegionCode::parse(&s);
        }

        #[test]
        fn parent_chain_ends_at_province(s in "[0-9]{6}|[0-9]{9}|[0-9]{12}") {
            if let Ok(code) = RegionCode::parse(&s) {
                let mut cur = code.clone();
                let mut steps = 0;
                while let Some(p) = cur.parent() {
                    prop_assert!(p.level() < cur.level());
                    prop_assert!(RegionCode::parse(p.as_str()).is_ok(), "{}", p);
                    cur = p;
                    steps += 1;
                    prop_assert!(steps <= 4);
                }
                prop_assert_eq!(cur.level(), AdminLevel::Province);
                prop_assert_eq!(cur, code.province_code());
            }
        }

        #[test]
        fn valid_structures_parse(
            prov in 11u32..=99,
            pref in 1u32..=99,
            county in 1u32..=99,
            town in 1u32..=599,
            village in 1u32..=399,
        ) {
            let s = format!("{prov:02}{pref:02}{county:02}{town:03}{village:03}");
            let code = RegionCode::parse(&s).unwrap();
            prop_assert_eq!(code.level(), AdminLevel::Village);
            prop_assert_eq!(code.as_str(), s.as_str());
        }
    }
}
