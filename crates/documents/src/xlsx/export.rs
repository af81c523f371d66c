//! Writing the catalog spreadsheet.

use std::collections::HashSet;

use onewindow_domain::catalog::{
    Authority, CaseKind, DiscretionClass, Hall, ItemType, MaterialForm, MaterialSource, Medium,
    ServiceGuide, SpecialProcedureKind,
};
use onewindow_domain::region::AdminLevel;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, Format, FormatAlign, FormatBorder, Workbook,
    Worksheet,
};

use super::{
    Col, FAQ, FAQ_COLS, FEE_COLS, FEES, ITEM_COLS, ITEMS, LINE_SEP, LIST_SEP, Label, MATERIAL_COLS,
    MATERIALS, SITUATION_COLS, SITUATIONS, SOURCE_APPLICANT, SOURCE_DEPARTMENT, SOURCE_LICENSE,
    SPECIAL, SPECIAL_COLS, STEP_COLS, STEPS, header_text, necessity, yes_no,
};
use crate::error::DocumentError;

/// One cell to write.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Num(f64),
    Blank,
}

/// Checks and converts the values of one item, naming the item in its errors.
struct Item<'a> {
    task_code: &'a str,
    /// Prefix of field paths, e.g. `materials[2].`.
    prefix: String,
}

impl Item<'_> {
    fn refuse(&self, field: &str, reason: String) -> DocumentError {
        DocumentError::Unrepresentable {
            task_code: self.task_code.to_string(),
            field: format!("{}{field}", self.prefix),
            reason,
        }
    }

    /// A required text: blank would import as a missing cell.
    fn req(&self, field: &str, v: &str) -> Result<Cell, DocumentError> {
        if v.trim().is_empty() {
            return Err(self.refuse(field, "必填文本不能为空白".into()));
        }
        Ok(Cell::Text(v.to_string()))
    }

    /// An optional text: `Some` of a blank text would import as `None`.
    fn opt(&self, field: &str, v: &Option<String>) -> Result<Cell, DocumentError> {
        match v {
            None => Ok(Cell::Blank),
            Some(s) if s.trim().is_empty() => Err(self.refuse(
                field,
                "可选文本为空白时应为“无”（None），不能是空字符串".into(),
            )),
            Some(s) => Ok(Cell::Text(s.clone())),
        }
    }

    /// A list of texts joined by `sep`; import splits on `sep`, trims and drops blanks.
    fn list(&self, field: &str, items: &[String], sep: &str) -> Result<Cell, DocumentError> {
        for (i, s) in items.iter().enumerate() {
            if s.trim().is_empty() || s.trim() != s || s.contains(sep) {
                let sep_name = if sep == LINE_SEP { "换行" } else { sep };
                return Err(self.refuse(
                    &format!("{field}[{i}]"),
                    format!("列表项不能为空白、不能以空白开头或结尾、不能包含分隔符“{sep_name}”"),
                ));
            }
        }
        Ok(if items.is_empty() {
            Cell::Blank
        } else {
            Cell::Text(items.join(sep))
        })
    }
}

fn label<T: Label>(v: T) -> Cell {
    Cell::Text(v.zh_label().to_string())
}

fn labels<T: Label>(vs: &[T]) -> Cell {
    if vs.is_empty() {
        Cell::Blank
    } else {
        Cell::Text(
            vs.iter()
                .map(|v| v.zh_label())
                .collect::<Vec<_>>()
                .join(LIST_SEP),
        )
    }
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn num(n: impl Into<f64>) -> Cell {
    Cell::Num(n.into())
}

fn item_row(g: &ServiceGuide) -> Result<Vec<Cell>, DocumentError> {
    let it = Item {
        task_code: &g.task_code,
        prefix: String::new(),
    };
    let r = &g.review_standards;
    Ok(vec![
        it.req("task_code", &g.task_code)?,
        it.req("name", &g.name)?,
        it.req("catalog_code", &g.catalog_code)?,
        it.opt("handle_item_code", &g.handle_item_code)?,
        label(g.item_type),
        label(g.level),
        it.req("region_code", &g.region_code)?,
        it.req("department", &g.department)?,
        labels(&g.service_objects),
        label(g.case_kind),
        num(g.statutory_days),
        num(g.promised_days),
        num(g.visits_required),
        num(g.online_depth),
        labels(&g.channels),
        text(yes_no(g.express_delivery)),
        text(yes_no(g.online_payment)),
        text(yes_no(g.appointment)),
        it.req("address", &g.address)?,
        it.req("hours", &g.hours)?,
        it.req("consult_contact", &g.consult_contact)?,
        it.req("complaint_contact", &g.complaint_contact)?,
        it.req("legal_basis", &g.legal_basis)?,
        it.req("conditions", &g.conditions)?,
        it.req("result_type", &g.result_type)?,
        it.req("result_name", &g.result_name)?,
        it.opt("result_license_type", &g.result_license_type)?,
        label(g.discretion),
        label(g.authority),
        label(g.hall),
        it.list("life_events", &g.life_events, LIST_SEP)?,
        it.list("keywords", &g.keywords, LIST_SEP)?,
        it.list("review_standards.technical", &r.technical, LINE_SEP)?,
        it.list("review_standards.expert", &r.expert, LINE_SEP)?,
        it.list("review_standards.inspection", &r.inspection, LINE_SEP)?,
    ])
}

/// The child rows of one item for every child sheet, in [`CHILD_SHEETS`] order.
fn child_rows(g: &ServiceGuide) -> Result<[Vec<Vec<Cell>>; 6], DocumentError> {
    let key = text(&g.task_code);
    let child = |collection: &str, i: usize| Item {
        task_code: &g.task_code,
        prefix: format!("{collection}[{i}]."),
    };

    let mut materials = Vec::new();
    for (i, m) in g.materials.iter().enumerate() {
        let it = child("materials", i);
        let (kind, dept, code) = match &m.source {
            MaterialSource::Applicant => (SOURCE_APPLICANT, Cell::Blank, Cell::Blank),
            MaterialSource::Department { name } => {
                (SOURCE_DEPARTMENT, it.req("source.name", name)?, Cell::Blank)
            }
            MaterialSource::License { license_type_code } => (
                SOURCE_LICENSE,
                Cell::Blank,
                it.req("source.license_type_code", license_type_code)?,
            ),
        };
        materials.push(vec![
            key.clone(),
            it.req("name", &m.name)?,
            text(necessity(m.required)),
            label(m.form),
            num(m.copies),
            label(m.medium),
            text(kind),
            dept,
            code,
            it.opt("blank_form", &m.blank_form)?,
            it.opt("sample", &m.sample)?,
            it.req("acceptance_standard", &m.acceptance_standard)?,
            it.opt("basis", &m.basis)?,
            it.opt("note", &m.note)?,
        ]);
    }

    let mut fees = Vec::new();
    for (i, f) in g.fees.iter().enumerate() {
        let it = child("fees", i);
        fees.push(vec![
            key.clone(),
            it.req("name", &f.name)?,
            it.req("standard", &f.standard)?,
            it.req("basis", &f.basis)?,
            text(yes_no(f.waivable)),
            it.opt("waiver_basis", &f.waiver_basis)?,
        ]);
    }

    let mut steps = Vec::new();
    for (i, s) in g.steps.iter().enumerate() {
        let it = child("steps", i);
        steps.push(vec![
            key.clone(),
            it.req("name", &s.name)?,
            it.req("description", &s.description)?,
        ]);
    }

    let mut special = Vec::new();
    for (i, sp) in g.special_procedures.iter().enumerate() {
        let it = child("special_procedures", i);
        special.push(vec![
            key.clone(),
            label(sp.kind),
            sp.max_days.map_or(Cell::Blank, num),
            it.req("description", &sp.description)?,
        ]);
    }

    let mut faq = Vec::new();
    for (i, q) in g.faq.iter().enumerate() {
        let it = child("faq", i);
        faq.push(vec![
            key.clone(),
            it.req("question", &q.question)?,
            it.req("answer", &q.answer)?,
        ]);
    }

    let mut situations = Vec::new();
    for (i, s) in g.situations.iter().enumerate() {
        let it = child("situations", i);
        situations.push(vec![
            key.clone(),
            it.req("name", &s.name)?,
            label(s.class),
            label(s.authority),
        ]);
    }

    Ok([materials, fees, steps, special, faq, situations])
}

/// The child sheets, in the order they are written.
const CHILD_SHEETS: [(&str, &[Col]); 6] = [
    (MATERIALS, MATERIAL_COLS),
    (FEES, FEE_COLS),
    (STEPS, STEP_COLS),
    (SPECIAL, SPECIAL_COLS),
    (FAQ, FAQ_COLS),
    (SITUATIONS, SITUATION_COLS),
];

struct Formats {
    header: Format,
    text: Format,
    number: Format,
}

fn write_sheet(
    ws: &mut Worksheet,
    cols: &[Col],
    rows: &[Vec<Cell>],
    freeze_cols: u16,
    f: &Formats,
) -> Result<(), DocumentError> {
    for (i, col) in cols.iter().enumerate() {
        let c = col_num(i)?;
        ws.set_column_width(c, col.width)?;
        ws.write_string_with_format(0, c, header_text(col), &f.header)?;
    }
    ws.set_row_height(0, 32)?;
    ws.set_freeze_panes(1, freeze_cols)?;
    for (r, row) in rows.iter().enumerate() {
        let rn = u32::try_from(r + 1).map_err(|_| too_big("rows"))?;
        for (i, cell) in row.iter().enumerate() {
            let c = col_num(i)?;
            match cell {
                Cell::Text(s) => {
                    ws.write_string_with_format(rn, c, s, &f.text)?;
                }
                Cell::Num(n) => {
                    ws.write_number_with_format(rn, c, *n, &f.number)?;
                }
                Cell::Blank => {}
            }
        }
    }
    let last_row = u32::try_from(rows.len()).map_err(|_| too_big("rows"))?;
    let last_col = col_num(cols.len().saturating_sub(1))?;
    ws.autofilter(0, 0, last_row, last_col)?;
    // Drop-down lists for single-choice columns, on every row staff may fill in. A warning
    // rather than a stop, so that machine names (also accepted on import) can be typed.
    for (i, col) in cols.iter().enumerate() {
        if let Some(list) = choices(col.key) {
            let dv = DataValidation::new()
                .allow_list_strings(&list)?
                .set_error_style(DataValidationErrorStyle::Warning);
            ws.add_data_validation(1, col_num(i)?, LAST_ROW, col_num(i)?, &dv)?;
        }
    }
    Ok(())
}

/// Last row index of a worksheet (Excel row 1 048 576).
const LAST_ROW: u32 = 1_048_575;

fn zh_labels<T: Label>() -> Vec<&'static str> {
    T::all().iter().map(|v| v.zh_label()).collect()
}

/// The labels offered in a column's drop-down list, if it is a single choice.
fn choices(key: &str) -> Option<Vec<&'static str>> {
    Some(match key {
        "item_type" => zh_labels::<ItemType>(),
        "level" => zh_labels::<AdminLevel>(),
        "case_kind" => zh_labels::<CaseKind>(),
        "discretion" | "class" => zh_labels::<DiscretionClass>(),
        "authority" => zh_labels::<Authority>(),
        "hall" => zh_labels::<Hall>(),
        "form" => zh_labels::<MaterialForm>(),
        "medium" => zh_labels::<Medium>(),
        "kind" => zh_labels::<SpecialProcedureKind>(),
        "source.kind" => vec![SOURCE_APPLICANT, SOURCE_DEPARTMENT, SOURCE_LICENSE],
        "required" => vec![necessity(true), necessity(false)],
        "express_delivery" | "online_payment" | "appointment" | "waivable" => {
            vec![yes_no(true), yes_no(false)]
        }
        _ => return None,
    })
}

fn col_num(i: usize) -> Result<u16, DocumentError> {
    u16::try_from(i).map_err(|_| too_big("columns"))
}

fn too_big(what: &str) -> DocumentError {
    DocumentError::Xlsx(rust_xlsxwriter::XlsxError::ParameterError(format!(
        "too many {what}"
    )))
}

/// Export catalog items to the catalog spreadsheet (XLSX).
///
/// Sheet `事项` has one row per item in the given order, keyed by 实施编码; the child sheets
/// `材料`, `收费`, `流程`, `特别程序`, `常见问题` and `情形` have one row per child, in item order
/// and then child order, keyed by the item's 实施编码 in the first column. Headers are bold,
/// frozen and filterable; long text wraps. [`read_catalog_xlsx`](crate::read_catalog_xlsx) of
/// the result gives back `items` exactly.
///
/// # Errors
///
/// [`DocumentError::Unrepresentable`] if a value breaks the cell rules of the crate
/// documentation (blank required text, `Some` of a blank text, a list element that is blank,
/// padded with whitespace or contains its separator) or two items share a 实施编码;
/// [`DocumentError::Xlsx`] if the workbook cannot be written (e.g. a text longer than 32 767
/// characters).
pub fn catalog_xlsx(items: &[ServiceGuide]) -> Result<Vec<u8>, DocumentError> {
    let mut seen = HashSet::new();
    let mut item_rows = Vec::with_capacity(items.len());
    let mut children: [Vec<Vec<Cell>>; 6] = Default::default();
    for g in items {
        if !seen.insert(g.task_code.trim()) {
            return Err(DocumentError::Unrepresentable {
                task_code: g.task_code.clone(),
                field: "task_code".into(),
                reason: "实施编码重复，表格中无法区分两个事项".into(),
            });
        }
        item_rows.push(item_row(g)?);
        for (all, mine) in children.iter_mut().zip(child_rows(g)?) {
            all.extend(mine);
        }
    }

    let header_bg = Color::RGB(0xD9_E1_F2);
    let formats = Formats {
        header: Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(header_bg)
            .set_border(FormatBorder::Thin),
        text: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        number: Format::new().set_align(FormatAlign::Top),
    };

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(ITEMS)?;
    write_sheet(ws, ITEM_COLS, &item_rows, 2, &formats)?;
    for ((name, cols), rows) in CHILD_SHEETS.iter().zip(&children) {
        let ws = wb.add_worksheet();
        ws.set_name(*name)?;
        write_sheet(ws, cols, rows, 1, &formats)?;
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_column_exists() {
        let keys: Vec<&str> = [
            ITEM_COLS,
            MATERIAL_COLS,
            FEE_COLS,
            STEP_COLS,
            SPECIAL_COLS,
            FAQ_COLS,
            SITUATION_COLS,
        ]
        .iter()
        .flat_map(|cols| cols.iter().map(|c| c.key))
        .filter(|k| choices(k).is_some())
        .collect();
        assert_eq!(keys.len(), 17, "{keys:?}");
    }

    #[test]
    fn lists_refuse_what_would_not_come_back() {
        let it = Item {
            task_code: "x",
            prefix: String::new(),
        };
        assert!(
            it.list("keywords", &["a".into(), "b".into()], LIST_SEP)
                .is_ok()
        );
        for bad in [" a", "", "a；b", "a "] {
            let r = it.list("keywords", &[bad.to_string()], LIST_SEP);
            assert!(
                matches!(&r, Err(DocumentError::Unrepresentable { field, .. }) if field == "keywords[0]"),
                "{bad:?}: {r:?}"
            );
        }
        assert!(it.list("r", &["a\nb".into()], LINE_SEP).is_err());
        assert!(it.opt("basis", &Some(" ".into())).is_err());
        assert_eq!(it.opt("basis", &None).ok(), Some(Cell::Blank));
    }
}
