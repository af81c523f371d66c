//! The statutory annual report on government information disclosure (政府信息公开工作年度报告).
//!
//! * 条例 arts. 49–50: departments publish their previous-year report by 31 January; contents
//!   (一) proactive disclosure, (二) applications, (三) reconsideration and litigation, (四) problems
//!   and improvements, (五) other matters (domain rules §1.8).
//! * Formats (domain rules §2): 国办公开办函〔2021〕30号 from the 2021 reports on ([`Format::Y2021`]);
//!   the trial format 国办公开办函〔2019〕60号 for 2019 and 2020 ([`Format::Y2019`]); before 2019 a
//!   free-form statistics table such as the seed document's 附表 ([`Format::Legacy`]).
//!
//! This module holds the figures ([`Figures`]), the consistency rules ([`check`]), the narrative
//! check, and the official layout of every table as a renderer-neutral [`Grid`] inside a
//! [`ReportDoc`] that the document writers (HTML, DOCX, XLSX, PDF) print as they are.

use serde::{Deserialize, Serialize};

/// Which national format a year's report follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// 国办公开办函〔2021〕30号 (reports for 2021 onwards).
    Y2021,
    /// 国办公开办函〔2019〕60号 trial format (reports for 2019 and 2020).
    Y2019,
    /// Before 2019: a free-form statistics table (附表).
    Legacy,
}

impl Format {
    /// The format a report for `year` follows.
    pub fn for_year(year: i32) -> Format {
        if year >= 2021 {
            Format::Y2021
        } else if year >= 2019 {
            Format::Y2019
        } else {
            Format::Legacy
        }
    }

    /// Name of the format.
    pub fn zh(self) -> &'static str {
        match self {
            Format::Y2021 => "2021年版格式（国办公开办函〔2021〕30号）",
            Format::Y2019 => "2019年试行格式（国办公开办函〔2019〕60号）",
            Format::Legacy => "2019年以前格式（统计附表）",
        }
    }
}

/// Table 二 (2021): 主动公开政府信息情况.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table2 {
    /// 规章: 本年制发件数, 本年废止件数, 现行有效件数.
    pub rules: [u64; 3],
    /// 行政规范性文件: the same three columns.
    pub normative: [u64; 3],
    /// 行政许可 本年处理决定数量.
    pub licensing: u64,
    /// 行政处罚 本年处理决定数量.
    pub penalty: u64,
    /// 行政强制 本年处理决定数量.
    pub coercion: u64,
    /// 行政事业性收费 本年收费金额, in yuan (printed in 万元).
    pub fees_yuan: u64,
}

/// Table 二 (2019 trial format): counts of items and decisions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table2Trial {
    /// 规章: 本年新制作数量, 本年新公开数量, 对外公开总数量.
    pub rules: [u64; 3],
    /// 规范性文件: the same.
    pub normative: [u64; 3],
    /// 行政许可: 上一年项目数量, 本年增/减, 处理决定数量.
    pub licensing: [i64; 3],
    /// 其他对外管理服务事项: the same.
    pub other_services: [i64; 3],
    /// 行政处罚: the same.
    pub penalty: [i64; 3],
    /// 行政强制: the same.
    pub coercion: [i64; 3],
    /// 行政事业性收费: 上一年项目数量, 本年增/减.
    pub fees: [i64; 2],
    /// 政府集中采购: 采购项目数量, 采购总金额 (yuan, printed in 万元).
    pub procurement: [u64; 2],
}

/// Table 四: 15 columns — 行政复议 (维持, 纠正, 其他, 尚未审结, 总计), then the same for litigation
/// without and after reconsideration.
pub type Table4 = [u64; 15];

/// One row of a pre-2019 statistics table (the seed's 附表: 指标名称 · 单位 · 本年 · 历年累计).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyRow {
    /// 指标名称 as printed (e.g. `其中:1.政府网站公开数`).
    pub label: String,
    /// 单位 (条 / 件).
    pub unit: String,
    /// This year.
    pub year_value: i64,
    /// 历年累计.
    pub cumulative: i64,
}

/// Every figure of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// The format.
    pub format: Format,
    /// Table 二 (2021).
    pub table2: Table2,
    /// Table 二 (2019 trial).
    pub table2_trial: Table2Trial,
    /// Table 三, always in the 25-row 2021 layout (the 2019 layout folds r21–r23).
    pub table3: Vec<[u64; 7]>,
    /// Table 四.
    pub table4: Table4,
    /// Pre-2019 rows.
    pub legacy: Vec<LegacyRow>,
    /// 信息处理费 collected in the year, yuan (section 六).
    pub fees_collected_yuan: u64,
}

impl Figures {
    /// Empty figures for `format`.
    pub fn empty(format: Format) -> Figures {
        Figures {
            format,
            table2: Table2::default(),
            table2_trial: Table2Trial::default(),
            table3: vec![[0; 7]; 25],
            table4: [0; 15],
            legacy: Vec::new(),
            fees_collected_yuan: 0,
        }
    }
}

/// Table 四 from challenges: `(block, result)` with block 0 = 行政复议, 1 = 未经复议直接起诉,
/// 2 = 复议后起诉 and result 0 = 维持, 1 = 纠正, 2 = 其他, 3 = 尚未审结.
pub fn table4(entries: impl IntoIterator<Item = (usize, usize)>) -> Table4 {
    let mut t = [0u64; 15];
    for (block, result) in entries {
        if block < 3 && result < 4 {
            t[block * 5 + result] += 1;
            t[block * 5 + 4] += 1;
        }
    }
    t
}

/// A consistency finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A hard finding blocks publication; a soft one is a warning.
    pub hard: bool,
    /// Machine name of the rule.
    pub rule: &'static str,
    /// Explanation in Chinese.
    pub zh: String,
    /// Explanation in English.
    pub en: String,
}

fn finding(hard: bool, rule: &'static str, zh: String, en: String) -> Finding {
    Finding { hard, rule, zh, en }
}

/// Row labels of table 三 (2021), r1–r25 (domain rules §2.3).
pub const TABLE3_ROWS: [&str; 25] = [
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
    "（七）总计",
    "四、结转下年度继续办理",
];

/// The §2.3 and §2.4 rules, the carry-over from last year's report, and the narrative check.
/// `previous_carry_over` is r25 of last year's table 三, when that report exists.
pub fn check(f: &Figures, previous_carry_over: Option<[u64; 7]>, narrative: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if f.format != Format::Legacy {
        let t = &f.table3;
        if t.len() != 25 {
            out.push(finding(
                true,
                "table3.shape",
                format!("表三应有25行，实际{}行", t.len()),
                format!("table 3 must have 25 rows, has {}", t.len()),
            ));
            return out;
        }
        // Rule 1: c7 = c1 + … + c6 in every row.
        for (i, row) in t.iter().enumerate() {
            let sum: u64 = row[..6].iter().sum();
            if row[6] != sum {
                out.push(finding(
                    true,
                    "table3.row_total",
                    format!(
                        "表三第{}行“总计”列为{}，但各类申请人之和为{}",
                        i + 1,
                        row[6],
                        sum
                    ),
                    format!(
                        "table 3 row {}: total {} ≠ sum of columns {}",
                        i + 1,
                        row[6],
                        sum
                    ),
                ));
            }
        }
        for c in 0..7 {
            // Rule 2: r24 = r3 + … + r23.
            let outcomes: u64 = t[2..23].iter().map(|r| r[c]).sum();
            if t[23][c] != outcomes {
                out.push(finding(
                    true,
                    "table3.outcome_total",
                    format!(
                        "表三第{}列“（七）总计”为{}，但各办理结果之和为{}",
                        c + 1,
                        t[23][c],
                        outcomes
                    ),
                    format!(
                        "table 3 column {}: r24 {} ≠ r3..r23 {}",
                        c + 1,
                        t[23][c],
                        outcomes
                    ),
                ));
            }
            // Rule 3: r1 + r2 = r24 + r25.
            if t[0][c] + t[1][c] != t[23][c] + t[24][c] {
                out.push(finding(
                    true,
                    "table3.balance",
                    format!(
                        "表三第{}列：新收{} + 上年结转{} ≠ 办理结果总计{} + 结转下年度{}",
                        c + 1,
                        t[0][c],
                        t[1][c],
                        t[23][c],
                        t[24][c]
                    ),
                    format!("table 3 column {}: r1 + r2 ≠ r24 + r25", c + 1),
                ));
            }
        }
        // Rule 4 (soft): last year's carry-over is this year's r2.
        if let Some(prev) = previous_carry_over
            && prev != t[1]
        {
            out.push(finding(
                false,
                "table3.carry_over",
                format!(
                    "上年报告“结转下年度继续办理”为{}件，本年“上年结转”为{}件",
                    prev[6], t[1][6]
                ),
                format!(
                    "last year's carry-over {} ≠ this year's r2 {}",
                    prev[6], t[1][6]
                ),
            ));
        }
        // Table 四: 总计 = 维持 + 纠正 + 其他 + 尚未审结 in each block.
        for b in 0..3 {
            let s: u64 = f.table4[b * 5..b * 5 + 4].iter().sum();
            if f.table4[b * 5 + 4] != s {
                out.push(finding(
                    true,
                    "table4.total",
                    format!(
                        "表四第{}组“总计”为{}，但各结果之和为{}",
                        b + 1,
                        f.table4[b * 5 + 4],
                        s
                    ),
                    format!("table 4 block {}: total ≠ sum", b + 1),
                ));
            }
        }
    } else {
        legacy_checks(&f.legacy, &mut out);
    }
    out.extend(narrative_check(f, narrative));
    out
}

fn legacy_value(rows: &[LegacyRow], label_part: &str) -> Option<i64> {
    rows.iter()
        .find(|r| r.label.contains(label_part))
        .map(|r| r.year_value)
}

/// The pre-2019 table's own sums: the parts of a total do not exceed it, 历年累计 ≥ 本年.
fn legacy_checks(rows: &[LegacyRow], out: &mut Vec<Finding>) {
    for r in rows {
        if r.cumulative < r.year_value || r.year_value < 0 {
            out.push(finding(
                true,
                "legacy.cumulative",
                format!(
                    "附表“{}”历年累计{}小于本年{}",
                    r.label, r.cumulative, r.year_value
                ),
                format!("{}: cumulative below this year", r.label),
            ));
        }
    }
    let parts = |total: &str, parts: &[&str]| -> Option<(i64, i64)> {
        let t = legacy_value(rows, total)?;
        let s: i64 = parts.iter().filter_map(|p| legacy_value(rows, p)).sum();
        Some((t, s))
    };
    for (total, ps, zh) in [
        (
            "受理政府信息公开申请总数",
            &["当面申请数", "网络申请数", "信函、传真申请数"][..],
            "受理申请总数",
        ),
        (
            "对申请的答复总数",
            &[
                "同意公开答复数",
                "同意部分公开答复数",
                "不予公开答复数",
                "其他类型答复数",
            ][..],
            "答复总数",
        ),
    ] {
        if let Some((t, s)) = parts(total, ps)
            && t != s
        {
            out.push(finding(
                true,
                "legacy.parts",
                format!("附表“{zh}”为{t}，但分项之和为{s}"),
                format!("{total}: {t} ≠ sum of parts {s}"),
            ));
        }
    }
    if let (Some(t), Some(web), Some(gaz)) = (
        legacy_value(rows, "主动公开文件数"),
        legacy_value(rows, "政府网站公开数"),
        legacy_value(rows, "政府公报公开数"),
    ) && web.max(gaz) > t
    {
        out.push(finding(
            true,
            "legacy.parts",
            format!("附表“主动公开文件数”{t}小于其中分项"),
            "proactive total below one of its parts".into(),
        ));
    }
}

/// A figure the narrative may state, and the phrases that introduce it.
struct Anchor {
    phrases: &'static [&'static str],
    value: i64,
    what: &'static str,
}

/// Numbers in the narrative that contradict the tables: for each figure, every number that
/// follows one of its phrases within a few characters (e.g. “共公开各类信息1786条” against the
/// 附表's 主动公开文件数 1104) — the seed report itself has this mismatch.
pub fn narrative_check(f: &Figures, narrative: &str) -> Vec<Finding> {
    let anchors: Vec<Anchor> = match f.format {
        Format::Legacy => {
            let mut a = Vec::new();
            if let Some(v) = legacy_value(&f.legacy, "主动公开文件数") {
                a.push(Anchor {
                    phrases: &["共公开各类信息", "主动公开文件", "主动公开政府信息"],
                    value: v,
                    what: "主动公开文件数",
                });
            }
            if let Some(v) = legacy_value(&f.legacy, "受理政府信息公开申请总数") {
                a.push(Anchor {
                    phrases: &["收到政府信息公开申请", "受理政府信息公开申请"],
                    value: v,
                    what: "受理政府信息公开申请总数",
                });
            }
            a
        }
        _ => vec![
            Anchor {
                phrases: &["新收政府信息公开申请", "收到政府信息公开申请", "共收到申请"],
                value: f.table3.first().map(|r| r[6] as i64).unwrap_or(0),
                what: "本年新收政府信息公开申请数量",
            },
            Anchor {
                phrases: &["收取信息处理费"],
                value: f.fees_collected_yuan as i64,
                what: "信息处理费",
            },
        ],
    };
    let mut out = Vec::new();
    for a in anchors {
        for phrase in a.phrases {
            for (pos, _) in narrative.match_indices(phrase) {
                let rest = &narrative[pos + phrase.len()..];
                if let Some(n) = first_number(rest, 8)
                    && n != a.value
                {
                    out.push(finding(
                        true,
                        "narrative.figure",
                        format!(
                            "正文称“{phrase}…{n}”，与统计表“{}”{}不一致",
                            a.what, a.value
                        ),
                        format!(
                            "the text says {n} after “{phrase}”, the table's {} is {}",
                            a.what, a.value
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// The first whole number within `window` characters of the start of `s` (ASCII digits, with
/// thousands separators).
fn first_number(s: &str, window: usize) -> Option<i64> {
    let mut chars = s.char_indices().take(window + 12).peekable();
    let mut skipped = 0;
    while let Some((_, c)) = chars.peek().copied() {
        if c.is_ascii_digit() {
            break;
        }
        skipped += 1;
        if skipped > window {
            return None;
        }
        chars.next();
    }
    let mut n: i64 = 0;
    let mut any = false;
    for (_, c) in chars {
        if let Some(d) = c.to_digit(10) {
            n = n.checked_mul(10)?.checked_add(i64::from(d))?;
            any = true;
        } else if c == ',' || c == '，' && any {
            continue;
        } else {
            break;
        }
    }
    any.then_some(n)
}

// ---------------------------------------------------------------------------------------------
// Layout.

/// One cell of a [`Grid`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridCell {
    /// First row (0-based).
    pub row: usize,
    /// First column (0-based).
    pub col: usize,
    /// Rows spanned (≥ 1).
    pub rowspan: usize,
    /// Columns spanned (≥ 1).
    pub colspan: usize,
    /// Text.
    pub text: String,
    /// A header or label cell (bold, shaded).
    pub header: bool,
    /// A number (right-aligned; exported as a number).
    pub number: bool,
    /// Where the figure comes from (drill-down link or a source note), if any.
    pub source: Option<String>,
}

/// A table laid out as the official format prints it, with merged cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    /// Short name (sheet name in XLSX).
    pub name: String,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Cells; together they cover the grid without overlap (empty cells may be omitted).
    pub cells: Vec<GridCell>,
}

impl Grid {
    fn new(name: &str, cols: usize) -> Grid {
        Grid {
            name: name.into(),
            rows: 0,
            cols,
            cells: Vec::new(),
        }
    }

    fn put(
        &mut self,
        row: usize,
        col: usize,
        rowspan: usize,
        colspan: usize,
        text: &str,
        header: bool,
    ) {
        self.rows = self.rows.max(row + rowspan);
        self.cells.push(GridCell {
            row,
            col,
            rowspan,
            colspan,
            text: text.into(),
            header,
            number: false,
            source: None,
        });
    }

    fn num(&mut self, row: usize, col: usize, value: String, source: Option<String>) {
        self.rows = self.rows.max(row + 1);
        self.cells.push(GridCell {
            row,
            col,
            rowspan: 1,
            colspan: 1,
            text: value,
            header: false,
            number: true,
            source,
        });
    }

    /// Widen the cell added last to `colspan` columns.
    fn span_last(&mut self, colspan: usize) {
        if let Some(c) = self.cells.last_mut() {
            c.colspan = colspan;
        }
    }

    /// The cell covering `(row, col)`, if any.
    pub fn at(&self, row: usize, col: usize) -> Option<&GridCell> {
        self.cells.iter().find(|c| {
            row >= c.row && row < c.row + c.rowspan && col >= c.col && col < c.col + c.colspan
        })
    }
}

/// Yuan as 万元 with up to four decimals (`12345` → `1.2345`, `0` → `0`).
pub fn wan(yuan: u64) -> String {
    let whole = yuan / 10_000;
    let frac = yuan % 10_000;
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:04}")
            .trim_end_matches('0')
            .to_owned()
    }
}

/// Table 二, 2021 layout: 信息内容 × (本年制发件数, 本年废止件数, 现行有效件数) etc.
pub fn grid_table2(t: &Table2, links: &dyn Fn(&str) -> Option<String>) -> Grid {
    let mut g = Grid::new("表二", 4);
    g.put(0, 0, 1, 4, "第二十条第（一）项", true);
    for (i, h) in ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
        .iter()
        .enumerate()
    {
        g.put(1, i, 1, 1, h, true);
    }
    for (r, (label, key, vals)) in [
        ("规章", "rules", t.rules),
        ("行政规范性文件", "normative", t.normative),
    ]
    .iter()
    .enumerate()
    {
        g.put(2 + r, 0, 1, 1, label, true);
        for (c, v) in vals.iter().enumerate() {
            g.num(
                2 + r,
                1 + c,
                v.to_string(),
                links(&format!("table2.{key}.{c}")),
            );
        }
    }
    let mut row = 4;
    for (head, items) in [
        (
            "第二十条第（五）项",
            vec![("行政许可", "licensing", t.licensing)],
        ),
        (
            "第二十条第（六）项",
            vec![
                ("行政处罚", "penalty", t.penalty),
                ("行政强制", "coercion", t.coercion),
            ],
        ),
    ] {
        g.put(row, 0, 1, 4, head, true);
        g.put(row + 1, 0, 1, 1, "信息内容", true);
        g.put(row + 1, 1, 1, 3, "本年处理决定数量", true);
        row += 2;
        for (label, key, v) in items {
            g.put(row, 0, 1, 1, label, true);
            g.num(row, 1, v.to_string(), links(&format!("table2.{key}")));
            g.span_last(3);
            row += 1;
        }
    }
    g.put(row, 0, 1, 4, "第二十条第（八）项", true);
    g.put(row + 1, 0, 1, 1, "信息内容", true);
    g.put(row + 1, 1, 1, 3, "本年收费金额（单位：万元）", true);
    g.put(row + 2, 0, 1, 1, "行政事业性收费", true);
    g.num(row + 2, 1, wan(t.fees_yuan), links("table2.fees"));
    g.span_last(3);
    g
}

/// Table 二, 2019 trial layout.
pub fn grid_table2_trial(t: &Table2Trial, links: &dyn Fn(&str) -> Option<String>) -> Grid {
    let mut g = Grid::new("表二", 4);
    let mut row = 0;
    let head3 = |g: &mut Grid, row: usize, group: &str, cols: [&str; 3]| {
        g.put(row, 0, 1, 4, group, true);
        g.put(row + 1, 0, 1, 1, "信息内容", true);
        for (i, c) in cols.iter().enumerate() {
            g.put(row + 1, 1 + i, 1, 1, c, true);
        }
    };
    head3(
        &mut g,
        row,
        "第二十条第（一）项",
        ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
    );
    row += 2;
    for (label, key, vals) in [
        ("规章", "rules", t.rules),
        ("规范性文件", "normative", t.normative),
    ] {
        g.put(row, 0, 1, 1, label, true);
        for (c, v) in vals.iter().enumerate() {
            g.num(
                row,
                1 + c,
                v.to_string(),
                links(&format!("table2.{key}.{c}")),
            );
        }
        row += 1;
    }
    for (group, items) in [
        (
            "第二十条第（五）项",
            vec![
                ("行政许可", t.licensing),
                ("其他对外管理服务事项", t.other_services),
            ],
        ),
        (
            "第二十条第（六）项",
            vec![("行政处罚", t.penalty), ("行政强制", t.coercion)],
        ),
    ] {
        head3(
            &mut g,
            row,
            group,
            ["上一年项目数量", "本年增/减", "处理决定数量"],
        );
        row += 2;
        for (label, vals) in items {
            g.put(row, 0, 1, 1, label, true);
            for (c, v) in vals.iter().enumerate() {
                g.num(row, 1 + c, v.to_string(), None);
            }
            row += 1;
        }
    }
    g.put(row, 0, 1, 4, "第二十条第（八）项", true);
    g.put(row + 1, 0, 1, 1, "信息内容", true);
    g.put(row + 1, 1, 1, 1, "上一年项目数量", true);
    g.put(row + 1, 2, 1, 2, "本年增/减", true);
    g.put(row + 2, 0, 1, 1, "行政事业性收费", true);
    g.num(row + 2, 1, t.fees[0].to_string(), None);
    g.num(row + 2, 2, t.fees[1].to_string(), None);
    g.span_last(2);
    row += 3;
    g.put(row, 0, 1, 4, "第二十条第（九）项", true);
    g.put(row + 1, 0, 1, 1, "信息内容", true);
    g.put(row + 1, 1, 1, 1, "采购项目数量", true);
    g.put(row + 1, 2, 1, 2, "采购总金额（单位：万元）", true);
    g.put(row + 2, 0, 1, 1, "政府集中采购", true);
    g.num(row + 2, 1, t.procurement[0].to_string(), None);
    g.num(row + 2, 2, wan(t.procurement[1]), None);
    g.span_last(2);
    g
}

/// Table 三: three header rows, three label columns, 7 numeric columns (28 × 10 in 2021; the
/// 2019 layout prints （六）其他处理 as one row).
pub fn grid_table3(t: &[[u64; 7]], format: Format, links: &dyn Fn(&str) -> Option<String>) -> Grid {
    let mut g = Grid::new("表三", 10);
    g.put(
        0,
        0,
        3,
        3,
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        true,
    );
    g.put(0, 3, 1, 7, "申请人情况", true);
    g.put(1, 3, 2, 1, "自然人", true);
    g.put(1, 4, 1, 5, "法人或其他组织", true);
    g.put(1, 9, 2, 1, "总计", true);
    for (i, h) in [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    .iter()
    .enumerate()
    {
        g.put(2, 4 + i, 1, 1, h, true);
    }
    // Rows of the printed grid: (label cells, table row index or a folded range).
    let mut row = 3;
    let data_row = |g: &mut Grid, row: usize, values: [u64; 7], key: &str| {
        for (c, v) in values.iter().enumerate() {
            g.num(
                row,
                3 + c,
                v.to_string(),
                links(&format!("table3.{key}.{c}")),
            );
        }
    };
    g.put(row, 0, 1, 3, TABLE3_ROWS[0], true);
    data_row(&mut g, row, t[0], "r1");
    row += 1;
    g.put(row, 0, 1, 3, TABLE3_ROWS[1], true);
    data_row(&mut g, row, t[1], "r2");
    row += 1;
    let other_rows = if format == Format::Y2019 { 1 } else { 3 };
    let group_rows = 2 + 8 + 3 + 5 + other_rows + 1;
    g.put(row, 0, group_rows, 1, "三、本年度办理结果", true);
    g.put(row, 1, 1, 2, TABLE3_ROWS[2], true);
    data_row(&mut g, row, t[2], "r3");
    row += 1;
    g.put(row, 1, 1, 2, TABLE3_ROWS[3], true);
    data_row(&mut g, row, t[3], "r4");
    row += 1;
    for (label, first, n) in [
        ("（三）不予公开", 4, 8),
        ("（四）无法提供", 12, 3),
        ("（五）不予处理", 15, 5),
    ] {
        g.put(row, 1, n, 1, label, true);
        for k in 0..n {
            g.put(row + k, 2, 1, 1, TABLE3_ROWS[first + k], true);
            data_row(
                &mut g,
                row + k,
                t[first + k],
                &format!("r{}", first + k + 1),
            );
        }
        row += n;
    }
    if format == Format::Y2019 {
        g.put(row, 1, 1, 2, "（六）其他处理", true);
        let mut folded = [0u64; 7];
        for r in &t[20..23] {
            for c in 0..7 {
                folded[c] += r[c];
            }
        }
        data_row(&mut g, row, folded, "r21-23");
        row += 1;
    } else {
        g.put(row, 1, 3, 1, "（六）其他处理", true);
        for k in 0..3 {
            g.put(row + k, 2, 1, 1, TABLE3_ROWS[20 + k], true);
            data_row(&mut g, row + k, t[20 + k], &format!("r{}", 21 + k));
        }
        row += 3;
    }
    g.put(row, 1, 1, 2, TABLE3_ROWS[23], true);
    data_row(&mut g, row, t[23], "r24");
    row += 1;
    g.put(row, 0, 1, 3, TABLE3_ROWS[24], true);
    data_row(&mut g, row, t[24], "r25");
    g
}

/// Table 四: two header rows and one data row of 15 columns.
pub fn grid_table4(t: &Table4, links: &dyn Fn(&str) -> Option<String>) -> Grid {
    let mut g = Grid::new("表四", 15);
    g.put(0, 0, 2, 5, "行政复议", true);
    g.put(0, 5, 1, 10, "行政诉讼", true);
    g.put(1, 5, 1, 5, "未经复议直接起诉", true);
    g.put(1, 10, 1, 5, "复议后起诉", true);
    let heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
    // The first block's headers sit under its two-row title in the official table; here they
    // form row 2 like the others.
    for b in 0..3 {
        for (i, h) in heads.iter().enumerate() {
            g.put(2, b * 5 + i, 1, 1, h, true);
        }
    }
    for (c, v) in t.iter().enumerate() {
        g.num(3, c, v.to_string(), links(&format!("table4.{c}")));
    }
    g
}

/// The pre-2019 统计附表: 指标名称 · 单位 · 本年 · 历年累计.
pub fn grid_legacy(rows: &[LegacyRow], year: i32) -> Grid {
    let mut g = Grid::new("附表", 4);
    for (i, h) in [
        "指标名称".to_owned(),
        "单位".into(),
        format!("{year}年"),
        "历年累计".into(),
    ]
    .iter()
    .enumerate()
    {
        g.put(0, i, 1, 1, h, true);
    }
    for (i, r) in rows.iter().enumerate() {
        g.put(1 + i, 0, 1, 1, &r.label, true);
        g.put(1 + i, 1, 1, 1, &r.unit, false);
        g.num(1 + i, 2, r.year_value.to_string(), None);
        g.num(1 + i, 3, r.cumulative.to_string(), None);
    }
    g
}

/// A section of the report: heading, paragraphs, and optionally a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// e.g. `一、总体情况`.
    pub heading: String,
    /// Paragraphs.
    pub paragraphs: Vec<String>,
    /// A table after the paragraphs.
    pub grid: Option<Grid>,
}

/// The whole report, ready for a document writer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDoc {
    /// Title, e.g. `泉州市行政服务中心2025年政府信息公开工作年度报告`.
    pub title: String,
    /// Opening paragraph.
    pub preface: String,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Issuer (落款).
    pub issuer: String,
    /// Date line (落款日期), e.g. `2026年1月20日`.
    pub date: String,
}

/// The narrative texts an officer edits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrative {
    /// 一、总体情况 (drafted from the figures when empty).
    pub overview: String,
    /// 五、存在的主要问题及改进情况.
    pub problems: String,
    /// 六、其他需要报告的事项.
    pub other: String,
}

fn paragraphs(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The drafted 一、总体情况 from the figures (the officer edits it).
pub fn draft_overview(body: &str, year: i32, f: &Figures, items_published: u64) -> String {
    let t3 = |r: usize| f.table3.get(r).map(|x| x[6]).unwrap_or(0);
    format!(
        "{year}年，{body}认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，\
         规范信息采集、审核、发布流程，未经审核的信息不得上网公布。\n\
         主动公开方面，全年在政府信息公开平台主动公开政府信息{items_published}条，其中制发行政规范性文件{}件。\n\
         依申请公开方面，本年新收政府信息公开申请{}件，上年结转{}件，办结{}件，结转下年度继续办理{}件。\n\
         政府信息管理和平台建设方面，严格执行保密审查和发布审核制度，及时更新、撤回和标注失效信息。\n\
         监督保障方面，本年因政府信息公开引起的行政复议{}件、行政诉讼{}件。",
        f.table2.normative[0],
        t3(0),
        t3(1),
        t3(23),
        t3(24),
        f.table4[4],
        f.table4[9] + f.table4[14],
    )
}

/// The default 六 text: the fees collected must be reported (国办函〔2020〕109号).
pub fn draft_other(f: &Figures) -> String {
    format!(
        "本年度收取信息处理费{}元。其他需要报告的事项：无。",
        f.fees_collected_yuan
    )
}

/// Assemble the report document. `links(key)` gives the drill-down of a figure.
pub fn document(
    body: &str,
    year: i32,
    f: &Figures,
    n: &Narrative,
    issuer: &str,
    date: &str,
    links: &dyn Fn(&str) -> Option<String>,
) -> ReportDoc {
    let title = format!("{body}{year}年政府信息公开工作年度报告");
    let mut sections = Vec::new();
    match f.format {
        Format::Legacy => {
            let preface = format!(
                "本报告根据《中华人民共和国政府信息公开条例》要求，由{body}编制。全文包括概述、主动公开政府信息情况、政府信息依申请公开办理情况、因政府信息公开申请行政复议和提起行政诉讼的情况、存在的主要问题及改进措施、需要说明的其他事项与附表。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
            );
            sections.push(Section {
                heading: "一、概述".into(),
                paragraphs: paragraphs(&n.overview),
                grid: None,
            });
            sections.push(Section {
                heading: "二、存在的主要问题及改进措施".into(),
                paragraphs: paragraphs(&n.problems),
                grid: None,
            });
            sections.push(Section {
                heading: "三、需要说明的其他事项与附表".into(),
                paragraphs: paragraphs(&n.other),
                grid: Some(grid_legacy(&f.legacy, year)),
            });
            return ReportDoc {
                title,
                preface,
                sections,
                issuer: issuer.into(),
                date: date.into(),
            };
        }
        Format::Y2019 | Format::Y2021 => {
            sections.push(Section {
                heading: "一、总体情况".into(),
                paragraphs: paragraphs(&n.overview),
                grid: None,
            });
            sections.push(Section {
                heading: "二、主动公开政府信息情况".into(),
                paragraphs: vec![],
                grid: Some(if f.format == Format::Y2021 {
                    grid_table2(&f.table2, links)
                } else {
                    grid_table2_trial(&f.table2_trial, links)
                }),
            });
            sections.push(Section {
                heading: "三、收到和处理政府信息公开申请情况".into(),
                paragraphs: vec![],
                grid: Some(grid_table3(&f.table3, f.format, links)),
            });
            sections.push(Section {
                heading: "四、政府信息公开行政复议、行政诉讼情况".into(),
                paragraphs: vec![],
                grid: Some(grid_table4(&f.table4, links)),
            });
            sections.push(Section {
                heading: if f.format == Format::Y2021 {
                    "五、存在的主要问题及改进情况".into()
                } else {
                    "五、政府信息公开工作存在的主要问题及改进情况".into()
                },
                paragraphs: paragraphs(&n.problems),
                grid: None,
            });
            sections.push(Section {
                heading: "六、其他需要报告的事项".into(),
                paragraphs: paragraphs(&n.other),
                grid: None,
            });
        }
    }
    ReportDoc {
        preface: format!(
            "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和国务院办公厅政府信息公开办公室有关要求编制。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        ),
        title,
        sections,
        issuer: issuer.into(),
        date: date.into(),
    }
}

/// The 2018 附表 of the service centre's report (the seed document), row for row.
pub fn seed_2018_legacy_rows() -> Vec<LegacyRow> {
    let r = |label: &str, unit: &str, y: i64, c: i64| LegacyRow {
        label: label.into(),
        unit: unit.into(),
        year_value: y,
        cumulative: c,
    };
    vec![
        r("主动公开文件数", "条", 1104, 14949),
        r("其中:1.政府网站公开数", "条", 1104, 14949),
        r("2.政府公报公开数", "条", 0, 0),
        r("受理政府信息公开申请总数", "条", 0, 0),
        r("其中:1.当面申请数", "条", 0, 0),
        r("2.网络申请数", "条", 0, 0),
        r("3.信函、传真申请数", "条", 0, 0),
        r("对申请的答复总数", "条", 0, 0),
        r("其中:1.同意公开答复数", "条", 0, 0),
        r("2.同意部分公开答复数", "条", 0, 0),
        r("3.不予公开答复数", "条", 0, 0),
        r("4.其他类型答复数", "条", 0, 0),
        r("接受行政申诉、举报数", "件", 0, 0),
        r("行政复议数", "件", 0, 0),
        r("行政诉讼数", "件", 0, 0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::request::{ReplyOutcome, ReportEntry, RequesterKind, table3};
    use chrono::{Datelike, NaiveDate};
    use proptest::prelude::*;

    #[test]
    fn formats_follow_the_year() {
        assert_eq!(Format::for_year(2018), Format::Legacy);
        assert_eq!(Format::for_year(2019), Format::Y2019);
        assert_eq!(Format::for_year(2020), Format::Y2019);
        assert_eq!(Format::for_year(2021), Format::Y2021);
        assert_eq!(Format::for_year(2026), Format::Y2021);
    }

    #[test]
    fn the_seed_report_reproduces_its_table_and_its_mismatch_is_flagged() {
        let mut f = Figures::empty(Format::Legacy);
        f.legacy = seed_2018_legacy_rows();
        let text = "从2018年1月1日 至12月31日,中心通过多种渠道共公开各类信息1786条,其中在信息公开平台主动公开信息23条";
        let findings = check(&f, None, text);
        let narrative: Vec<_> = findings
            .iter()
            .filter(|x| x.rule == "narrative.figure")
            .collect();
        assert_eq!(narrative.len(), 1, "{findings:?}");
        assert!(narrative[0].zh.contains("1786") && narrative[0].zh.contains("1104"));
        assert!(narrative[0].hard);
        // The table itself is consistent.
        assert!(
            findings.iter().all(|x| x.rule == "narrative.figure"),
            "{findings:?}"
        );
        let g = grid_legacy(&f.legacy, 2018);
        assert_eq!(g.rows, 16);
        assert_eq!(g.at(1, 2).map(|c| c.text.as_str()), Some("1104"));
        assert_eq!(g.at(1, 3).map(|c| c.text.as_str()), Some("14949"));
        assert_eq!(g.at(0, 2).map(|c| c.text.as_str()), Some("2018年"));
    }

    #[test]
    fn table3_grid_is_28_by_10_in_2021_and_folds_other_in_2019() {
        let t = vec![[1u64; 7]; 25];
        let none = |_: &str| None;
        let g = grid_table3(&t, Format::Y2021, &none);
        assert_eq!((g.rows, g.cols), (28, 10));
        let g19 = grid_table3(&t, Format::Y2019, &none);
        assert_eq!(g19.rows, 26);
        // The folded 其他处理 row sums r21..r23.
        let other = g19
            .cells
            .iter()
            .find(|c| c.text == "（六）其他处理")
            .map(|c| c.row)
            .unwrap_or(0);
        assert_eq!(g19.at(other, 3).map(|c| c.text.as_str()), Some("3"));
        // Every cell of the grid is covered exactly once.
        for g in [g, g19] {
            for r in 0..g.rows {
                for c in 0..g.cols {
                    let n = g
                        .cells
                        .iter()
                        .filter(|x| {
                            r >= x.row
                                && r < x.row + x.rowspan
                                && c >= x.col
                                && c < x.col + x.colspan
                        })
                        .count();
                    assert_eq!(n, 1, "cell ({r},{c}) covered {n} times");
                }
            }
        }
    }

    #[test]
    fn table2_and_table4_grids_cover_their_cells() {
        let none = |_: &str| None;
        for g in [
            grid_table2(&Table2::default(), &none),
            grid_table2_trial(&Table2Trial::default(), &none),
            grid_table4(&[0; 15], &none),
        ] {
            for r in 0..g.rows {
                for c in 0..g.cols {
                    let n = g
                        .cells
                        .iter()
                        .filter(|x| {
                            r >= x.row
                                && r < x.row + x.rowspan
                                && c >= x.col
                                && c < x.col + x.colspan
                        })
                        .count();
                    assert_eq!(n, 1, "{}: cell ({r},{c}) covered {n} times", g.name);
                }
            }
        }
        assert_eq!(wan(12_345), "1.2345");
        assert_eq!(wan(50_000), "5");
        assert_eq!(wan(1_500), "0.15");
    }

    #[test]
    fn broken_tables_are_hard_findings() {
        let mut f = Figures::empty(Format::Y2021);
        f.table3[0] = [1, 0, 0, 0, 0, 0, 2];
        let found = check(&f, None, "");
        assert!(found.iter().any(|x| x.rule == "table3.row_total" && x.hard));
        assert!(found.iter().any(|x| x.rule == "table3.balance" && x.hard));
        let mut f = Figures::empty(Format::Y2021);
        f.table4 = [1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(check(&f, None, "").iter().any(|x| x.rule == "table4.total"));
        // Last year's carry-over differs: a warning only.
        let f = Figures::empty(Format::Y2021);
        let found = check(&f, Some([0, 1, 0, 0, 0, 0, 1]), "");
        assert_eq!(found.len(), 1);
        assert!(!found[0].hard);
        // The narrative states a different number of new requests.
        let mut f = Figures::empty(Format::Y2021);
        f.table3[0] = [2, 0, 0, 0, 0, 0, 2];
        f.table3[24] = [2, 0, 0, 0, 0, 0, 2];
        let found = check(&f, None, "本年新收政府信息公开申请3件。");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(check(&f, None, "本年新收政府信息公开申请2件。"), vec![]);
    }

    fn arb_entry(year: i32) -> impl Strategy<Value = ReportEntry> {
        let kinds = RequesterKind::ALL.to_vec();
        let outcomes = ReplyOutcome::ALL.to_vec();
        (
            0..kinds.len(),
            -400i64..365,
            proptest::option::of((0i64..500, 0..outcomes.len())),
        )
            .prop_map(move |(k, recv, replied)| {
                let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
                let received_on = start + chrono::Duration::days(recv);
                ReportEntry {
                    kind: kinds[k],
                    received_on,
                    replied: replied
                        .map(|(d, o)| (received_on + chrono::Duration::days(d), outcomes[o])),
                }
            })
    }

    proptest! {
        /// Random requests in, the §2.3 rules always hold, and next year's r2 is this year's r25.
        #[test]
        fn table3_from_any_requests_satisfies_the_rules(entries in proptest::collection::vec(arb_entry(2025), 0..200)) {
            let t = table3(2025, &entries).to_vec();
            let mut f = Figures::empty(Format::Y2021);
            f.table3 = t.clone();
            let found = check(&f, None, "");
            prop_assert!(found.is_empty(), "{:?}", found);
            let next = table3(2026, &entries).to_vec();
            let mut f2 = Figures::empty(Format::Y2021);
            f2.table3 = next;
            let carry = [t[24][0], t[24][1], t[24][2], t[24][3], t[24][4], t[24][5], t[24][6]];
            prop_assert!(check(&f2, Some(carry), "").is_empty());
            // Counting by hand: every request received in 2025 is in r1.
            let received = entries.iter().filter(|e| e.received_on.year() == 2025).count() as u64;
            prop_assert_eq!(t[0][6], received);
        }
    }
}
