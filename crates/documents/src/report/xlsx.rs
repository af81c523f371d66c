//! The annual report as XLSX: its tables, one worksheet each.

use onewindow_domain::report::ReportDoc;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Url, Workbook, Worksheet};

use super::docx::WIDE_GRID;
use super::{Cell, Table, is_wide, wrap};
use crate::error::DocumentError;

/// Name of the first worksheet.
pub(crate) const CONTENTS_SHEET: &str = "报告";

/// Rows above each table: its section heading.
pub(crate) const TITLE_ROWS: u32 = 1;

/// Excel's limit on a worksheet name, in UTF-16 code units.
const MAX_SHEET_NAME: usize = 31;

/// Column widths in Excel's character units.
const MIN_COL: f64 = 6.0;
const MAX_COL: f64 = 40.0;

/// Height of one line of 11 pt text, and the padding of a row, in points.
const LINE_PT: f32 = 14.4;
const ROW_PAD_PT: f32 = 4.0;

/// Width of a character in Excel's units (the width of `0` in the default font): CJK twice.
fn units(c: char) -> f32 {
    if is_wide(c) { 2.0 } else { 1.1 }
}

fn text_units(line: &str) -> f32 {
    line.chars().map(units).sum()
}

struct Formats {
    title: Format,
    head: Format,
    label: Format,
    text: Format,
    number: Format,
    blank: Format,
}

impl Formats {
    fn new() -> Formats {
        let boxed = Format::new()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter);
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(12)
                .set_align(FormatAlign::VerticalCenter),
            head: boxed
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(0xD9D9D9)),
            label: boxed
                .clone()
                .set_bold()
                .set_align(FormatAlign::Left)
                .set_background_color(Color::RGB(0xF2F2F2)),
            text: boxed.clone().set_align(FormatAlign::Left),
            number: boxed.clone().set_align(FormatAlign::Center),
            blank: boxed,
        }
    }

    fn of(&self, c: &Cell) -> &Format {
        if c.head {
            &self.head
        } else if c.label {
            &self.label
        } else if c.number {
            &self.number
        } else {
            &self.text
        }
    }
}

/// A valid worksheet name from `raw`, different (ignoring case) from every name in `taken`,
/// which it joins: characters Excel forbids become `_`, apostrophes at either end and
/// control characters are dropped, a blank name becomes `表格N`, and the result is cut to 31
/// UTF-16 units, room being left for a `（2）`, `（3）` … suffix where needed.
pub(crate) fn sheet_name(raw: &str, n: usize, taken: &mut Vec<String>) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim();
    let mut base = if cleaned.is_empty() {
        format!("表格{n}")
    } else {
        cleaned.to_owned()
    };
    if base.eq_ignore_ascii_case("history") {
        base.push('_');
    }
    let cut = |s: &str, max: usize| -> String {
        let mut used = 0;
        let out: String = s
            .chars()
            .take_while(|c| {
                used += c.len_utf16();
                used <= max
            })
            .collect();
        // Cutting may leave an apostrophe at the end.
        out.trim_end_matches('\'').to_owned()
    };
    let is_taken = |name: &str, taken: &[String]| {
        taken
            .iter()
            .any(|t| t.to_lowercase() == name.to_lowercase())
    };
    let mut name = cut(&base, MAX_SHEET_NAME);
    let mut k = 2;
    while is_taken(&name, taken) {
        let suffix = format!("（{k}）");
        name = format!(
            "{}{suffix}",
            cut(&base, MAX_SHEET_NAME - suffix.encode_utf16().count())
        );
        k += 1;
    }
    taken.push(name.clone());
    name
}

/// Write one grid on `ws` below a title row holding `heading`.
fn write_grid(
    ws: &mut Worksheet,
    t: &Table,
    heading: &str,
    f: &Formats,
) -> Result<(), DocumentError> {
    let off = TITLE_ROWS;
    ws.write_string_with_format(0, 0, heading, &f.title)?;
    ws.set_row_height(0, 24)?;
    if t.is_empty() {
        return Ok(());
    }
    let cols =
        u16::try_from(t.cols).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
    let row_of = |r: usize| -> Result<u32, DocumentError> {
        u32::try_from(r)
            .ok()
            .and_then(|r| r.checked_add(off))
            .ok_or_else(|| rust_xlsxwriter::XlsxError::RowColumnLimitError.into())
    };

    // Widths from the single-column cells: room for the longest line, within bounds.
    let mut units_of: Vec<f32> = vec![0.0; t.cols];
    for c in t.cells.iter().filter(|c| c.colspan == 1) {
        let w = super::hard_lines(c.text)
            .iter()
            .map(|l| text_units(l))
            .fold(0f32, f32::max);
        units_of[c.col] = units_of[c.col].max(w + 2.0);
    }
    let col_widths: Vec<f64> = units_of
        .iter()
        .map(|u| f64::from(*u).clamp(MIN_COL, MAX_COL))
        .collect();
    for (k, w) in col_widths.iter().enumerate() {
        ws.set_column_width(k as u16, *w)?;
    }

    // Row heights: Excel does not fit rows to wrapped text in merged cells, so set them all.
    let as_f32: Vec<f32> = col_widths.iter().map(|w| *w as f32).collect();
    let heights = t.row_heights(&as_f32, LINE_PT + ROW_PAD_PT, |i, width| {
        let room = (width - 1.0).max(2.0);
        let lines = wrap(t.cells[i].text, room, room, units).len() as f32;
        lines * LINE_PT + ROW_PAD_PT
    });
    for (r, h) in heights.iter().enumerate() {
        ws.set_row_height(row_of(r)?, f64::from(*h))?;
    }

    for c in &t.cells {
        let (r1, c1) = (row_of(c.row)?, c.col as u16);
        let (r2, c2) = (row_of(c.row_end() - 1)?, (c.col_end() - 1) as u16);
        let format = f.of(c);
        let number = if c.number {
            c.text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
        } else {
            None
        };
        if r1 != r2 || c1 != c2 {
            ws.merge_range(r1, c1, r2, c2, c.text, format)?;
            if let Some(v) = number {
                ws.write_number_with_format(r1, c1, v, format)?;
            }
        } else if let Some(v) = number {
            ws.write_number_with_format(r1, c1, v, format)?;
        } else {
            ws.write_string_with_format(r1, c1, c.text, format)?;
        }
    }
    for r in 0..t.rows {
        for k in 0..t.cols {
            if t.slot(r, k).is_none() {
                ws.write_blank(row_of(r)?, k as u16, &f.blank)?;
            }
        }
    }
    if cols > 1 {
        ws.merge_range(0, 0, 0, cols - 1, heading, &f.title)?;
    }
    if t.repeatable_heads() {
        ws.set_freeze_panes(row_of(t.header_rows)?, 0)?;
    }
    ws.set_paper_size(9);
    if t.cols >= WIDE_GRID {
        ws.set_landscape();
    }
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// Render the tables of the annual report as an XLSX workbook.
///
/// The first worksheet, `报告`, holds the title (A1), the issuer (A2), the date (A3) and,
/// from row 5 under the heads `章节` and `表格`, one row per section: its heading and, for a
/// section with a table, a link to that table's worksheet.
///
/// Then one worksheet per grid, named after [`Grid::name`](onewindow_domain::report::Grid)
/// (made a valid and unique sheet name of at most 31 characters: `表三`, or `表三（2）` for a
/// second table of that name). **Row 1 of each table sheet is a title row** holding the
/// section heading (merged across the table's columns); the grid starts on row 2, so grid
/// cell `(row, col)` is the sheet cell `(row + 1, col)`, 0-based. Merged cells are merged
/// ranges; column heads are bold, centred, on grey, row labels bold and flush left on light
/// grey, and every cell of the grid has thin borders and wraps its text. A figure is written
/// as a number when its text parses as one (`1.2345` for 万元), else as the text. Columns
/// are as wide as their longest single-column text (6 to 40 characters; longer labels wrap),
/// rows as high as their wrapped text needs, the column heads are frozen, and the sheets
/// print on A4 fitted to the page width (landscape from eight columns on).
///
/// # Errors
///
/// [`DocumentError::InvalidGrid`] if a grid has overlapping cells,
/// [`DocumentError::Xlsx`] if the workbook cannot be written (e.g. a text longer than
/// Excel's 32 767 characters per cell).
pub fn report_xlsx(doc: &ReportDoc) -> Result<Vec<u8>, DocumentError> {
    let mut taken = vec![CONTENTS_SHEET.to_owned()];
    let mut grids = Vec::new();
    for s in &doc.sections {
        if let Some(g) = &s.grid {
            let t = Table::new(g)?;
            let name = sheet_name(&g.name, grids.len() + 1, &mut taken);
            grids.push((s.heading.as_str(), t, name));
        }
    }
    let f = Formats::new();
    let mut wb = Workbook::new();

    let ws = wb.add_worksheet();
    ws.set_name(CONTENTS_SHEET)?;
    ws.set_column_width(0, 60)?;
    ws.set_column_width(1, 16)?;
    ws.merge_range(
        0,
        0,
        0,
        1,
        &doc.title,
        &f.title.clone().set_font_size(14).set_text_wrap(),
    )?;
    ws.set_row_height(0, 36)?;
    ws.write_string(1, 0, &doc.issuer)?;
    ws.write_string(2, 0, &doc.date)?;
    ws.write_string_with_format(4, 0, "章节", &f.head)?;
    ws.write_string_with_format(4, 1, "表格", &f.head)?;
    let mut next_grid = grids.iter();
    for (i, s) in doc.sections.iter().enumerate() {
        let row =
            u32::try_from(5 + i).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
        ws.write_string_with_format(row, 0, &s.heading, &f.text)?;
        // Grids were collected in section order, so the next one belongs to this section.
        match s.grid.as_ref().and_then(|_| next_grid.next()) {
            Some((_, _, name)) => {
                let link = Url::new(format!("internal:'{}'!A1", name.replace('\'', "''")));
                ws.write_url_with_text(row, 1, link, name.as_str())?;
            }
            None => {
                ws.write_blank(row, 1, &f.blank)?;
            }
        }
    }

    for (heading, t, name) in &grids {
        let ws = wb.add_worksheet();
        ws.set_name(name.as_str())?;
        write_grid(ws, t, heading, &f)?;
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = vec![CONTENTS_SHEET.to_owned()];
        assert_eq!(sheet_name("表三", 1, &mut taken), "表三");
        assert_eq!(sheet_name("表三", 2, &mut taken), "表三（2）");
        assert_eq!(sheet_name("表三", 3, &mut taken), "表三（3）");
        assert_eq!(sheet_name("报告", 4, &mut taken), "报告（2）");
        assert_eq!(sheet_name(" 'a/b:c' ", 5, &mut taken), "a_b_c");
        assert_eq!(sheet_name("", 6, &mut taken), "表格6");
        assert_eq!(sheet_name("History", 7, &mut taken), "History_");
        let long = "一".repeat(40);
        let a = sheet_name(&long, 8, &mut taken);
        let b = sheet_name(&long, 9, &mut taken);
        assert_eq!(a.chars().count(), 31);
        assert_eq!(b.encode_utf16().count(), 31);
        assert!(b.ends_with("（2）"));
        // Characters outside the BMP count twice.
        let astral = sheet_name(&"𠀀".repeat(20), 10, &mut taken);
        assert_eq!(astral.encode_utf16().count(), 30);
    }
}
