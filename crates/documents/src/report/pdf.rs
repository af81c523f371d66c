//! The annual report as PDF: laid out here (line breaking, page breaks, table grid) and
//! written with krilla, which embeds the fonts as subsets with ToUnicode maps so that the
//! text can be searched and extracted.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use onewindow_domain::report::ReportDoc;
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::raw::FileRef;
use skrifa::string::StringId;
use skrifa::{FontRef, MetadataProvider};

use super::docx::WIDE_GRID;
use super::{Table, extent, hard_lines, is_wide, wrap};
use crate::error::DocumentError;

// Page geometry in points: A4 portrait, 2.5 cm margins.
pub(crate) const PAGE_W: f32 = 595.276;
pub(crate) const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 70.866;
const TOP: f32 = MARGIN;
const BOTTOM: f32 = PAGE_H - MARGIN;
const LEFT: f32 = MARGIN;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;

// Type sizes in points and line heights as multiples of the size.
const SIZE_TITLE: f32 = 18.0;
const SIZE_HEADING: f32 = 14.0;
const SIZE_BODY: f32 = 12.0;
const SIZE_FOLIO: f32 = 10.5;
const LEADING_BODY: f32 = 1.6;
const LEADING_TITLE: f32 = 1.4;

// Tables: 9 pt for wide grids, 10.5 pt for narrow ones; cell padding in points.
const SIZE_TABLE_WIDE: f32 = 9.0;
const SIZE_TABLE: f32 = 10.5;
const LEADING_TABLE: f32 = 1.3;
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 3.0;
pub(crate) const RULE: f32 = 0.5;
const HEAD_GRAY: u8 = 0xD9;
pub(crate) const LABEL_GRAY: u8 = 0xF2;

/// Where the baseline sits in a one-em box (CJK fonts put the ideographic em box 0.88 above
/// and 0.12 below the baseline).
pub(crate) const BASELINE: f32 = 0.88;

/// Weight from which a face counts as bold (OS/2 `usWeightClass`).
const BOLD: f32 = 600.0;

/// Candidate font files in the order [`find_cjk_fonts`] prefers them: directory, file names
/// to take first, and whether the directory's other `.ttc`/`.ttf`/`.otf` files follow.
const FONT_DIRS: &[(&str, &[&str], bool)] = &[
    // fonts-noto-cjk: serif (宋体-like) for the body, sans (黑体-like) for headings.
    (
        "/usr/share/fonts/opentype/noto",
        &[
            "NotoSerifCJK-Regular.ttc",
            "NotoSansCJK-Regular.ttc",
            "NotoSansCJK-Bold.ttc",
        ],
        false,
    ),
    // fonts-wqy-zenhei, fonts-wqy-microhei.
    (
        "/usr/share/fonts/truetype/wqy",
        &["wqy-zenhei.ttc", "wqy-microhei.ttc"],
        true,
    ),
    // fonts-arphic-uming, fonts-arphic-ukai.
    (
        "/usr/share/fonts/truetype/arphic",
        &["uming.ttc", "ukai.ttc"],
        true,
    ),
    // fonts-droid-fallback.
    (
        "/usr/share/fonts/truetype/droid",
        &["DroidSansFallbackFull.ttf", "DroidSansFallback.ttf"],
        false,
    ),
];

/// Chinese font files installed in the usual Debian locations, best first, for
/// [`report_pdf`]: Noto Serif CJK and Noto Sans CJK Regular and Bold
/// (`/usr/share/fonts/opentype/noto/`, package `fonts-noto-cjk`), then WenQuanYi
/// (`/usr/share/fonts/truetype/wqy/*.ttc`), AR PL UMing/UKai
/// (`/usr/share/fonts/truetype/arphic/`) and Droid Sans Fallback
/// (`/usr/share/fonts/truetype/droid/`).
///
/// This is the one function of the crate that touches the file system, and it only reads
/// those directories' listings: it neither opens nor checks the files. Missing or unreadable
/// directories are skipped, so the result may be empty. The caller reads the files and hands
/// their bytes to [`report_pdf`]; the first three alone (about 66 MB) cover the report.
pub fn find_cjk_fonts() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (dir, preferred, others) in FONT_DIRS {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        for p in preferred.iter() {
            if names.iter().any(|n| n == p) {
                out.push(Path::new(dir).join(p));
            }
        }
        if *others {
            for n in &names {
                let lower = n.to_ascii_lowercase();
                let font_file = [".ttc", ".ttf", ".otf"].iter().any(|e| lower.ends_with(e));
                if font_file && !preferred.contains(&n.as_str()) {
                    out.push(Path::new(dir).join(n));
                }
            }
        }
    }
    out
}

pub(crate) fn pdf_err(message: impl Into<String>) -> DocumentError {
    DocumentError::PdfWrite(message.into())
}

// ---------------------------------------------------------------------------------------
// Fonts.

/// One usable face of a font file given by the caller.
struct Face<'a> {
    /// Index of the file in the caller's list.
    file: usize,
    /// Index of the face in the file (TrueType/OpenType collections).
    index: u32,
    charmap: Charmap<'a>,
    metrics: GlyphMetrics<'a>,
    cjk: bool,
    sans: bool,
    weight: f32,
}

/// A glyph chosen for a character: face, glyph id, advance in em.
#[derive(Debug, Clone, Copy)]
struct Glyph {
    face: usize,
    id: u32,
    advance: f32,
}

/// The faces of the caller's fonts and which serve the body and the strong text.
pub(crate) struct Fonts<'a> {
    faces: Vec<Face<'a>>,
    body: usize,
    strong: usize,
    /// The strong face is not bold itself: strong text gets a thin outline.
    pub(crate) fake_bold: bool,
    cache: HashMap<(char, bool), Glyph>,
}

/// The face of a font file to use: in a collection the Simplified Chinese one (`… SC`),
/// avoiding monospaced variants, else the first.
fn pick_face(data: &[u8]) -> Option<(u32, FontRef<'_>)> {
    let file = FileRef::new(data).ok()?;
    let mut best: Option<(i32, u32, FontRef<'_>)> = None;
    for (i, font) in file.fonts().enumerate() {
        let Ok(font) = font else { continue };
        let family = family_name(&font);
        let mut score = 0;
        if family.split_whitespace().any(|w| w == "SC") {
            score += 4;
        }
        if family.contains("Mono") {
            score -= 1;
        }
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, u32::try_from(i).ok()?, font));
        }
    }
    best.map(|(_, i, f)| (i, f))
}

fn family_name(font: &FontRef<'_>) -> String {
    [StringId::TYPOGRAPHIC_FAMILY_NAME, StringId::FAMILY_NAME]
        .into_iter()
        .find_map(|id| {
            font.localized_strings(id)
                .english_or_first()
                .map(|s| s.chars().collect::<String>())
        })
        .unwrap_or_default()
}

impl<'a> Fonts<'a> {
    /// The usable faces among `files`; files that do not parse are skipped.
    pub(crate) fn new(files: &'a [Vec<u8>]) -> Result<Fonts<'a>, DocumentError> {
        let mut faces = Vec::new();
        for (file, data) in files.iter().enumerate() {
            let Some((index, font)) = pick_face(data) else {
                continue;
            };
            let family = family_name(&font);
            let charmap = font.charmap();
            let cjk = charmap.map('中').is_some() && charmap.map('国').is_some();
            let sans = ["Sans", "Hei", "Gothic", "黑"]
                .iter()
                .any(|w| family.contains(w));
            faces.push(Face {
                file,
                index,
                metrics: font.glyph_metrics(Size::new(1.0), LocationRef::default()),
                charmap,
                cjk,
                sans,
                weight: font.attributes().weight.value(),
            });
        }
        let first = |pred: &dyn Fn(&Face) -> bool| faces.iter().position(pred);
        let body = first(&|f| f.cjk && f.weight < BOLD)
            .or_else(|| first(&|f| f.cjk))
            .ok_or_else(|| {
                pdf_err(format!(
                    "所给的{}个字体文件中没有可用的中文字体（需要含简体中文字形的 TTF/OTF/TTC 文件）",
                    files.len()
                ))
            })?;
        let strong = first(&|f| f.cjk && f.sans && f.weight >= BOLD)
            .or_else(|| first(&|f| f.cjk && f.sans))
            .or_else(|| first(&|f| f.cjk && f.weight >= BOLD))
            .unwrap_or(body);
        let fake_bold = faces[strong].weight < BOLD;
        Ok(Fonts {
            faces,
            body,
            strong,
            fake_bold,
            cache: HashMap::new(),
        })
    }

    fn lookup(&self, c: char, strong: bool) -> Option<Glyph> {
        let preferred = if strong { self.strong } else { self.body };
        std::iter::once(preferred)
            .chain(0..self.faces.len())
            .find_map(|i| {
                let face = &self.faces[i];
                let id = face.charmap.map(c)?;
                Some(Glyph {
                    face: i,
                    id: id.to_u32(),
                    advance: face.metrics.advance_width(id).unwrap_or(1.0),
                })
            })
    }

    /// The glyph for `c`: from the preferred face (strong or body) if it has one, else from
    /// the first face that has; a character no face has is drawn as `□` (or `?`), keeping
    /// its own text for extraction.
    fn glyph(&mut self, c: char, strong: bool) -> Glyph {
        if let Some(g) = self.cache.get(&(c, strong)) {
            return *g;
        }
        let g = self
            .lookup(c, strong)
            .or_else(|| self.lookup('□', strong))
            .or_else(|| self.lookup('?', strong))
            .unwrap_or(Glyph {
                face: self.body,
                id: 0,
                advance: if is_wide(c) { 1.0 } else { 0.5 },
            });
        self.cache.insert((c, strong), g);
        g
    }

    pub(crate) fn advance(&mut self, c: char, strong: bool) -> f32 {
        self.glyph(c, strong).advance
    }

    pub(crate) fn width(&mut self, text: &str, strong: bool, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, strong)).sum::<f32>() * size
    }
}

// ---------------------------------------------------------------------------------------
// Layout: pages of drawing operations.

/// One line of text; `baseline` from the top of the page.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub x: f32,
    pub baseline: f32,
    pub size: f32,
    pub strong: bool,
    pub text: String,
    /// Extra space after each character, in points (justified lines).
    pub spread: f32,
}

#[derive(Debug, Clone)]
enum Op {
    Text(Line),
    /// A filled rectangle (cell shading).
    Shade {
        rect: [f32; 4],
        gray: u8,
    },
    /// The outline of a rectangle (cell borders).
    Frame {
        rect: [f32; 4],
    },
}

/// The drawing of a table on one page, in painting order.
#[derive(Default)]
struct GridOps {
    shades: Vec<Op>,
    texts: Vec<Op>,
    frames: Vec<Op>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Align {
    Center,
    Right,
    /// Flush left on a first line indented by two characters.
    Indented,
}

struct Style {
    size: f32,
    strong: bool,
    align: Align,
    leading: f32,
    before: f32,
    after: f32,
}

const TITLE: Style = Style {
    size: SIZE_TITLE,
    strong: true,
    align: Align::Center,
    leading: LEADING_TITLE,
    before: 0.0,
    after: 18.0,
};
const HEADING: Style = Style {
    size: SIZE_HEADING,
    strong: true,
    align: Align::Indented,
    leading: LEADING_BODY,
    before: 10.0,
    after: 4.0,
};
const BODY: Style = Style {
    size: SIZE_BODY,
    strong: false,
    align: Align::Indented,
    leading: LEADING_BODY,
    before: 0.0,
    after: 2.0,
};
const SIGNATURE: Style = Style {
    align: Align::Right,
    ..BODY
};

struct Flow<'f, 'a> {
    fonts: &'f mut Fonts<'a>,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Flow<'_, '_> {
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    fn at_top(&self) -> bool {
        self.y <= TOP + 0.01
    }

    /// Start a new page unless `h` fits on this one (or this one is still empty).
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && !self.at_top() {
            self.new_page();
        }
    }

    fn push(&mut self, op: Op) {
        if self.pages.is_empty() {
            self.new_page();
        }
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// A block of text, wrapped to the text width, one paragraph per line of `text`; `keep`
    /// more points must fit after its first line on the same page (keep a heading with what
    /// follows). Indented paragraphs are justified: the room left on a line that is not a
    /// paragraph's last is spread between its characters (if that adds at most 0.3 em each).
    fn block(&mut self, text: &str, s: &Style, keep: f32) {
        if text.trim().is_empty() {
            return;
        }
        let indent = if s.align == Align::Indented {
            2.0 * s.size
        } else {
            0.0
        };
        let line_h = s.size * s.leading;
        if !self.at_top() {
            self.y += s.before;
        }
        let mut first = true;
        for paragraph in hard_lines(text) {
            let fonts = &mut *self.fonts;
            let lines = wrap(&paragraph, TEXT_W - indent, TEXT_W, |c| {
                fonts.advance(c, s.strong) * s.size
            });
            let last = lines.len().saturating_sub(1);
            for (i, line) in lines.into_iter().enumerate() {
                self.ensure(line_h + if first { keep } else { 0.0 });
                first = false;
                let w = self.fonts.width(&line, s.strong, s.size);
                let (x, room) = match s.align {
                    Align::Indented if i == 0 => (LEFT + indent, TEXT_W - indent),
                    Align::Indented => (LEFT, TEXT_W),
                    Align::Center => (LEFT + (TEXT_W - w) / 2.0, w),
                    Align::Right => (LEFT + TEXT_W - w, w),
                };
                let gaps = line.chars().count().saturating_sub(1) as f32;
                let spread = if s.align == Align::Indented && i < last && gaps > 0.0 {
                    let each = (room - w) / gaps;
                    if (0.0..=0.3 * s.size).contains(&each) {
                        each
                    } else {
                        0.0
                    }
                } else {
                    0.0
                };
                self.push(Op::Text(Line {
                    x,
                    baseline: self.y + (line_h - s.size) / 2.0 + BASELINE * s.size,
                    size: s.size,
                    strong: s.strong,
                    text: line,
                    spread,
                }));
                self.y += line_h;
            }
        }
        self.y += s.after;
    }
}

/// A grid measured for the page: column widths, each cell's lines, row heights.
struct GridLayout<'g> {
    t: Table<'g>,
    size: f32,
    line_h: f32,
    /// Left edge of each column, and the right edge of the last.
    xs: Vec<f32>,
    lines: Vec<Vec<String>>,
    heights: Vec<f32>,
}

impl<'g> GridLayout<'g> {
    fn new(t: Table<'g>, fonts: &mut Fonts) -> GridLayout<'g> {
        let size = if t.cols >= WIDE_GRID {
            SIZE_TABLE_WIDE
        } else {
            SIZE_TABLE
        };
        let line_h = size * LEADING_TABLE;
        let widths = t.column_widths(TEXT_W, PAD_X, size, |c| {
            extent(c.text, |ch| fonts.advance(ch, c.strong()) * size)
        });
        let mut xs = Vec::with_capacity(widths.len() + 1);
        let mut x = LEFT;
        xs.push(x);
        for w in &widths {
            x += w;
            xs.push(x);
        }
        let lines: Vec<Vec<String>> = t
            .cells
            .iter()
            .map(|c| {
                let room = (xs[c.col_end()] - xs[c.col] - 2.0 * PAD_X).max(size);
                wrap(c.text, room, room, |ch| {
                    fonts.advance(ch, c.strong()) * size
                })
            })
            .collect();
        let heights = t.row_heights(&widths, line_h + 2.0 * PAD_Y, |i, _| {
            lines[i].len() as f32 * line_h + 2.0 * PAD_Y
        });
        GridLayout {
            t,
            size,
            line_h,
            xs,
            lines,
            heights,
        }
    }

    fn rows_height(&self, rows: std::ops::Range<usize>) -> f32 {
        self.heights[rows].iter().sum()
    }

    /// One past the last row of the rows that must stay together from `row` on.
    fn band_end(&self, row: usize) -> usize {
        (row + 1..=self.t.rows)
            .find(|r| self.t.can_break_before(*r))
            .unwrap_or(self.t.rows)
    }

    /// Height of the column heads and the first band below them: kept on one page.
    fn start_height(&self) -> f32 {
        let h = self.t.header_rows;
        let end = if h < self.t.rows { self.band_end(h) } else { h };
        self.rows_height(0..end).min(BOTTOM - TOP)
    }
}

/// Part of a row placed on a page.
#[derive(Debug, Clone, Copy)]
struct Piece {
    page: usize,
    row: usize,
    y: f32,
    h: f32,
    /// The row's top edge is in this piece.
    top: bool,
    /// The row's bottom edge is in this piece.
    bottom: bool,
}

impl Flow<'_, '_> {
    /// Place the grid: row by row, a page break before a row that does not fit, but rows
    /// joined by a row span move to the next page together when they fit on one; a row
    /// taller than a page is split. The column heads are repeated on each new page (unless
    /// they take more than a third of it).
    fn grid(&mut self, g: &GridLayout) {
        let t = &g.t;
        let hdr = t.header_rows;
        let header_h = g.rows_height(0..hdr);
        let repeat = t.repeatable_heads() && header_h < (BOTTOM - TOP) / 3.0;
        let fresh = BOTTOM - TOP - if repeat { header_h } else { 0.0 };
        self.ensure(g.start_height());
        if self.pages.is_empty() {
            self.new_page();
        }
        let mut pieces: Vec<Piece> = Vec::new();
        let mut copies: Vec<(usize, f32)> = Vec::new();
        let mut page_start = self.y;
        let mut r = 0;
        while r < t.rows {
            let mut page_break = |flow: &mut Self, page_start: &mut f32| {
                flow.new_page();
                if repeat && r >= hdr {
                    copies.push((flow.pages.len() - 1, flow.y));
                    flow.y += header_h;
                }
                *page_start = flow.y;
            };
            if r > hdr && t.can_break_before(r) {
                let band = g.rows_height(r..g.band_end(r));
                if self.y + band > BOTTOM && band <= fresh && self.y > page_start + 0.01 {
                    page_break(self, &mut page_start);
                }
            }
            let mut rem = g.heights[r];
            let mut top = true;
            loop {
                let room = BOTTOM - self.y;
                if rem <= room + 0.01 {
                    pieces.push(Piece {
                        page: self.pages.len() - 1,
                        row: r,
                        y: self.y,
                        h: rem,
                        top,
                        bottom: true,
                    });
                    self.y += rem;
                    break;
                }
                let fits_fresh = top && rem <= fresh;
                let too_little = room < g.line_h + 2.0 * PAD_Y;
                if (fits_fresh || too_little) && self.y > page_start + 0.01 {
                    page_break(self, &mut page_start);
                    continue;
                }
                pieces.push(Piece {
                    page: self.pages.len() - 1,
                    row: r,
                    y: self.y,
                    h: room,
                    top,
                    bottom: false,
                });
                rem -= room;
                top = false;
                page_break(self, &mut page_start);
            }
            r += 1;
        }
        self.draw_grid(g, &pieces, &copies);
    }

    fn draw_grid(&mut self, g: &GridLayout, pieces: &[Piece], copies: &[(usize, f32)]) {
        let t = &g.t;
        let mut next_line = vec![0usize; t.cells.len()];
        let first_page = pieces.first().map_or(0, |p| p.page);
        let last_page = pieces.last().map_or(0, |p| p.page);
        for page in first_page..=last_page {
            let mut out = GridOps::default();
            // Repeated column heads.
            for (_, y0) in copies.iter().filter(|(p, _)| *p == page) {
                let mut row_y = *y0;
                let mut ys = Vec::with_capacity(t.header_rows);
                for r in 0..t.header_rows {
                    ys.push(row_y);
                    row_y += g.heights[r];
                }
                for (i, c) in t
                    .cells
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.row < t.header_rows)
                {
                    let top = ys[c.row];
                    let bottom = top + g.rows_height(c.row..c.row_end());
                    self.cell_ops(g, i, (top, bottom), (0, g.lines[i].len()), true, &mut out);
                }
                for (r, y) in ys.iter().enumerate() {
                    for k in (0..t.cols).filter(|k| t.slot(r, *k).is_none()) {
                        out.frames.push(Op::Frame {
                            rect: [g.xs[k], *y, g.xs[k + 1], y + g.heights[r]],
                        });
                    }
                }
            }
            // The rows placed on this page.
            let on_page: HashMap<usize, &Piece> = pieces
                .iter()
                .filter(|p| p.page == page)
                .map(|p| (p.row, p))
                .collect();
            for (i, c) in t.cells.iter().enumerate() {
                let mine: Vec<&&Piece> = (c.row..c.row_end())
                    .filter_map(|r| on_page.get(&r))
                    .collect();
                let (Some(first), Some(last)) = (mine.first(), mine.last()) else {
                    continue;
                };
                let starts = first.row == c.row && first.top;
                let ends = last.row == c.row_end() - 1 && last.bottom;
                let (top, bottom) = (first.y, last.y + last.h);
                let total = g.lines[i].len();
                let from = next_line[i];
                let count = if ends {
                    total - from
                } else {
                    let room = bottom - top - if starts { PAD_Y } else { 0.0 };
                    ((room / g.line_h).floor().max(0.0) as usize).min(total - from)
                };
                next_line[i] = from + count;
                let whole = starts && ends;
                self.cell_ops(g, i, (top, bottom), (from, from + count), whole, &mut out);
            }
            for (r, p) in &on_page {
                for k in (0..t.cols).filter(|k| t.slot(*r, *k).is_none()) {
                    out.frames.push(Op::Frame {
                        rect: [g.xs[k], p.y, g.xs[k + 1], p.y + p.h],
                    });
                }
            }
            // Shading under the text, frames over it.
            if let Some(page_ops) = self.pages.get_mut(page) {
                page_ops.extend(out.shades);
                page_ops.extend(out.texts);
                page_ops.extend(out.frames);
            }
        }
    }

    /// Shading, frame and the lines `lines.0..lines.1` of cell `i` drawn between
    /// `span.0` (top) and `span.1` (bottom); `whole` when the cell is entirely on this page
    /// (its text is then centred vertically, else it starts at the top).
    fn cell_ops(
        &mut self,
        g: &GridLayout,
        i: usize,
        (top, bottom): (f32, f32),
        lines: (usize, usize),
        whole: bool,
        out: &mut GridOps,
    ) {
        let c = &g.t.cells[i];
        let (left, right) = (g.xs[c.col], g.xs[c.col_end()]);
        let rect = [left, top, right, bottom];
        if c.strong() {
            out.shades.push(Op::Shade {
                rect,
                gray: if c.head { HEAD_GRAY } else { LABEL_GRAY },
            });
        }
        out.frames.push(Op::Frame { rect });
        let shown = g.lines[i].get(lines.0..lines.1).unwrap_or(&[]);
        let block = shown.len() as f32 * g.line_h;
        let mut y = if whole {
            top + ((bottom - top - block) / 2.0).max(PAD_Y)
        } else {
            top + PAD_Y
        };
        let strong = c.strong();
        for line in shown {
            let w = self.fonts.width(line, strong, g.size);
            let x = if c.head || c.number {
                left + ((right - left - w) / 2.0).max(PAD_X)
            } else {
                left + PAD_X
            };
            out.texts.push(Op::Text(Line {
                x,
                baseline: y + (g.line_h - g.size) / 2.0 + BASELINE * g.size,
                size: g.size,
                strong,
                text: line.clone(),
                spread: 0.0,
            }));
            y += g.line_h;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Painting.

pub(crate) fn rect_path(r: [f32; 4]) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    pb.push_rect(Rect::from_ltrb(r[0], r[1], r[2], r[3])?);
    pb.finish()
}

pub(crate) struct Painter<'f, 'a> {
    fonts: &'f mut Fonts<'a>,
    files: &'a [Vec<u8>],
    krilla_fonts: Vec<Option<Font>>,
}

impl<'f, 'a> Painter<'f, 'a> {
    /// A painter drawing with `fonts`, whose faces come from the font files `files`.
    pub(crate) fn new(fonts: &'f mut Fonts<'a>, files: &'a [Vec<u8>]) -> Painter<'f, 'a> {
        let slots = fonts.faces.len();
        Painter {
            fonts,
            files,
            krilla_fonts: vec![None; slots],
        }
    }

    fn font(&mut self, face: usize) -> Result<Font, DocumentError> {
        if let Some(Some(f)) = self.krilla_fonts.get(face) {
            return Ok(f.clone());
        }
        let fc = self
            .fonts
            .faces
            .get(face)
            .ok_or_else(|| pdf_err("字体索引无效"))?;
        let data = self
            .files
            .get(fc.file)
            .ok_or_else(|| pdf_err("字体索引无效"))?;
        let font = Font::new(data.clone().into(), fc.index)
            .ok_or_else(|| pdf_err(format!("第{}个字体文件无法嵌入", fc.file + 1)))?;
        if let Some(slot) = self.krilla_fonts.get_mut(face) {
            *slot = Some(font.clone());
        }
        Ok(font)
    }

    /// One line of text, split into runs of the same face.
    pub(crate) fn text(&mut self, s: &mut Surface, line: &Line) -> Result<(), DocumentError> {
        let Line {
            x,
            baseline,
            size,
            strong,
            ref text,
            spread,
        } = *line;
        let extra = spread / size;
        let mut runs: Vec<(usize, String, Vec<KrillaGlyph>)> = Vec::new();
        for c in text.chars() {
            let g = self.fonts.glyph(c, strong);
            if runs.last().is_none_or(|(face, _, _)| *face != g.face) {
                runs.push((g.face, String::new(), Vec::new()));
            }
            if let Some((_, run_text, glyphs)) = runs.last_mut() {
                let start = run_text.len();
                run_text.push(c);
                glyphs.push(KrillaGlyph {
                    glyph_id: GlyphId::new(g.id),
                    text_range: start..run_text.len(),
                    x_advance: g.advance + extra,
                    x_offset: 0.0,
                    y_offset: 0.0,
                    y_advance: 0.0,
                    location: None,
                });
            }
        }
        let fake_bold = strong && self.fonts.fake_bold;
        if fake_bold {
            s.set_stroke(Some(Stroke {
                width: size * 0.03,
                ..Stroke::default()
            }));
        }
        let mut pen = x;
        for (face, run_text, glyphs) in &runs {
            let font = self.font(*face)?;
            s.draw_glyphs(
                Point::from_xy(pen, baseline),
                glyphs,
                font,
                run_text,
                size,
                false,
            );
            pen += glyphs.iter().map(|g| g.x_advance).sum::<f32>() * size;
        }
        if fake_bold {
            s.set_stroke(None);
        }
        Ok(())
    }

    fn page(&mut self, s: &mut Surface, ops: &[Op]) -> Result<(), DocumentError> {
        for op in ops {
            match op {
                Op::Text(line) => {
                    s.set_fill(Some(Fill::default()));
                    self.text(s, line)?;
                }
                Op::Shade { rect, gray } => {
                    if let Some(path) = rect_path(*rect) {
                        s.set_stroke(None);
                        s.set_fill(Some(Fill {
                            paint: luma::Color::new(*gray).into(),
                            ..Fill::default()
                        }));
                        s.draw_path(&path);
                    }
                }
                Op::Frame { rect } => {
                    if let Some(path) = rect_path(*rect) {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke {
                            width: RULE,
                            ..Stroke::default()
                        }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Render the annual report on government information disclosure as a PDF file.
///
/// `fonts` are the bytes of font files (TrueType, OpenType/CFF, or collections such as
/// Noto CJK's `.ttc`; see [`find_cjk_fonts`]). Of a collection the Simplified Chinese face
/// (`… SC`) is used. The body is set in the first face with Chinese glyphs that is not bold
/// (Noto Serif CJK, 宋体-like, when given first), the title, headings and table heads in the
/// first sans face with Chinese glyphs, preferably bold (Noto Sans CJK Bold, 黑体-like; a
/// regular face gets a thin outline as bold). A character missing from the preferred face
/// comes from the first other face that has it; one that no face has is drawn as `□` but
/// still extracts as itself. Only the glyphs used are embedded (subsets), with ToUnicode
/// maps, so `pdftotext` and search give back the text. Files that do not parse are skipped.
///
/// Layout (A4 portrait, 2.5 cm margins): title centred (18 pt), preface and paragraphs
/// (12 pt, line height 1.6, first line indented two characters), section headings (14 pt,
/// kept with the next lines or the start of their table), tables, then issuer and date flush
/// right, and the page number (`— N —`) centred at the foot of every page. Lines are broken
/// here, measured with the fonts' glyph advances: between Chinese characters, at spaces,
/// never inside a Latin word or number unless it is wider than the line, never before
/// closing or after opening punctuation; text never runs past the margins.
///
/// Tables are drawn as ruled grids (0.5 pt) in 9 pt (grids of eight or more columns) or
/// 10.5 pt, merged cells spanning their rows and columns, column heads bold on grey and
/// centred, row labels bold on light grey, figures centred. Column widths fill the text width,
/// shared in proportion to the length of each column's texts (label columns get the room);
/// cell texts wrap within their cells. A page break falls between rows, never inside rows
/// joined by a merged cell unless they are taller than a page; a row taller than a page is
/// split; the column heads are repeated at the top of a continued table.
///
/// # Errors
///
/// [`DocumentError::InvalidGrid`] if a grid has overlapping cells, [`DocumentError::PdfWrite`]
/// if no font with Chinese glyphs is among `fonts` or the PDF cannot be written.
pub fn report_pdf(doc: &ReportDoc, fonts: &[Vec<u8>]) -> Result<Vec<u8>, DocumentError> {
    let tables = doc
        .sections
        .iter()
        .map(|s| s.grid.as_ref().map(Table::new).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let mut faces = Fonts::new(fonts)?;
    let grids: Vec<Option<GridLayout>> = tables
        .into_iter()
        .map(|t| {
            t.filter(|t| !t.is_empty())
                .map(|t| GridLayout::new(t, &mut faces))
        })
        .collect();

    let mut flow = Flow {
        fonts: &mut faces,
        pages: Vec::new(),
        y: TOP,
    };
    flow.new_page();
    flow.block(&doc.title, &TITLE, 0.0);
    flow.block(&doc.preface, &BODY, 0.0);
    let body_line = SIZE_BODY * LEADING_BODY;
    for (s, grid) in doc.sections.iter().zip(&grids) {
        let keep = match (s.paragraphs.first(), grid) {
            (Some(_), _) => 2.0 * body_line,
            (None, Some(g)) => g.start_height(),
            (None, None) => 0.0,
        };
        flow.block(&s.heading, &HEADING, keep);
        for p in &s.paragraphs {
            flow.block(p, &BODY, 0.0);
        }
        if let Some(g) = grid {
            if !flow.at_top() {
                flow.y += 6.0;
            }
            flow.grid(g);
            flow.y += 6.0;
        }
    }
    flow.y += 24.0;
    flow.block(&doc.issuer, &SIGNATURE, body_line);
    flow.block(&doc.date, &SIGNATURE, 0.0);

    // Page numbers.
    let count = flow.pages.len();
    for n in 0..count {
        let folio = format!("— {} —", n + 1);
        let w = flow.fonts.width(&folio, false, SIZE_FOLIO);
        if let Some(page) = flow.pages.get_mut(n) {
            page.push(Op::Text(Line {
                x: (PAGE_W - w) / 2.0,
                baseline: BOTTOM + MARGIN / 2.0,
                size: SIZE_FOLIO,
                strong: false,
                text: folio,
                spread: 0.0,
            }));
        }
    }
    let pages = std::mem::take(&mut flow.pages);

    let mut painter = Painter::new(&mut faces, fonts);
    write_pages(&doc.title, &pages, |surface, ops| {
        painter.page(surface, ops)
    })
}

/// Write a PDF of A4 pages, painting each with `paint`, with the document's title and language
/// in its metadata. krilla is not ours: a panic on a strange font must not take the caller down.
pub(crate) fn write_pages<T>(
    title: &str,
    pages: &[T],
    mut paint: impl FnMut(&mut Surface<'_>, &T) -> Result<(), DocumentError>,
) -> Result<Vec<u8>, DocumentError> {
    catch_unwind(AssertUnwindSafe(|| {
        let mut pdf = Document::new();
        pdf.set_metadata(
            Metadata::new()
                .title(title.to_string())
                .language("zh-CN".into())
                .creator("OneWindow".into()),
        );
        for p in pages {
            let settings =
                PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| pdf_err("页面尺寸无效"))?;
            let mut page = pdf.start_page_with(settings);
            let mut surface = page.surface();
            paint(&mut surface, p)?;
            surface.finish();
            page.finish();
        }
        pdf.finish().map_err(|e| pdf_err(format!("{e:?}")))
    }))
    .unwrap_or_else(|_| Err(pdf_err("PDF 生成器内部错误")))
}
