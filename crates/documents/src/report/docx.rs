//! The annual report as DOCX.

use docx_rs::{
    AlignmentType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Shading, ShdType,
    SpecialIndentType, Table as DocxTable, TableBorders, TableCell, TableLayoutType, TableRow,
    VAlignType, VMergeType, WidthType,
};
use onewindow_domain::report::{Grid, ReportDoc};

use super::{Cell, Table, approx_em, extent, hard_lines};
use crate::docx::{
    HEADER_FILL, MARGIN, SIZE_BODY, SIZE_SMALL, SIZE_TABLE, SIZE_TITLE, TEXT_WIDTH, fangsong, hei,
    songti,
};
use crate::error::DocumentError;

/// Section headings: 三号 (16 pt), in half-points.
const SIZE_HEADING: usize = 32;

/// Shade of the row labels, lighter than the column heads.
const LABEL_FILL: &str = "F2F2F2";

/// Two characters of the body size (小四, 12 pt = 240 twips each), as a fixed twip indent
/// because docx-rs does not write `w:firstLineChars`.
const INDENT_BODY: i32 = 2 * SIZE_BODY as i32 * 10;

/// Two characters of the heading size.
const INDENT_HEADING: i32 = 2 * SIZE_HEADING as i32 * 10;

/// Grids with at least this many columns are set in 小五 (9 pt), narrower ones in 五号.
pub(crate) const WIDE_GRID: usize = 8;

/// Left and right cell margins of Word's default table style (0.19 cm), in twips.
const CELL_PAD: f32 = 108.0;

fn run(text: &str, fonts: RunFonts, size: usize, bold: bool) -> Run {
    let r = Run::new().add_text(text).fonts(fonts).size(size);
    if bold { r.bold() } else { r }
}

/// One paragraph per line of `text`.
fn paragraphs(
    text: &str,
    align: AlignmentType,
    fonts: &RunFonts,
    size: usize,
    bold: bool,
    first_line: Option<i32>,
    spacing: LineSpacing,
) -> Vec<Paragraph> {
    hard_lines(text)
        .into_iter()
        .map(|l| {
            let mut p = Paragraph::new()
                .align(align)
                .line_spacing(spacing.clone())
                .add_run(run(&l, fonts.clone(), size, bold));
            if let Some(twips) = first_line {
                p = p.indent(None, Some(SpecialIndentType::FirstLine(twips)), None, None);
            }
            p
        })
        .collect()
}

fn body(text: &str) -> Vec<Paragraph> {
    paragraphs(
        text,
        AlignmentType::Both,
        &fangsong(),
        SIZE_BODY,
        false,
        Some(INDENT_BODY),
        LineSpacing::new().after(60),
    )
}

/// A grid cell's properties; `continued` for the slots below the first row of a row span.
fn table_cell(c: &Cell, width: usize, size: usize, continued: bool) -> TableCell {
    let mut tc = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    if c.colspan > 1 {
        tc = tc.grid_span(c.colspan);
    }
    if c.rowspan > 1 {
        tc = tc.vertical_merge(if continued {
            VMergeType::Continue
        } else {
            VMergeType::Restart
        });
    }
    if c.strong() {
        let fill = if c.head { HEADER_FILL } else { LABEL_FILL };
        tc = tc.shading(
            Shading::new()
                .shd_type(ShdType::Clear)
                .color("auto")
                .fill(fill),
        );
    }
    if continued {
        return tc;
    }
    let align = if c.head || c.number {
        AlignmentType::Center
    } else {
        AlignmentType::Left
    };
    let fonts = if c.strong() { hei() } else { songti() };
    for p in paragraphs(
        c.text,
        align,
        &fonts,
        size,
        c.strong(),
        None,
        LineSpacing::new(),
    ) {
        tc = tc.add_paragraph(p);
    }
    tc
}

/// An empty slot of the grid.
fn empty_cell(width: usize) -> TableCell {
    TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center)
}

/// Column widths in twips adding up to the text width, estimated at the table's font size.
fn twip_widths(t: &Table, size: usize) -> Vec<usize> {
    // Half-points to twips: × 10.
    let em = size as f32 * 10.0;
    let widths = t.column_widths(TEXT_WIDTH as f32, CELL_PAD, em, |c| {
        let (piece, line) = extent(c.text, approx_em);
        (piece * em, line * em)
    });
    let mut out: Vec<usize> = widths.iter().map(|w| w.floor().max(1.0) as usize).collect();
    let sum: usize = out.iter().sum();
    if let Some(last) = out.last_mut() {
        *last += TEXT_WIDTH.saturating_sub(sum);
    }
    out
}

/// The grid as a bordered Word table, or `None` for a grid without slots.
fn grid_table(grid: &Grid) -> Result<Option<DocxTable>, DocumentError> {
    let t = Table::new(grid)?;
    if t.is_empty() {
        return Ok(None);
    }
    let size = if t.cols >= WIDE_GRID {
        SIZE_SMALL
    } else {
        SIZE_TABLE
    };
    let widths = twip_widths(&t, size);
    let span_width = |c: &Cell| -> usize { widths[c.col..c.col_end()].iter().sum() };
    let mut rows = Vec::with_capacity(t.rows);
    for r in 0..t.rows {
        let mut cells = Vec::new();
        let mut k = 0;
        while k < t.cols {
            match t.slot(r, k) {
                // The first column of a cell: the cell itself, or the continuation of a row span.
                Some(c) if c.col == k => {
                    cells.push(table_cell(c, span_width(c), size, c.row != r));
                    k += c.colspan;
                }
                // Cannot happen for a checked grid (a cell is entered at its first column).
                Some(_) => k += 1,
                None => {
                    cells.push(empty_cell(widths[k]));
                    k += 1;
                }
            }
        }
        rows.push(TableRow::new(cells).cant_split());
    }
    Ok(Some(
        DocxTable::new(rows)
            .set_borders(TableBorders::new())
            .set_grid(widths)
            .layout(TableLayoutType::Fixed)
            .width(TEXT_WIDTH, WidthType::Dxa),
    ))
}

/// Render the annual report on government information disclosure as a DOCX file.
///
/// A4 portrait with the margins of the other documents of this crate (25.4 mm). From top to
/// bottom: the title (黑体, bold, 二号, centred), the preface (仿宋 小四, justified,
/// two-character first-line indent), then for each section its heading (黑体, bold, 三号,
/// indented two characters, kept with what follows), its paragraphs (like the preface) and its
/// grid as a bordered table, and finally the issuer and the date, flush right. A line break
/// inside any text starts a new paragraph with the same layout.
///
/// Tables: merged cells use `w:gridSpan` (columns) and `w:vMerge` restart/continue (rows; the
/// slots below the first row of a span are continuation cells), slots that no cell covers are
/// empty cells; column heads (the leading rows of header cells) are bold 黑体 on grey and
/// centred, row labels (header cells further down) bold 黑体 on light grey and flush left,
/// figures centred as in the official tables, other text 宋体 flush left. Grids of eight or
/// more columns are set in 小五 (9 pt), others in 五号 (10.5 pt). Column widths (fixed layout)
/// fill the text width, estimated from the cell texts so that label columns get the room.
///
/// # Errors
///
/// [`DocumentError::InvalidGrid`] if a grid has overlapping cells,
/// [`DocumentError::Docx`] if the package cannot be written.
pub fn report_docx(doc: &ReportDoc) -> Result<Vec<u8>, DocumentError> {
    let mut d = Docx::new()
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

    for p in paragraphs(
        &doc.title,
        AlignmentType::Center,
        &hei(),
        SIZE_TITLE,
        true,
        None,
        LineSpacing::new().after(360),
    ) {
        d = d.add_paragraph(p);
    }
    for p in body(&doc.preface) {
        d = d.add_paragraph(p);
    }
    for s in &doc.sections {
        for p in paragraphs(
            &s.heading,
            AlignmentType::Left,
            &hei(),
            SIZE_HEADING,
            true,
            Some(INDENT_HEADING),
            LineSpacing::new().before(240).after(120),
        ) {
            d = d.add_paragraph(p.keep_next(true).outline_lvl(0));
        }
        for text in &s.paragraphs {
            for p in body(text) {
                d = d.add_paragraph(p);
            }
        }
        if let Some(grid) = &s.grid
            && let Some(table) = grid_table(grid)?
        {
            d = d.add_table(table);
        }
    }
    let right = |text: &str, before: u32| {
        if text.trim().is_empty() {
            return Vec::new();
        }
        paragraphs(
            text,
            AlignmentType::Right,
            &fangsong(),
            SIZE_BODY,
            false,
            None,
            LineSpacing::new().before(before).after(60),
        )
    };
    let date_gap = if doc.issuer.trim().is_empty() { 480 } else { 0 };
    for p in right(&doc.issuer, 480)
        .into_iter()
        .chain(right(&doc.date, date_gap))
    {
        d = d.add_paragraph(p);
    }

    let mut out = std::io::Cursor::new(Vec::new());
    d.build()
        .pack(&mut out)
        .map_err(|e| DocumentError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}
