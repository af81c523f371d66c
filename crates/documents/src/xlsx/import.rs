//! Reading the catalog spreadsheet back, reporting every problem.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use onewindow_domain::catalog::{
    Faq, FeeItem, Material, MaterialSource, ReviewStandards, ServiceGuide, Situation,
    SpecialProcedure, Step,
};
use serde::Serialize;

use super::{
    Col, FAQ, FAQ_COLS, FEE_COLS, FEES, ITEM_COLS, ITEMS, KEY, LINE_SEP, LIST_SEP, Label,
    MATERIAL_COLS, MATERIALS, SITUATION_COLS, SITUATIONS, SOURCE_APPLICANT, SOURCE_DEPARTMENT,
    SOURCE_LICENSE, SPECIAL, SPECIAL_COLS, STEP_COLS, STEPS, header_text,
};

/// One problem found while importing the catalog spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    /// Sheet name, e.g. `事项` or `材料`; empty if the file itself is unreadable.
    pub sheet: String,
    /// 1-based row as Excel shows it (1 = the header row); 0 when the problem concerns the
    /// whole sheet or file (e.g. a missing sheet).
    pub row: usize,
    /// Machine name of the column (e.g. `case_kind`, `copies`, `source.kind`) or, for a
    /// problem found by [`ServiceGuide::validate`], its field path (e.g.
    /// `materials[0].acceptance_standard`).
    pub field: String,
    /// Message in Simplified Chinese.
    pub zh: String,
    /// Message in English.
    pub en: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} 第 {} 行 {}：{}",
            self.sheet, self.row, self.field, self.zh
        )
    }
}

struct Problems(Vec<ImportProblem>);

impl Problems {
    fn push(&mut self, sheet: &str, row: usize, field: &str, zh: String, en: String) {
        self.0.push(ImportProblem {
            sheet: sheet.to_string(),
            row,
            field: field.to_string(),
            zh,
            en,
        });
    }
}

/// A sheet with its header resolved to column positions.
struct Sheet {
    name: &'static str,
    spec: &'static [Col],
    range: Range<Data>,
    /// Machine name → absolute column index.
    cols: HashMap<&'static str, u32>,
}

/// Machine name in the last pair of ASCII parentheses of a header cell, if any.
fn header_key(h: &str) -> &str {
    let t = h.trim();
    if let Some(body) = t.strip_suffix(')')
        && let Some(open) = body.rfind('(')
    {
        return body[open + 1..].trim();
    }
    t
}

fn load_sheet(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    sheet_names: &[String],
    name: &'static str,
    spec: &'static [Col],
    problems: &mut Problems,
) -> Option<Sheet> {
    if !sheet_names.iter().any(|n| n == name) {
        if name == ITEMS {
            problems.push(
                name,
                0,
                "",
                format!("缺少工作表“{name}”"),
                format!("the workbook has no sheet “{name}”"),
            );
        }
        // A missing child sheet means no children.
        return None;
    }
    let range = match wb.worksheet_range(name) {
        Ok(r) => r,
        Err(e) => {
            problems.push(
                name,
                0,
                "",
                format!("无法读取工作表“{name}”：{e}"),
                format!("cannot read sheet “{name}”: {e}"),
            );
            return None;
        }
    };
    let mut cols = HashMap::new();
    if let Some((_, end_col)) = range.end() {
        for c in 0..=end_col {
            let Some(text) = range
                .get_value((0, c))
                .and_then(|d| cell_text(d).ok().flatten())
            else {
                continue;
            };
            let key = header_key(&text);
            let found = spec
                .iter()
                .find(|col| col.key == key || col.zh == key || col.zh == text.trim());
            match found {
                None => problems.push(
                    name,
                    1,
                    text.trim(),
                    format!("无法识别的列“{}”", text.trim()),
                    format!("unknown column “{}”", text.trim()),
                ),
                Some(col) => {
                    if cols.insert(col.key, c).is_some() {
                        problems.push(
                            name,
                            1,
                            col.key,
                            format!("列“{}”重复", header_text(col)),
                            format!("column “{}” appears twice", col.key),
                        );
                    }
                }
            }
        }
    }
    for col in spec.iter().filter(|c| c.required) {
        if !cols.contains_key(col.key) {
            problems.push(
                name,
                1,
                col.key,
                format!("缺少必填列“{}”", header_text(col)),
                format!("required column “{}” is missing", col.key),
            );
        }
    }
    Some(Sheet {
        name,
        spec,
        range,
        cols,
    })
}

/// Text of a cell: `Ok(None)` when blank (empty or only whitespace), `Err` with the error
/// value for an error cell (#N/A …). Numbers become their shortest decimal text.
fn cell_text(d: &Data) -> Result<Option<String>, String> {
    let s = match d {
        Data::Empty => return Ok(None),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.0}")
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => dt.to_string(),
        Data::Error(e) => return Err(e.to_string()),
    };
    Ok(if s.trim().is_empty() { None } else { Some(s) })
}

/// Reads typed values from one row, recording a problem for each bad cell. Every reader
/// returns `None` when the value is unusable (the problem is already recorded, or the column
/// is missing and was reported with the header).
struct Row<'a> {
    sheet: &'a Sheet,
    /// Absolute 0-based row index.
    abs: u32,
    problems: &'a mut Problems,
    /// Whether any cell of this row had a problem.
    bad: bool,
}

impl Row<'_> {
    /// 1-based row number as Excel shows it.
    fn line(&self) -> usize {
        self.abs as usize + 1
    }

    fn col(&self, key: &str) -> Option<&'static Col> {
        self.sheet.spec.iter().find(|c| c.key == key)
    }

    fn title(&self, key: &str) -> &'static str {
        self.col(key).map_or("", |c| c.zh)
    }

    fn problem(&mut self, key: &str, zh: String, en: String) {
        self.bad = true;
        let row = self.line();
        self.problems.push(self.sheet.name, row, key, zh, en);
    }

    /// `None` if the column is absent; `Some(Ok(None))` if blank.
    fn raw(&mut self, key: &str) -> Option<Option<String>> {
        let c = *self.sheet.cols.get(key)?;
        let d = self
            .sheet
            .range
            .get_value((self.abs, c))
            .unwrap_or(&Data::Empty);
        match cell_text(d) {
            Ok(t) => Some(t),
            Err(e) => {
                let title = self.title(key);
                self.problem(
                    key,
                    format!("{title}单元格含有错误值 {e}"),
                    format!("{key}: the cell holds the error value {e}"),
                );
                None
            }
        }
    }

    fn missing(&mut self, key: &str) {
        let title = self.title(key);
        self.problem(key, format!("{title}不能为空"), format!("{key}: required"));
    }

    fn req_text(&mut self, key: &str) -> Option<String> {
        match self.raw(key)? {
            Some(s) => Some(s),
            None => {
                self.missing(key);
                None
            }
        }
    }

    /// An optional text: blank or absent column ⇒ `Some(None)`.
    fn opt_text(&mut self, key: &str) -> Option<Option<String>> {
        if !self.sheet.cols.contains_key(key) {
            return Some(None);
        }
        self.raw(key)
    }

    fn req_enum<T: Label>(&mut self, key: &str) -> Option<T> {
        let s = self.req_text(key)?;
        match T::parse_any(&s) {
            Some(v) => Some(v),
            None => {
                self.unknown_label::<T>(key, &s);
                None
            }
        }
    }

    fn unknown_label<T: Label>(&mut self, key: &str, s: &str) {
        let title = self.title(key);
        let zh_all: Vec<&str> = T::all().iter().map(|v| v.zh_label()).collect();
        let en_all: Vec<&str> = T::all().iter().map(|v| v.machine()).collect();
        self.problem(
            key,
            format!(
                "“{}”不是有效的{title}，应为：{}",
                s.trim(),
                zh_all.join("、")
            ),
            format!(
                "{key}: “{}” is not one of {} (or their Chinese labels)",
                s.trim(),
                en_all.join(", ")
            ),
        );
    }

    /// A list of labels separated by `；` (also `;`, `、`, `,`, `，` or line breaks).
    fn enum_list<T: Label>(&mut self, key: &str) -> Option<Vec<T>> {
        let Some(s) = self.opt_text(key)? else {
            return Some(Vec::new());
        };
        let mut out = Vec::new();
        let mut ok = true;
        for part in s.split(['；', ';', '、', ',', '，', '\n']) {
            if part.trim().is_empty() {
                continue;
            }
            match T::parse_any(part) {
                Some(v) => out.push(v),
                None => {
                    self.unknown_label::<T>(key, part);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// A list of texts separated by `sep`, each trimmed, blanks dropped.
    fn text_list(&mut self, key: &str, sep: &str) -> Option<Vec<String>> {
        let Some(s) = self.opt_text(key)? else {
            return Some(Vec::new());
        };
        Some(
            s.split(sep)
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    /// A non-negative whole number: a numeric cell without fraction or text digits.
    fn number(&mut self, key: &str, required: bool, max: u32) -> Option<Option<u32>> {
        let Some(c) = self.sheet.cols.get(key).copied() else {
            return if required { None } else { Some(None) };
        };
        let d = self
            .sheet
            .range
            .get_value((self.abs, c))
            .cloned()
            .unwrap_or(Data::Empty);
        let parsed: Result<Option<u32>, String> = match &d {
            Data::Int(i) => u32::try_from(*i).map(Some).map_err(|_| i.to_string()),
            Data::Float(f) => {
                if f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX) {
                    // Exact: a whole float within the u32 range.
                    Ok(Some(*f as u32))
                } else {
                    Err(f.to_string())
                }
            }
            Data::String(s) if s.trim().is_empty() => Ok(None),
            Data::String(s) => {
                let t = s.trim();
                if t.bytes().all(|b| b.is_ascii_digit()) {
                    t.parse::<u32>().map(Some).map_err(|_| t.to_string())
                } else {
                    Err(t.to_string())
                }
            }
            Data::Empty => Ok(None),
            other => Err(other.to_string()),
        };
        let title = self.title(key);
        match parsed {
            Ok(Some(n)) if n <= max => Some(Some(n)),
            Ok(Some(n)) => {
                self.problem(
                    key,
                    format!("{title}应为不超过 {max} 的非负整数，实际为“{n}”"),
                    format!("{key}: expected a whole number of at most {max}, got “{n}”"),
                );
                None
            }
            Ok(None) if required => {
                self.missing(key);
                None
            }
            Ok(None) => Some(None),
            Err(v) => {
                self.problem(
                    key,
                    format!("{title}应为非负整数，实际为“{v}”"),
                    format!("{key}: expected a non-negative whole number, got “{v}”"),
                );
                None
            }
        }
    }

    fn req_u32(&mut self, key: &str) -> Option<u32> {
        self.number(key, true, u32::MAX).flatten()
    }

    fn req_u8(&mut self, key: &str) -> Option<u8> {
        self.number(key, true, u32::from(u8::MAX))
            .flatten()
            .and_then(|n| u8::try_from(n).ok())
    }

    fn opt_u32(&mut self, key: &str) -> Option<Option<u32>> {
        self.number(key, false, u32::MAX)
    }

    /// A yes/no cell: 是/否 (also true/false, yes/no, 1/0, or the two given labels).
    fn req_bool(&mut self, key: &str, yes: &str, no: &str) -> Option<bool> {
        let c = *self.sheet.cols.get(key)?;
        if let Some(Data::Bool(b)) = self.sheet.range.get_value((self.abs, c)) {
            return Some(*b);
        }
        let s = self.req_text(key)?;
        let t = s.trim();
        let v = match t.to_ascii_lowercase().as_str() {
            _ if t == yes || t == "是" => Some(true),
            _ if t == no || t == "否" => Some(false),
            "true" | "yes" | "y" | "1" => Some(true),
            "false" | "no" | "n" | "0" => Some(false),
            _ => None,
        };
        if v.is_none() {
            let title = self.title(key);
            self.problem(
                key,
                format!("{title}应填“{yes}”或“{no}”，实际为“{t}”"),
                format!("{key}: expected “{yes}” or “{no}” (or true/false), got “{t}”"),
            );
        }
        v
    }

    /// Whether every cell of the row is blank.
    fn is_blank(&self) -> bool {
        let Some((_, end_col)) = self.sheet.range.end() else {
            return true;
        };
        (0..=end_col).all(|c| {
            self.sheet
                .range
                .get_value((self.abs, c))
                .is_none_or(|d| matches!(cell_text(d), Ok(None)))
        })
    }
}

/// Rows of a sheet after the header, skipping blank rows: absolute 0-based indices.
fn data_rows(sheet: &Sheet) -> std::ops::Range<u32> {
    match sheet.range.end() {
        Some((end_row, _)) => 1..end_row.saturating_add(1),
        None => 1..1,
    }
}

/// The trimmed key (实施编码) of a row, without recording problems.
fn peek_key(sheet: &Sheet, abs: u32) -> Option<String> {
    let c = *sheet.cols.get(KEY)?;
    let d = sheet.range.get_value((abs, c))?;
    cell_text(d).ok().flatten().map(|s| s.trim().to_string())
}

fn read_item(r: &mut Row<'_>) -> Option<ServiceGuide> {
    let task_code = r.req_text("task_code");
    let name = r.req_text("name");
    let catalog_code = r.req_text("catalog_code");
    let handle_item_code = r.opt_text("handle_item_code");
    let item_type = r.req_enum("item_type");
    let level = r.req_enum("level");
    let region_code = r.req_text("region_code");
    let department = r.req_text("department");
    let service_objects = r.enum_list("service_objects");
    let case_kind = r.req_enum("case_kind");
    let statutory_days = r.req_u32("statutory_days");
    let promised_days = r.req_u32("promised_days");
    let visits_required = r.req_u8("visits_required");
    let online_depth = r.req_u8("online_depth");
    let channels = r.enum_list("channels");
    let express_delivery = r.req_bool("express_delivery", "是", "否");
    let online_payment = r.req_bool("online_payment", "是", "否");
    let appointment = r.req_bool("appointment", "是", "否");
    let address = r.req_text("address");
    let hours = r.req_text("hours");
    let consult_contact = r.req_text("consult_contact");
    let complaint_contact = r.req_text("complaint_contact");
    let legal_basis = r.req_text("legal_basis");
    let conditions = r.req_text("conditions");
    let result_type = r.req_text("result_type");
    let result_name = r.req_text("result_name");
    let result_license_type = r.opt_text("result_license_type");
    let discretion = r.req_enum("discretion");
    let authority = r.req_enum("authority");
    let hall = r.req_enum("hall");
    let life_events = r.text_list("life_events", LIST_SEP);
    let keywords = r.text_list("keywords", LIST_SEP);
    let technical = r.text_list("review_standards.technical", LINE_SEP);
    let expert = r.text_list("review_standards.expert", LINE_SEP);
    let inspection = r.text_list("review_standards.inspection", LINE_SEP);
    Some(ServiceGuide {
        name: name?,
        catalog_code: catalog_code?,
        task_code: task_code?,
        handle_item_code: handle_item_code?,
        item_type: item_type?,
        legal_basis: legal_basis?,
        level: level?,
        region_code: region_code?,
        department: department?,
        service_objects: service_objects?,
        case_kind: case_kind?,
        statutory_days: statutory_days?,
        promised_days: promised_days?,
        conditions: conditions?,
        steps: Vec::new(),
        channels: channels?,
        address: address?,
        hours: hours?,
        fees: Vec::new(),
        consult_contact: consult_contact?,
        complaint_contact: complaint_contact?,
        visits_required: visits_required?,
        online_depth: online_depth?,
        express_delivery: express_delivery?,
        online_payment: online_payment?,
        appointment: appointment?,
        result_type: result_type?,
        result_name: result_name?,
        result_license_type: result_license_type?,
        special_procedures: Vec::new(),
        faq: Vec::new(),
        materials: Vec::new(),
        discretion: discretion?,
        authority: authority?,
        situations: Vec::new(),
        review_standards: ReviewStandards {
            technical: technical?,
            expert: expert?,
            inspection: inspection?,
        },
        hall: hall?,
        life_events: life_events?,
        keywords: keywords?,
    })
}

fn read_source(r: &mut Row<'_>) -> Option<MaterialSource> {
    let kind = r.req_text("source.kind");
    let dept = r.opt_text("source.name");
    let code = r.opt_text("source.license_type_code");
    let (kind, dept, code) = (kind?, dept?, code?);
    let k = kind.trim();
    let is = |labels: &[&str]| labels.iter().any(|l| l.eq_ignore_ascii_case(k));
    let misplaced = |r: &mut Row<'_>, key: &str, kind_zh: &str| {
        let title = r.title(key);
        r.problem(
            key,
            format!("来源类型为“{kind_zh}”时不应填写{title}"),
            format!("{key}: must be blank when source.kind is “{kind_zh}”"),
        );
    };
    if is(&[SOURCE_APPLICANT, "申请人提供", "applicant"]) {
        if dept.is_some() {
            misplaced(r, "source.name", SOURCE_APPLICANT);
        }
        if code.is_some() {
            misplaced(r, "source.license_type_code", SOURCE_APPLICANT);
        }
        (dept.is_none() && code.is_none()).then_some(MaterialSource::Applicant)
    } else if is(&[SOURCE_DEPARTMENT, "部门共享", "department"]) {
        if code.is_some() {
            misplaced(r, "source.license_type_code", SOURCE_DEPARTMENT);
        }
        if dept.is_none() {
            r.problem(
                "source.name",
                "来源类型为“部门”时必须填写来源部门".into(),
                "source.name: required when source.kind is “部门” (department)".into(),
            );
        }
        match (dept, code) {
            (Some(name), None) => Some(MaterialSource::Department { name }),
            _ => None,
        }
    } else if is(&[SOURCE_LICENSE, "电子证照", "电子证照免提交", "license"]) {
        if dept.is_some() {
            misplaced(r, "source.name", SOURCE_LICENSE);
        }
        if code.is_none() {
            r.problem(
                "source.license_type_code",
                "来源类型为“证照”时必须填写证照类型代码".into(),
                "source.license_type_code: required when source.kind is “证照” (license)".into(),
            );
        }
        match (dept, code) {
            (None, Some(license_type_code)) => Some(MaterialSource::License { license_type_code }),
            _ => None,
        }
    } else {
        r.problem(
            "source.kind",
            format!("“{k}”不是有效的来源类型，应为：申请人、部门、证照"),
            format!("source.kind: “{k}” is not one of applicant, department, license (申请人、部门、证照)"),
        );
        None
    }
}

fn read_material(r: &mut Row<'_>) -> Option<Material> {
    let name = r.req_text("name");
    let required = r.req_bool("required", "必要", "非必要");
    let form = r.req_enum("form");
    let copies = r.req_u32("copies");
    let medium = r.req_enum("medium");
    let source = read_source(r);
    let blank_form = r.opt_text("blank_form");
    let sample = r.opt_text("sample");
    let acceptance_standard = r.req_text("acceptance_standard");
    let basis = r.opt_text("basis");
    let note = r.opt_text("note");
    Some(Material {
        name: name?,
        required: required?,
        form: form?,
        copies: copies?,
        medium: medium?,
        source: source?,
        blank_form: blank_form?,
        sample: sample?,
        acceptance_standard: acceptance_standard?,
        basis: basis?,
        note: note?,
    })
}

fn read_fee(r: &mut Row<'_>) -> Option<FeeItem> {
    let name = r.req_text("name");
    let standard = r.req_text("standard");
    let basis = r.req_text("basis");
    let waivable = r.req_bool("waivable", "是", "否");
    let waiver_basis = r.opt_text("waiver_basis");
    Some(FeeItem {
        name: name?,
        standard: standard?,
        basis: basis?,
        waivable: waivable?,
        waiver_basis: waiver_basis?,
    })
}

fn read_step(r: &mut Row<'_>) -> Option<Step> {
    let name = r.req_text("name");
    let description = r.req_text("description");
    Some(Step {
        name: name?,
        description: description?,
    })
}

fn read_special(r: &mut Row<'_>) -> Option<SpecialProcedure> {
    let kind = r.req_enum("kind");
    let max_days = r.opt_u32("max_days");
    let description = r.req_text("description");
    Some(SpecialProcedure {
        kind: kind?,
        max_days: max_days?,
        description: description?,
    })
}

fn read_faq(r: &mut Row<'_>) -> Option<Faq> {
    let question = r.req_text("question");
    let answer = r.req_text("answer");
    Some(Faq {
        question: question?,
        answer: answer?,
    })
}

fn read_situation(r: &mut Row<'_>) -> Option<Situation> {
    let name = r.req_text("name");
    let class = r.req_enum("class");
    let authority = r.req_enum("authority");
    Some(Situation {
        name: name?,
        class: class?,
        authority: authority?,
    })
}

/// One item row of sheet `事项` and what was assembled for it.
struct Slot {
    row: usize,
    /// `None` if the item row itself had problems.
    guide: Option<ServiceGuide>,
    /// Collections (`materials`, …) with a bad child row: validation findings about them
    /// would be artefacts of the missing row, so they are not reported.
    tainted: Vec<&'static str>,
}

type Attach<T> = fn(&mut ServiceGuide, T);

/// Read one child sheet and attach each good row to its item.
fn read_children<T>(
    sheet: Option<&Sheet>,
    collection: &'static str,
    read: fn(&mut Row<'_>) -> Option<T>,
    attach: Attach<T>,
    slots: &mut [Slot],
    index: &HashMap<String, usize>,
    problems: &mut Problems,
) {
    let Some(sheet) = sheet else {
        return;
    };
    for abs in data_rows(sheet) {
        let mut r = Row {
            sheet,
            abs,
            problems,
            bad: false,
        };
        if r.is_blank() {
            continue;
        }
        let key = r.req_text(KEY);
        let value = read(&mut r);
        let Some(key) = key else {
            continue;
        };
        match index.get(key.trim()) {
            None => {
                let row = r.line();
                r.problems.push(
                    sheet.name,
                    row,
                    KEY,
                    format!("实施编码“{}”在“{ITEMS}”表中不存在", key.trim()),
                    format!("task_code “{}” has no row in sheet “{ITEMS}”", key.trim()),
                );
            }
            Some(&i) => {
                let slot = &mut slots[i];
                match (value, &mut slot.guide) {
                    (Some(v), Some(g)) if !r.bad => attach(g, v),
                    _ => {
                        if !slot.tainted.contains(&collection) {
                            slot.tainted.push(collection);
                        }
                    }
                }
            }
        }
    }
}

/// Import the catalog spreadsheet written by [`catalog_xlsx`](crate::catalog_xlsx) (and
/// edited by staff).
///
/// Every row of every sheet is read and *all* problems are collected: an unknown label, a
/// blank required cell, a cell that is not a whole number, a child row whose 实施编码 has no
/// item row, a duplicate 实施编码, unknown or missing columns. Then each assembled item is
/// checked with [`ServiceGuide::validate`], whose findings are reported on the item's row in
/// sheet `事项` with the validator's field path. Items whose own row had problems are not
/// validated; findings about a collection with a bad child row (e.g. `materials[…]` when a
/// `材料` row was rejected) are left out, since they would be artefacts of the missing row.
///
/// Blank cells (empty or only whitespace) are `None` for optional fields, empty lists for list
/// fields, and a problem for required fields. Extra sheets are ignored; a missing child sheet
/// means no children of that kind.
///
/// # Errors
///
/// Every problem found, in sheet order (`事项` first) and row order, followed by the
/// validation findings. `Ok` only when there are none.
pub fn read_catalog_xlsx(bytes: &[u8]) -> Result<Vec<ServiceGuide>, Vec<ImportProblem>> {
    let mut wb: Xlsx<Cursor<&[u8]>> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        vec![ImportProblem {
            sheet: String::new(),
            row: 0,
            field: String::new(),
            zh: format!("无法读取 Excel 文件（应为 .xlsx 格式）：{e}"),
            en: format!("cannot read the workbook (expected .xlsx): {e}"),
        }]
    })?;
    let names = wb.sheet_names();
    let mut problems = Problems(Vec::new());

    let items = load_sheet(&mut wb, &names, ITEMS, ITEM_COLS, &mut problems);
    let mut slots: Vec<Slot> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    if let Some(sheet) = &items {
        for abs in data_rows(sheet) {
            let mut r = Row {
                sheet,
                abs,
                problems: &mut problems,
                bad: false,
            };
            if r.is_blank() {
                continue;
            }
            let key = peek_key(sheet, abs);
            let guide = read_item(&mut r);
            let row = r.line();
            let Some(key) = key else {
                continue; // blank or error key: reported by read_item
            };
            if let Some(&first) = index.get(&key) {
                let first_row = slots[first].row;
                problems.push(
                    ITEMS,
                    row,
                    KEY,
                    format!("实施编码“{key}”与第 {first_row} 行重复"),
                    format!("task_code “{key}” duplicates row {first_row}"),
                );
                continue;
            }
            index.insert(key, slots.len());
            slots.push(Slot {
                row,
                guide,
                tainted: Vec::new(),
            });
        }
    }

    let load = |wb: &mut Xlsx<Cursor<&[u8]>>, name, spec, p: &mut Problems| {
        load_sheet(wb, &names, name, spec, p)
    };
    let materials = load(&mut wb, MATERIALS, MATERIAL_COLS, &mut problems);
    read_children(
        materials.as_ref(),
        "materials",
        read_material,
        |g, v| g.materials.push(v),
        &mut slots,
        &index,
        &mut problems,
    );
    let fees = load(&mut wb, FEES, FEE_COLS, &mut problems);
    read_children(
        fees.as_ref(),
        "fees",
        read_fee,
        |g, v| g.fees.push(v),
        &mut slots,
        &index,
        &mut problems,
    );
    let steps = load(&mut wb, STEPS, STEP_COLS, &mut problems);
    read_children(
        steps.as_ref(),
        "steps",
        read_step,
        |g, v| g.steps.push(v),
        &mut slots,
        &index,
        &mut problems,
    );
    let special = load(&mut wb, SPECIAL, SPECIAL_COLS, &mut problems);
    read_children(
        special.as_ref(),
        "special_procedures",
        read_special,
        |g, v| g.special_procedures.push(v),
        &mut slots,
        &index,
        &mut problems,
    );
    let faq = load(&mut wb, FAQ, FAQ_COLS, &mut problems);
    read_children(
        faq.as_ref(),
        "faq",
        read_faq,
        |g, v| g.faq.push(v),
        &mut slots,
        &index,
        &mut problems,
    );
    let situations = load(&mut wb, SITUATIONS, SITUATION_COLS, &mut problems);
    read_children(
        situations.as_ref(),
        "situations",
        read_situation,
        |g, v| g.situations.push(v),
        &mut slots,
        &index,
        &mut problems,
    );

    let mut guides = Vec::with_capacity(slots.len());
    for slot in slots {
        let Some(g) = slot.guide else {
            continue;
        };
        for p in g.validate() {
            let about_tainted = slot.tainted.iter().any(|c| {
                p.field == *c
                    || p.field
                        .strip_prefix(c)
                        .is_some_and(|rest| rest.starts_with('['))
            });
            if !about_tainted {
                problems.push(ITEMS, slot.row, &p.field, p.zh, p.en);
            }
        }
        guides.push(g);
    }

    if problems.0.is_empty() {
        Ok(guides)
    } else {
        Err(problems.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys() {
        assert_eq!(header_key("事项名称 (name)"), "name");
        assert_eq!(
            header_key(" 法定办结时限（工作日） (statutory_days) "),
            "statutory_days"
        );
        assert_eq!(header_key("name"), "name");
        assert_eq!(header_key("事项名称"), "事项名称");
    }

    #[test]
    fn cell_texts() {
        assert_eq!(cell_text(&Data::Float(350500.0)), Ok(Some("350500".into())));
        assert_eq!(cell_text(&Data::Float(1.5)), Ok(Some("1.5".into())));
        assert_eq!(cell_text(&Data::String(" \n".into())), Ok(None));
        assert_eq!(
            cell_text(&Data::String(" a ".into())),
            Ok(Some(" a ".into()))
        );
        assert_eq!(cell_text(&Data::Empty), Ok(None));
    }
}
