//! User-interface languages. Simplified Chinese is the default; English is available on every
//! page (`?lang=en`, remembered in a cookie). Texts live in `locales/*.toml`, embedded at build
//! time; a test checks both files have the same keys.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parse a tag or cookie value.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" | "zh_cn" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (for the switch link).
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Whether English.
    pub fn is_en(self) -> bool {
        self == Lang::En
    }
}

type Table = HashMap<String, String>;

fn load(src: &str) -> Table {
    match toml::from_str::<Table>(src) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "locale file does not parse");
            Table::new()
        }
    }
}

static ZH: LazyLock<Table> = LazyLock::new(|| load(include_str!("../locales/zh-CN.toml")));
static EN: LazyLock<Table> = LazyLock::new(|| load(include_str!("../locales/en.toml")));

/// Translator handed to templates: `{{ tr.t("login.title") }}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    /// Language in use.
    pub lang: Lang,
}

impl Tr {
    /// The texts of the language in use.
    fn table(&self) -> &'static Table {
        match self.lang {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// Text for a key; the key itself if missing (a test keeps the files complete).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        match self.table().get(key) {
            Some(v) => v.as_str(),
            None => key,
        }
    }

    /// The label of a machine code: the text of `{group}.{code}`, or the code itself when there
    /// is none (a code added later, or a name such as a username, still shows as itself).
    pub fn code(&self, group: &str, code: &str) -> String {
        match self.table().get(&format!("{group}.{code}")) {
            Some(v) => v.clone(),
            None => code.to_string(),
        }
    }

    /// Options of a select: each machine code with its label (see [`Tr::code`]).
    pub fn options<'c>(
        &self,
        group: &str,
        codes: impl IntoIterator<Item = &'c str>,
    ) -> Vec<(&'c str, String)> {
        codes
            .into_iter()
            .map(|c| (c, self.code(group, c)))
            .collect()
    }

    /// Pick between a Chinese and an English string.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.lang.is_en() { en } else { zh }
    }

    /// Whether English.
    pub fn en(&self) -> bool {
        self.lang.is_en()
    }
}

/// Keys of both locale files (for tests).
pub fn keys() -> (Vec<String>, Vec<String>) {
    let mut z: Vec<String> = ZH.keys().cloned().collect();
    let mut e: Vec<String> = EN.keys().cloned().collect();
    z.sort();
    e.sort();
    (z, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_without_a_label_shows_as_itself() {
        let zh = Tr { lang: Lang::Zh };
        let en = Tr { lang: Lang::En };
        assert_eq!(zh.code("case.event", "in_review"), "受理，进入审查");
        assert_eq!(en.code("case.event", "in_review"), "Accepted, in review");
        assert_eq!(en.code("case.event", "some_new_action"), "some_new_action");
        assert_eq!(en.code("actor", "clerk"), "clerk");
        assert_eq!(en.code("actor", "anonymous"), "applicant");
    }
}
