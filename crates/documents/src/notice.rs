//! Numbered case notices (办件文书) as DOCX: 受理通知书, 一次性告知书, 不予受理通知书, …

use docx_rs::{
    AlignmentType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Shading, ShdType,
    SpecialIndentType, Table, TableBorders, TableCell, TableRow, VAlignType, WidthType,
};
use serde::{Deserialize, Serialize};

use crate::docx::{
    HEADER_FILL, MARGIN, SIZE_BODY, SIZE_SMALL, SIZE_TABLE, SIZE_TITLE, TEXT_WIDTH, cell, fangsong,
    hei, lines, songti,
};
use crate::error::DocumentError;

/// A numbered notice to an applicant (受理通知书, 一次性告知书, 不予受理通知书, 容缺受理告知承诺书, 准予/不予许可决定书 …).
///
/// Every text is printed as given (the caller masks personal data); a line break starts a new
/// paragraph with the same layout. A blank `title`, `number`, `recipient`, `issuer`, `date` or
/// `footer` prints nothing, so no empty line is left in its place.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoticeDoc {
    /// Title of the notice, e.g. `受理通知书`; printed centred in 黑体, bold and large.
    pub title: String,
    /// 文书编号, e.g. `泉行服受〔2026〕000123号`; printed centred under the title.
    pub number: String,
    /// Issuing body, e.g. `泉州市行政服务中心`; printed at the bottom right above the date.
    pub issuer: String,
    /// Addressee, e.g. `张**：` (already masked by the caller); the first line of the text,
    /// not indented.
    pub recipient: String,
    /// Body paragraphs, each with a two-character first-line indent.
    pub paragraphs: Vec<String>,
    /// Optional table after the body paragraphs (e.g. the list of materials to complete).
    pub table: Option<NoticeTable>,
    /// Paragraphs after the table (contacts, rights to appeal …), laid out like the body.
    pub closing: Vec<String>,
    /// Date of the notice, e.g. `2026年11月25日`; printed at the bottom right under the issuer.
    pub date: String,
    /// Small print at the very end, e.g. `本通知书一式两份…` or a verification line.
    pub footer: Option<String>,
}

/// A bordered table of a notice: one bold header row, then the rows as given.
///
/// The table has as many columns as the longest of `headers` and `rows`; shorter rows (and a
/// shorter header row) are padded with empty cells, so nothing is dropped. An empty `headers`
/// prints no header row; a table without any cell prints nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoticeTable {
    /// Column titles, printed bold on a shaded header row.
    pub headers: Vec<String>,
    /// Body rows, one cell per column.
    pub rows: Vec<Vec<String>>,
}

/// First-line indent of body paragraphs: two characters of 小四 (12 pt = 240 twips each).
///
/// A fixed twip indent, because docx-rs 0.4 does not write `w:firstLineChars`
/// (`Paragraph::first_line_chars` has no effect on the file).
const INDENT_TWO_CHARS: i32 = 480;

/// How the lines of one text are set.
struct Look {
    align: AlignmentType,
    fonts: RunFonts,
    size: usize,
    bold: bool,
    first_line: Option<i32>,
}

impl Look {
    fn plain(align: AlignmentType, fonts: RunFonts, size: usize) -> Look {
        Look {
            align,
            fonts,
            size,
            bold: false,
            first_line: None,
        }
    }

    /// Body text: 仿宋 小四, flush left, first line indented two characters.
    fn body() -> Look {
        Look {
            first_line: Some(INDENT_TWO_CHARS),
            ..Look::plain(AlignmentType::Left, fangsong(), SIZE_BODY)
        }
    }

    /// One paragraph per line of `text` (at least one); `spacing` gets the line index.
    fn paragraphs(&self, text: &str, spacing: impl Fn(usize) -> LineSpacing) -> Vec<Paragraph> {
        lines(text)
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let mut run = Run::new()
                    .add_text(l)
                    .fonts(self.fonts.clone())
                    .size(self.size);
                if self.bold {
                    run = run.bold();
                }
                let mut p = Paragraph::new()
                    .align(self.align)
                    .line_spacing(spacing(i))
                    .add_run(run);
                if let Some(twips) = self.first_line {
                    p = p.indent(None, Some(SpecialIndentType::FirstLine(twips)), None, None);
                }
                p
            })
            .collect()
    }

    /// Like [`Look::paragraphs`], but nothing at all for a blank `text`.
    fn unless_blank(&self, text: &str, spacing: impl Fn(usize) -> LineSpacing) -> Vec<Paragraph> {
        if text.trim().is_empty() {
            Vec::new()
        } else {
            self.paragraphs(text, spacing)
        }
    }
}

fn bold_header_cell(text: &str, width: usize) -> TableCell {
    let mut c = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center)
        .shading(
            Shading::new()
                .shd_type(ShdType::Clear)
                .color("auto")
                .fill(HEADER_FILL),
        );
    for l in lines(text) {
        c = c.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_text(l).fonts(hei()).size(SIZE_TABLE).bold()),
        );
    }
    c
}

/// Column widths in twips: the text width shared equally, the remainder to the last column.
fn column_widths(columns: usize) -> Vec<usize> {
    if columns == 0 {
        return Vec::new();
    }
    let each = TEXT_WIDTH / columns;
    let mut widths = vec![each; columns];
    if let Some(last) = widths.last_mut() {
        *last += TEXT_WIDTH - each * columns;
    }
    widths
}

/// The texts of one row, padded with empty cells to `columns`.
fn padded(row: &[String], columns: usize) -> impl Iterator<Item = &str> {
    row.iter()
        .map(String::as_str)
        .chain(std::iter::repeat(""))
        .take(columns)
}

/// The bordered table, or `None` if it has no column at all.
fn notice_table(t: &NoticeTable) -> Option<Table> {
    let columns = t
        .rows
        .iter()
        .map(Vec::len)
        .chain([t.headers.len()])
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return None;
    }
    let widths = column_widths(columns);
    let mut trs = Vec::with_capacity(t.rows.len() + 1);
    if !t.headers.is_empty() {
        trs.push(
            TableRow::new(
                padded(&t.headers, columns)
                    .zip(&widths)
                    .map(|(h, w)| bold_header_cell(h, *w))
                    .collect(),
            )
            .cant_split(),
        );
    }
    for row in &t.rows {
        trs.push(
            TableRow::new(
                padded(row, columns)
                    .zip(&widths)
                    .map(|(text, w)| cell(text, *w))
                    .collect(),
            )
            .cant_split(),
        );
    }
    Some(
        Table::new(trs)
            .set_borders(TableBorders::new())
            .set_grid(widths)
            .width(TEXT_WIDTH, WidthType::Dxa),
    )
}

/// Render a numbered case notice (办件文书) as a DOCX file.
///
/// A4 portrait with the margins of the service guide ([`guide_docx`](crate::guide_docx)).
/// From top to bottom: the title (黑体, bold, 二号, centred), the document number (仿宋,
/// centred), the addressee (not indented), the body paragraphs (仿宋 小四, two-character
/// first-line indent), the table if any (bordered, header row in bold 黑体 on grey, cells in
/// 宋体 五号, short rows padded with empty cells), the closing paragraphs (like the body), the
/// issuer and the date (right-aligned), and the footer in small print (宋体 小五).
///
/// # Errors
///
/// [`DocumentError::Docx`] if the package cannot be written.
pub fn notice_docx(n: &NoticeDoc) -> Result<Vec<u8>, DocumentError> {
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
        .default_size(SIZE_BODY);

    let mut ps: Vec<Paragraph> = Vec::new();
    let after = |twips: u32| move |_: usize| LineSpacing::new().after(twips);

    let has_number = !n.number.trim().is_empty();
    let title = Look {
        bold: true,
        ..Look::plain(AlignmentType::Center, hei(), SIZE_TITLE)
    };
    ps.extend(title.unless_blank(&n.title, after(if has_number { 120 } else { 360 })));
    let centred = Look::plain(AlignmentType::Center, fangsong(), SIZE_BODY);
    ps.extend(centred.unless_blank(&n.number, after(360)));
    let left = Look::plain(AlignmentType::Left, fangsong(), SIZE_BODY);
    ps.extend(left.unless_blank(&n.recipient, after(60)));
    let body = Look::body();
    for text in &n.paragraphs {
        ps.extend(body.paragraphs(text, after(60)));
    }
    for p in ps.drain(..) {
        doc = doc.add_paragraph(p);
    }

    let table = n.table.as_ref().and_then(notice_table);
    let after_table = table.is_some();
    if let Some(t) = table {
        doc = doc.add_table(t);
    }
    for (i, text) in n.closing.iter().enumerate() {
        // Keep the first line after the table off its bottom border.
        let first = after_table && i == 0;
        ps.extend(body.paragraphs(text, |j| {
            let s = LineSpacing::new().after(60);
            if first && j == 0 { s.before(120) } else { s }
        }));
    }

    // Signature block: issuer above date, both flush right, well below the text.
    let right = Look::plain(AlignmentType::Right, fangsong(), SIZE_BODY);
    let signature_gap = |first: bool| {
        move |i: usize| {
            let s = LineSpacing::new().after(60);
            if first && i == 0 { s.before(480) } else { s }
        }
    };
    let has_issuer = !n.issuer.trim().is_empty();
    ps.extend(right.unless_blank(&n.issuer, signature_gap(true)));
    ps.extend(right.unless_blank(&n.date, signature_gap(!has_issuer)));

    if let Some(footer) = &n.footer {
        let small = Look::plain(AlignmentType::Left, songti(), SIZE_SMALL);
        ps.extend(small.unless_blank(footer, |i| {
            if i == 0 {
                LineSpacing::new().before(360)
            } else {
                LineSpacing::new()
            }
        }));
    }
    for p in ps {
        doc = doc.add_paragraph(p);
    }

    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| DocumentError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_is_two_body_characters() {
        // SIZE_BODY is in half-points; a twip is a twentieth of a point.
        assert_eq!(INDENT_TWO_CHARS as usize, 2 * SIZE_BODY * 10);
    }

    #[test]
    fn widths_fill_the_text_width() {
        for n in 1..=9 {
            let w = column_widths(n);
            assert_eq!(w.len(), n);
            assert_eq!(w.iter().sum::<usize>(), TEXT_WIDTH);
        }
        assert!(column_widths(0).is_empty());
    }

    #[test]
    fn rows_are_padded_to_the_widest() {
        let row = vec!["a".to_string()];
        assert_eq!(padded(&row, 3).collect::<Vec<_>>(), vec!["a", "", ""]);
        assert_eq!(padded(&[], 2).collect::<Vec<_>>(), vec!["", ""]);
    }

    #[test]
    fn a_table_without_cells_is_left_out() {
        assert!(notice_table(&NoticeTable::default()).is_none());
        assert!(
            notice_table(&NoticeTable {
                headers: vec![],
                rows: vec![vec![], vec![]],
            })
            .is_none()
        );
        assert!(
            notice_table(&NoticeTable {
                headers: vec![],
                rows: vec![vec!["x".into()]],
            })
            .is_some()
        );
    }
}
