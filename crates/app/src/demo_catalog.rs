//! Demo service catalog (事项库): realistic 办事指南 of 泉州市 for the demo installation.
//!
//! The data lives in `crates/app/data/catalog_demo.json`, a JSON array of
//! [`ServiceGuide`](onewindow_domain::catalog::ServiceGuide) documents in the serde shape of the
//! domain type. It covers the five themed halls of the seed document (市场准入、投资建设、社会民生、
//! 便民服务、中介服务), the four levels 市/县/乡/村, the three discretion classes (鼓励允许类 /
//! 限制类 / 禁止类, the latter on situations such as 在饮用水水源一级保护区内新建与供水设施无关的
//! 建设项目), and the seed's five high-frequency "things" tagged as life events:
//! 工程建设项目审批, 开办企业, 不动产登记, 医保社保, 出入境.
//!
//! Every guide only references departments and regions of [`crate::demo`]: the 实施编码 of a
//! guide is the synthetic 统一社会信用代码 of its department (as [`crate::demo::seed`] computes
//! it), one level character (`1` 市, `2` 县, `3` 乡, `4` 村) and the 12-character 基本编码.
//! Phone numbers, window numbers and addresses are illustrative.

use onewindow_domain::catalog::ServiceGuide;

/// The demo catalog as shipped (JSON array of service guides).
pub const DEMO_CATALOG_JSON: &str = include_str!("../data/catalog_demo.json");

/// Parse the demo catalog.
pub fn demo_guides() -> Result<Vec<ServiceGuide>, serde_json::Error> {
    serde_json::from_str(DEMO_CATALOG_JSON)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use onewindow_domain::catalog::{
        Authority, CaseKind, DiscretionClass, Hall, MaterialSource, check_license_type_code,
    };
    use onewindow_domain::identity::CreditCode;
    use onewindow_domain::region::{AdminLevel, RegionCode};

    use super::*;
    use crate::demo::{DEPARTMENTS, REGIONS};

    fn guides() -> Vec<ServiceGuide> {
        demo_guides().unwrap()
    }

    /// Credit code of a demo department by its full name, computed as the demo seed does.
    fn credit_code(full_name: &str) -> Option<String> {
        DEPARTMENTS
            .iter()
            .find(|(name, ..)| *name == full_name)
            .map(|(_, _, region, body)| {
                CreditCode::synthesize(&format!("11{region}"), body)
                    .unwrap()
                    .as_str()
                    .to_string()
            })
    }

    fn level_char(level: AdminLevel) -> char {
        match level {
            AdminLevel::City => '1',
            AdminLevel::County => '2',
            AdminLevel::Township => '3',
            AdminLevel::Village => '4',
            AdminLevel::Province => '0',
        }
    }

    #[test]
    fn demo_catalog_parses_and_has_enough_items() {
        let g = guides();
        assert!(g.len() >= 45, "only {} guides", g.len());
    }

    #[test]
    fn demo_catalog_every_guide_is_valid() {
        let problems: Vec<String> = guides()
            .iter()
            .flat_map(|g| {
                g.validate()
                    .into_iter()
                    .map(move |p| format!("{}: {}: {}", g.name, p.field, p.zh))
            })
            .collect();
        assert!(
            problems.is_empty(),
            "invalid guides:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn demo_catalog_codes_are_unique() {
        let g = guides();
        let mut tasks = HashSet::new();
        let mut cats = HashSet::new();
        for x in &g {
            assert!(
                tasks.insert(x.task_code.clone()),
                "duplicate task_code {}",
                x.task_code
            );
            assert!(
                cats.insert(x.catalog_code.clone()),
                "duplicate catalog_code {}",
                x.catalog_code
            );
        }
    }

    #[test]
    fn demo_catalog_task_codes_follow_department_and_level() {
        for g in guides() {
            let code = credit_code(&g.department)
                .unwrap_or_else(|| panic!("{}: unknown department {}", g.name, g.department));
            assert_eq!(
                g.task_code.get(..18),
                Some(code.as_str()),
                "{}: credit code",
                g.name
            );
            assert_eq!(
                g.task_code.chars().nth(18),
                Some(level_char(g.level)),
                "{}: level character of {}",
                g.name,
                g.task_code
            );
            assert_eq!(
                g.task_code.get(19..),
                Some(g.catalog_code.as_str()),
                "{}",
                g.name
            );
        }
    }

    #[test]
    fn demo_catalog_regions_exist_and_match_levels() {
        for g in guides() {
            assert!(
                REGIONS.iter().any(|(code, _)| *code == g.region_code),
                "{}: region {} is not a demo region",
                g.name,
                g.region_code
            );
            let level = RegionCode::parse(&g.region_code).unwrap().level();
            assert_eq!(level, g.level, "{}: region {} level", g.name, g.region_code);
        }
    }

    #[test]
    fn demo_catalog_coverage() {
        let g = guides();
        for hall in Hall::ALL {
            let n = g.iter().filter(|x| x.hall == *hall).count();
            assert!(n >= 4, "hall {} has {n} items", hall.zh());
        }
        for level in [
            AdminLevel::City,
            AdminLevel::County,
            AdminLevel::Township,
            AdminLevel::Village,
        ] {
            assert!(g.iter().any(|x| x.level == level), "no {level} item");
        }
        // A class may be carried by the item as a whole or by one of its situations.
        for class in DiscretionClass::ALL {
            let n = g
                .iter()
                .filter(|x| {
                    x.discretion == *class || x.situations.iter().any(|s| s.class == *class)
                })
                .count();
            assert!(n >= 1, "no {} item or situation", class.zh());
        }
        let mut events: BTreeMap<&str, usize> = BTreeMap::new();
        for x in &g {
            for e in &x.life_events {
                *events.entry(e.as_str()).or_default() += 1;
            }
        }
        for (event, min) in [
            ("工程建设项目审批", 6),
            ("开办企业", 3),
            ("不动产登记", 3),
            ("医保社保", 3),
            ("出入境", 3),
        ] {
            let n = events.get(event).copied().unwrap_or(0);
            assert!(n >= min, "life event {event}: {n} items, want ≥ {min}");
        }
    }

    #[test]
    fn demo_catalog_business_setup_finishes_in_one_day() {
        for g in guides()
            .iter()
            .filter(|g| g.life_events.iter().any(|e| e == "开办企业"))
        {
            assert!(
                g.promised_days <= 1,
                "{}: promised {} days",
                g.name,
                g.promised_days
            );
        }
    }

    #[test]
    fn demo_catalog_time_limits_and_authority_are_consistent() {
        for g in guides() {
            if g.case_kind == CaseKind::Immediate {
                assert_eq!((g.statutory_days, g.promised_days), (0, 0), "{}", g.name);
            }
            let mut pairs = vec![(g.name.clone(), g.discretion, g.authority)];
            pairs.extend(
                g.situations
                    .iter()
                    .map(|s| (format!("{}/{}", g.name, s.name), s.class, s.authority)),
            );
            for (what, class, authority) in pairs {
                let min = match class {
                    DiscretionClass::Encouraged => Authority::WindowOfficer,
                    DiscretionClass::Restricted => Authority::DeputyDirector,
                    DiscretionClass::Prohibited => Authority::Director,
                };
                assert!(
                    authority >= min,
                    "{what}: {} signed by {}",
                    class.zh(),
                    authority.zh()
                );
            }
        }
    }

    #[test]
    fn demo_catalog_license_type_codes_are_valid() {
        for g in guides() {
            let mut codes: Vec<&str> = g.result_license_type.iter().map(String::as_str).collect();
            codes.extend(g.materials.iter().filter_map(|m| match &m.source {
                MaterialSource::License { license_type_code } => Some(license_type_code.as_str()),
                _ => None,
            }));
            for c in codes {
                assert!(
                    check_license_type_code(c).is_ok(),
                    "{}: license type code {c}",
                    g.name
                );
            }
        }
    }

    #[test]
    fn demo_catalog_department_sources_name_demo_departments() {
        for g in guides() {
            for m in &g.materials {
                if let MaterialSource::Department { name } = &m.source {
                    assert!(
                        DEPARTMENTS.iter().any(|(n, ..)| n == name),
                        "{}: material {} from unknown department {name}",
                        g.name,
                        m.name
                    );
                }
            }
        }
    }
}
