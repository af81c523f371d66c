//! The printable service guide (办事指南) as DOCX.

use chrono::{Datelike, NaiveDate};
use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, Header, LineSpacing, PageMargin, PageNum, Paragraph,
    Run, RunFonts, Shading, ShdType, Table, TableCell, TableRow, VAlignType, WidthType,
};
use onewindow_domain::catalog::{MaterialSource, ServiceGuide};
use serde::{Deserialize, Serialize};

use crate::error::DocumentError;

/// Publication data printed on a guide, which is not part of the guide itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GuideMeta {
    /// Name of the service center, printed in the page header (e.g. `泉州市行政服务中心`).
    pub site_name: String,
    /// Version number of the published guide (`第 N 版`).
    pub version: i64,
    /// Publication date `YYYY-MM-DD`; `None` for a draft (no date is printed).
    pub published_at: Option<String>,
    /// Public URL of the item page, printed at the end and in the page footer.
    pub url: String,
}

// Font sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 小四 12 pt, 五号 10.5 pt.
pub(crate) const SIZE_TITLE: usize = 44;
const SIZE_HEADING: usize = 32;
const SIZE_SUBTITLE: usize = 28;
pub(crate) const SIZE_BODY: usize = 24;
pub(crate) const SIZE_TABLE: usize = 21;
pub(crate) const SIZE_SMALL: usize = 18;

/// A4 with 25.4 mm margins: the text is 11906 − 2 × 1440 = 9026 twips wide.
pub(crate) const TEXT_WIDTH: usize = 9026;
pub(crate) const MARGIN: i32 = 1440;

pub(crate) const HEADER_FILL: &str = "D9D9D9";
const LABEL_FILL: &str = "F2F2F2";

pub(crate) fn hei() -> RunFonts {
    RunFonts::new()
        .east_asia("黑体")
        .ascii("黑体")
        .hi_ansi("黑体")
}

pub(crate) fn fangsong() -> RunFonts {
    RunFonts::new()
        .east_asia("仿宋")
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
}

pub(crate) fn songti() -> RunFonts {
    RunFonts::new()
        .east_asia("宋体")
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
}

/// Characters that may not appear in XML 1.0 text (C0 controls other than tab) are dropped;
/// line breaks are handled by the callers.
fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| *c == '\t' || *c == '\n' || !c.is_control())
        .collect()
}

/// The lines of a text, without `\r`, never empty (an empty text gives one empty line).
pub(crate) fn lines(s: &str) -> Vec<String> {
    let s = clean(s);
    s.split('\n').map(|l| l.trim_end().to_string()).collect()
}

fn body_run(text: &str) -> Run {
    Run::new()
        .add_text(clean(text))
        .fonts(fangsong())
        .size(SIZE_BODY)
}

/// Body paragraphs, one per line, with a two-character first-line indent.
fn body_paragraphs(text: &str) -> Vec<Paragraph> {
    lines(text)
        .into_iter()
        .map(|l| {
            Paragraph::new()
                .add_run(body_run(&l))
                .first_line_chars(200)
                .line_spacing(LineSpacing::new().after(60))
        })
        .collect()
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(Run::new().add_text(text).fonts(hei()).size(SIZE_HEADING))
        .outline_lvl(0)
        .keep_next(true)
        .line_spacing(LineSpacing::new().before(240).after(120))
}

/// A labelled body line: the label in 黑体, the value in 仿宋.
fn labelled(label: &str, value: &str) -> Paragraph {
    let mut p = Paragraph::new()
        .add_run(
            Run::new()
                .add_text(format!("{label}："))
                .fonts(hei())
                .size(SIZE_BODY),
        )
        .first_line_chars(200)
        .line_spacing(LineSpacing::new().after(60));
    for (i, l) in lines(value).iter().enumerate() {
        let mut r = body_run(l);
        if i > 0 {
            r = Run::new()
                .add_break(BreakType::TextWrapping)
                .add_text(clean(l))
                .fonts(fangsong())
                .size(SIZE_BODY);
        }
        p = p.add_run(r);
    }
    p
}

pub(crate) fn cell(text: &str, width: usize) -> TableCell {
    let mut c = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    for l in lines(text) {
        c = c.add_paragraph(
            Paragraph::new().add_run(Run::new().add_text(l).fonts(songti()).size(SIZE_TABLE)),
        );
    }
    c
}

fn header_cell(text: &str, width: usize) -> TableCell {
    TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center)
        .shading(
            Shading::new()
                .shd_type(ShdType::Clear)
                .color("auto")
                .fill(HEADER_FILL),
        )
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_text(text).fonts(hei()).size(SIZE_TABLE)),
        )
}

/// A table with a shaded header row; `widths` must sum to [`TEXT_WIDTH`].
fn grid_table(columns: &[(&str, usize)], rows: Vec<Vec<String>>) -> Table {
    let widths: Vec<usize> = columns.iter().map(|(_, w)| *w).collect();
    let mut trs = vec![TableRow::new(
        columns.iter().map(|(h, w)| header_cell(h, *w)).collect(),
    )];
    for row in rows {
        trs.push(TableRow::new(
            row.iter()
                .zip(&widths)
                .map(|(text, w)| cell(text, *w))
                .collect(),
        ));
    }
    Table::new(trs)
        .set_grid(widths)
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// The 2-column 基本信息 table.
fn info_table(rows: &[(&str, String)]) -> Table {
    const LABEL: usize = 2400;
    const VALUE: usize = TEXT_WIDTH - LABEL;
    let trs = rows
        .iter()
        .map(|(label, value)| {
            TableRow::new(vec![
                TableCell::new()
                    .width(LABEL, WidthType::Dxa)
                    .vertical_align(VAlignType::Center)
                    .shading(
                        Shading::new()
                            .shd_type(ShdType::Clear)
                            .color("auto")
                            .fill(LABEL_FILL),
                    )
                    .add_paragraph(
                        Paragraph::new()
                            .add_run(Run::new().add_text(*label).fonts(hei()).size(SIZE_TABLE)),
                    ),
                cell(value, VALUE),
            ])
        })
        .collect();
    Table::new(trs)
        .set_grid(vec![LABEL, VALUE])
        .width(TEXT_WIDTH, WidthType::Dxa)
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

fn days(n: u32) -> String {
    if n == 0 {
        "0 个工作日（当场办结）".to_string()
    } else {
        format!("{n} 个工作日")
    }
}

/// 一, 二, … 十二 for the section numbers.
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        _ => n.to_string(),
    }
}

/// Source of a material as printed: 申请人提供 / 部门共享：X / 电子证照免提交.
fn source_label(s: &MaterialSource) -> String {
    match s {
        MaterialSource::Applicant => "申请人提供".to_string(),
        MaterialSource::Department { name } => format!("部门共享：{name}"),
        MaterialSource::License { .. } => "电子证照免提交".to_string(),
    }
}

fn published_date(meta: &GuideMeta) -> Result<Option<String>, DocumentError> {
    match &meta.published_at {
        None => Ok(None),
        Some(s) => {
            let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                DocumentError::InvalidMeta {
                    field: "published_at",
                    value: s.clone(),
                }
            })?;
            Ok(Some(format!("{}年{}月{}日", d.year(), d.month(), d.day())))
        }
    }
}

/// Render the printable service guide (办事指南) of one item as a DOCX file.
///
/// A4 portrait, title (item name, 黑体, centered), a subtitle with 实施主体, version and
/// publication date, then numbered sections: 基本信息 (a two-column table), 受理条件,
/// 申请材料 (a table with 序号, 材料名称, 必要性, 材料形式, 份数, 载体, 来源, 受理标准, followed by
/// the materials' blank forms, samples, bases and notes if any), 办理流程 (numbered steps),
/// 收费标准 (`不收费` or a table), 特别程序 (only if there are any), 审批结果 and 常见问题 (only
/// if there are any). Sections are numbered consecutively (一、二、…), so an absent optional
/// section leaves no gap. The page header carries `meta.site_name`, the page footer the URL
/// and the page number; the URL is also printed at the end of the text.
///
/// The guide is rendered as given; call [`ServiceGuide::validate`] first if it may be invalid.
///
/// # Errors
///
/// [`DocumentError::InvalidMeta`] if `published_at` is not a `YYYY-MM-DD` date, and
/// [`DocumentError::Docx`] if the package cannot be written.
pub fn guide_docx(g: &ServiceGuide, meta: &GuideMeta) -> Result<Vec<u8>, DocumentError> {
    let date = published_date(meta)?;

    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN)
                .header(720)
                .footer(720),
        )
        .default_fonts(songti())
        .default_size(SIZE_BODY)
        .header(
            Header::new().add_paragraph(
                Paragraph::new().align(AlignmentType::Right).add_run(
                    Run::new()
                        .add_text(clean(&format!("{}　办事指南", meta.site_name.trim())))
                        .fonts(songti())
                        .size(SIZE_SMALL),
                ),
            ),
        )
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(
                        Run::new()
                            .add_text(clean(&format!("{}　第 ", meta.url.trim())))
                            .fonts(songti())
                            .size(SIZE_SMALL),
                    )
                    .add_page_num(PageNum::new())
                    .add_run(Run::new().add_text(" 页").fonts(songti()).size(SIZE_SMALL)),
            ),
        );

    // Title and subtitle.
    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().after(120))
            .add_run(
                Run::new()
                    .add_text(clean(&g.name))
                    .fonts(hei())
                    .size(SIZE_TITLE),
            ),
    );
    let mut subtitle = format!("实施主体：{}　版本：第 {} 版", g.department, meta.version);
    if let Some(d) = &date {
        subtitle.push_str(&format!("　发布日期：{d}"));
    }
    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().after(240))
            .add_run(
                Run::new()
                    .add_text(clean(&subtitle))
                    .fonts(fangsong())
                    .size(SIZE_SUBTITLE),
            ),
    );

    let mut section = 0usize;
    let mut next_heading = |title: &str| {
        section += 1;
        heading(&format!("{}、{title}", chinese_number(section)))
    };

    // 基本信息.
    doc = doc.add_paragraph(next_heading("基本信息"));
    let mut info: Vec<(&str, String)> = vec![
        ("事项名称", g.name.clone()),
        ("事项类型", g.item_type.zh().to_string()),
        ("基本编码", g.catalog_code.clone()),
        ("实施编码", g.task_code.clone()),
    ];
    if let Some(code) = &g.handle_item_code {
        info.push(("业务办理项编码", code.clone()));
    }
    info.extend([
        ("实施主体", g.department.clone()),
        ("行使层级", g.level.zh().to_string()),
        (
            "服务对象",
            g.service_objects
                .iter()
                .map(|o| o.zh())
                .collect::<Vec<_>>()
                .join("、"),
        ),
        ("办件类型", g.case_kind.zh().to_string()),
        ("法定办结时限", days(g.statutory_days)),
        ("承诺办结时限", days(g.promised_days)),
        ("到办事现场次数", format!("{} 次", g.visits_required)),
        ("网上办理深度", format!("{} 级", g.online_depth)),
        (
            "办理形式",
            g.channels
                .iter()
                .map(|c| c.zh())
                .collect::<Vec<_>>()
                .join("、"),
        ),
        ("是否支持快递", yes_no(g.express_delivery)),
        ("是否支持网上支付", yes_no(g.online_payment)),
        ("是否支持预约办理", yes_no(g.appointment)),
        ("办理地点", g.address.clone()),
        ("办理时间", g.hours.clone()),
        ("咨询方式", g.consult_contact.clone()),
        ("监督投诉方式", g.complaint_contact.clone()),
        ("设定依据", g.legal_basis.clone()),
        ("自由裁量类别", g.discretion.zh().to_string()),
        ("审批权限", g.authority.zh().to_string()),
    ]);
    doc = doc.add_table(info_table(&info));
    if !g.situations.is_empty() {
        doc = doc.add_paragraph(labelled("办理情形", ""));
        let rows = g
            .situations
            .iter()
            .enumerate()
            .map(|(i, s)| {
                vec![
                    (i + 1).to_string(),
                    s.name.clone(),
                    s.class.zh().to_string(),
                    s.authority.zh().to_string(),
                ]
            })
            .collect();
        doc = doc.add_table(grid_table(
            &[
                ("序号", 800),
                ("情形", 4226),
                ("自由裁量类别", 2000),
                ("审批权限", 2000),
            ],
            rows,
        ));
    }

    // 受理条件.
    doc = doc.add_paragraph(next_heading("受理条件"));
    for p in body_paragraphs(&g.conditions) {
        doc = doc.add_paragraph(p);
    }

    // 申请材料.
    doc = doc.add_paragraph(next_heading("申请材料"));
    let rows = g
        .materials
        .iter()
        .enumerate()
        .map(|(i, m)| {
            vec![
                (i + 1).to_string(),
                m.name.clone(),
                if m.required { "必要" } else { "非必要" }.to_string(),
                m.form.zh().to_string(),
                m.copies.to_string(),
                m.medium.zh().to_string(),
                source_label(&m.source),
                m.acceptance_standard.clone(),
            ]
        })
        .collect();
    doc = doc.add_table(grid_table(
        &[
            ("序号", 600),
            ("材料名称", 1900),
            ("必要性", 750),
            ("材料形式", 900),
            ("份数", 600),
            ("载体", 900),
            ("来源", 1500),
            ("受理标准", 1876),
        ],
        rows,
    ));
    let mut notes = Vec::new();
    for (i, m) in g.materials.iter().enumerate() {
        let mut parts = Vec::new();
        if let MaterialSource::License { license_type_code } = &m.source {
            parts.push(format!("电子证照类型代码：{license_type_code}"));
        }
        if let Some(x) = &m.blank_form {
            parts.push(format!("空白表格：{}", x.trim()));
        }
        if let Some(x) = &m.sample {
            parts.push(format!("示例样表：{}", x.trim()));
        }
        if let Some(x) = &m.basis {
            parts.push(format!("依据：{}", x.trim()));
        }
        if let Some(x) = &m.note {
            parts.push(format!("备注：{}", x.trim()));
        }
        if !parts.is_empty() {
            notes.push(format!("{}. {}：{}", i + 1, m.name, parts.join("；")));
        }
    }
    if !notes.is_empty() {
        doc = doc.add_paragraph(labelled("材料说明", ""));
        for n in notes {
            for p in body_paragraphs(&n) {
                doc = doc.add_paragraph(p);
            }
        }
    }

    // 办理流程.
    doc = doc.add_paragraph(next_heading("办理流程"));
    for (i, s) in g.steps.iter().enumerate() {
        for p in body_paragraphs(&format!("{}. {}：{}", i + 1, s.name, s.description)) {
            doc = doc.add_paragraph(p);
        }
    }

    // 收费标准.
    doc = doc.add_paragraph(next_heading("收费标准"));
    if g.fees.is_empty() {
        doc = doc.add_paragraph(body_paragraph_single("不收费"));
    } else {
        let rows = g
            .fees
            .iter()
            .map(|f| {
                let waiver = match (&f.waiver_basis, f.waivable) {
                    (Some(b), true) => format!("是（{b}）"),
                    (_, w) => yes_no(w),
                };
                vec![f.name.clone(), f.standard.clone(), f.basis.clone(), waiver]
            })
            .collect();
        doc = doc.add_table(grid_table(
            &[
                ("项目", 2000),
                ("标准", 2526),
                ("依据", 3000),
                ("是否可减免", 1500),
            ],
            rows,
        ));
    }

    // 特别程序.
    if !g.special_procedures.is_empty() {
        doc = doc.add_paragraph(next_heading("特别程序"));
        doc = doc.add_paragraph(body_paragraph_single(
            "以下程序所需时间不计入办理时限（《行政许可法》第四十五条）",
        ));
        for (i, sp) in g.special_procedures.iter().enumerate() {
            let limit = sp
                .max_days
                .map(|d| format!("（时限：{d} 个工作日）"))
                .unwrap_or_default();
            for p in body_paragraphs(&format!(
                "{}. {}{limit}：{}",
                i + 1,
                sp.kind.zh(),
                sp.description
            )) {
                doc = doc.add_paragraph(p);
            }
        }
    }

    // 审批结果.
    doc = doc.add_paragraph(next_heading("审批结果"));
    doc = doc.add_paragraph(labelled("审批结果类型", &g.result_type));
    doc = doc.add_paragraph(labelled("审批结果名称", &g.result_name));
    if let Some(code) = &g.result_license_type {
        doc = doc.add_paragraph(body_paragraph_single(&format!("电子证照类型代码：{code}")));
    }

    // 常见问题.
    if !g.faq.is_empty() {
        doc = doc.add_paragraph(next_heading("常见问题"));
        for (i, q) in g.faq.iter().enumerate() {
            doc = doc.add_paragraph(labelled(&format!("问{}", i + 1), &q.question));
            doc = doc.add_paragraph(labelled("答", &q.answer));
        }
    }

    // Closing line with the URL.
    doc = doc.add_paragraph(
        Paragraph::new()
            .line_spacing(LineSpacing::new().before(360))
            .add_run(
                Run::new()
                    .add_text(clean(&format!(
                        "本指南以网上公布的最新版本为准：{}",
                        meta.url.trim()
                    )))
                    .fonts(songti())
                    .size(SIZE_SMALL),
            ),
    );

    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| DocumentError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

/// One body paragraph (no line splitting needed: fixed text).
fn body_paragraph_single(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(body_run(text))
        .first_line_chars(200)
        .line_spacing(LineSpacing::new().after(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_numbers() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(8), "八");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(12), "十二");
    }

    #[test]
    fn lines_drop_controls_and_carriage_returns() {
        assert_eq!(lines("a\r\nb\u{1}c"), vec!["a", "bc"]);
        assert_eq!(lines(""), vec![""]);
    }

    #[test]
    fn bad_date_is_rejected() {
        let meta = GuideMeta {
            published_at: Some("2026-13-01".into()),
            ..GuideMeta::default()
        };
        assert!(matches!(
            published_date(&meta),
            Err(DocumentError::InvalidMeta {
                field: "published_at",
                ..
            })
        ));
        let meta = GuideMeta {
            published_at: Some("2026-11-05".into()),
            ..GuideMeta::default()
        };
        assert_eq!(
            published_date(&meta).ok().flatten().as_deref(),
            Some("2026年11月5日")
        );
    }
}
