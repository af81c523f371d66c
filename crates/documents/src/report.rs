//! The statutory annual report on government information disclosure (政府信息公开工作年度报告)
//! as DOCX, XLSX and PDF.
//!
//! The report arrives fully laid out as a
//! [`ReportDoc`](onewindow_domain::report::ReportDoc): title, preface, sections with their
//! paragraphs and tables ([`Grid`], with merged cells), issuer and date. The writers print it
//! as it is and add nothing to its content; they differ only in how the grids are set:
//!
//! * [`report_docx`] — Word tables with `gridSpan` (colspan) and `vMerge` (rowspan).
//! * [`report_xlsx`] — one worksheet per grid with merged ranges and numeric cells.
//! * [`report_pdf`] — a PDF laid out here (line breaking, page breaks, table grid), with the
//!   Chinese fonts given by the caller embedded as subsets; [`find_cjk_fonts`] lists the usual
//!   font files of a Debian system for that.
//!
//! Shared by the three: the grid is checked and indexed once ([`Table`]), so that a malformed
//! grid (overlapping cells) is refused the same way everywhere, and the header cells are told
//! apart: in a row of header cells only they head columns (centred, grey), in a row with
//! figures they label the row (flush left, light grey). The leading rows of heads are the
//! table's column heads, repeated on a new page in the PDF.

mod docx;
pub(crate) mod pdf;
mod xlsx;

pub use docx::report_docx;
pub use pdf::{find_cjk_fonts, report_pdf};
pub use xlsx::report_xlsx;

use onewindow_domain::report::{Grid, GridCell};

use crate::error::DocumentError;

/// Largest grid accepted (rows × columns), far above the official tables (28 × 10); a bound
/// so that a corrupted grid cannot make the writers allocate without limit.
const MAX_SLOTS: usize = 1_000_000;

/// One cell of a checked grid.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell<'g> {
    pub row: usize,
    pub col: usize,
    pub rowspan: usize,
    pub colspan: usize,
    pub text: &'g str,
    /// A column head: a header cell in the leading header rows.
    pub head: bool,
    /// A row label: a header cell below the header rows.
    pub label: bool,
    /// A figure.
    pub number: bool,
}

impl Cell<'_> {
    /// One past the last row.
    pub fn row_end(&self) -> usize {
        self.row + self.rowspan
    }

    /// One past the last column.
    pub fn col_end(&self) -> usize {
        self.col + self.colspan
    }

    /// Whether the cell is shaded and bold (column head or row label).
    pub fn strong(&self) -> bool {
        self.head || self.label
    }
}

/// A grid whose cells are known not to overlap, with every slot mapped to its cell.
#[derive(Debug)]
pub(crate) struct Table<'g> {
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<Cell<'g>>,
    /// Index into `cells` of the cell covering each slot, row by row; `None` for an omitted
    /// (empty) slot.
    slots: Vec<Option<usize>>,
    /// Rows made of header cells only (empty slots aside).
    head_row: Vec<bool>,
    /// Number of leading rows made of header cells only, no cell reaching below them.
    pub header_rows: usize,
}

impl<'g> Table<'g> {
    /// Check and index `grid`. A span of 0 counts as 1; the size is the larger of the
    /// declared size and the area the cells cover.
    ///
    /// # Errors
    ///
    /// [`DocumentError::InvalidGrid`] if two cells overlap or the grid is unreasonably large.
    pub fn new(grid: &'g Grid) -> Result<Table<'g>, DocumentError> {
        let invalid = |reason: String| DocumentError::InvalidGrid {
            grid: grid.name.clone(),
            reason,
        };
        let span = |c: &GridCell| (c.rowspan.max(1), c.colspan.max(1));
        let mut rows = grid.rows;
        let mut cols = grid.cols;
        for c in &grid.cells {
            let (rs, cs) = span(c);
            let (Some(r_end), Some(c_end)) = (c.row.checked_add(rs), c.col.checked_add(cs)) else {
                return Err(invalid("单元格位置超出范围".into()));
            };
            rows = rows.max(r_end);
            cols = cols.max(c_end);
        }
        if rows.checked_mul(cols).is_none_or(|n| n > MAX_SLOTS) {
            return Err(invalid(format!("表格过大（{rows}行×{cols}列）")));
        }
        let mut slots: Vec<Option<usize>> = vec![None; rows * cols];
        let mut cells = Vec::with_capacity(grid.cells.len());
        for c in &grid.cells {
            let (rowspan, colspan) = span(c);
            let index = cells.len();
            for r in c.row..c.row + rowspan {
                for k in c.col..c.col + colspan {
                    let slot = &mut slots[r * cols + k];
                    if slot.is_some() {
                        return Err(invalid(format!(
                            "第{}行第{}列被多个单元格占用",
                            r + 1,
                            k + 1
                        )));
                    }
                    *slot = Some(index);
                }
            }
            cells.push(Cell {
                row: c.row,
                col: c.col,
                rowspan,
                colspan,
                text: &c.text,
                head: c.header,
                label: false,
                number: c.number,
            });
        }
        let mut t = Table {
            rows,
            cols,
            cells,
            slots,
            head_row: Vec::new(),
            header_rows: 0,
        };
        t.head_row = (0..rows)
            .map(|r| (0..cols).all(|k| t.slot(r, k).is_none_or(|c| c.head)))
            .collect();
        t.header_rows = t.count_header_rows();
        // Header cells among figures are row labels; the others head columns.
        let head_row = &t.head_row;
        for c in &mut t.cells {
            if c.head && !head_row[c.row] {
                c.head = false;
                c.label = true;
            }
        }
        Ok(t)
    }

    fn count_header_rows(&self) -> usize {
        let mut header_rows = 0;
        let mut reach = 0;
        for r in 0..self.rows {
            if !self.head_row[r] {
                break;
            }
            for k in 0..self.cols {
                if let Some(c) = self.slot(r, k) {
                    reach = reach.max(c.row_end());
                }
            }
            if reach <= r + 1 {
                header_rows = r + 1;
            }
        }
        // A grid of nothing but header cells has no column heads to repeat.
        if header_rows == self.rows {
            0
        } else {
            header_rows
        }
    }

    /// The cell covering `(row, col)`, if any.
    pub fn slot(&self, row: usize, col: usize) -> Option<&Cell<'g>> {
        if row >= self.rows || col >= self.cols {
            return None;
        }
        self.slots[row * self.cols + col].map(|i| &self.cells[i])
    }

    /// Whether the grid has no slot at all.
    pub fn is_empty(&self) -> bool {
        self.rows == 0 || self.cols == 0
    }

    /// Whether the column heads may be repeated on a new page: the leading header rows are
    /// the only header rows (table 二 has a group head before each group instead).
    pub fn repeatable_heads(&self) -> bool {
        self.header_rows > 0 && !self.head_row[self.header_rows..].iter().any(|h| *h)
    }

    /// Column widths filling `avail`, from each column's single-column cells: `measure(cell)`
    /// gives (widest unbreakable piece, widest line) of its text, `pad` is added on both
    /// sides. A head or label of at most four characters (`em` wide each) is not broken.
    /// Columns holding long labels get the most room, but a column's claim counts for at
    /// most half the width.
    pub fn column_widths(
        &self,
        avail: f32,
        pad: f32,
        em: f32,
        mut measure: impl FnMut(&Cell<'g>) -> (f32, f32),
    ) -> Vec<f32> {
        let mut min = vec![0f32; self.cols];
        let mut natural = vec![0f32; self.cols];
        for c in self.cells.iter().filter(|c| c.colspan == 1) {
            let (mut m, n) = measure(c);
            if c.strong() && n <= 4.0 * em + 0.01 {
                m = n;
            }
            min[c.col] = min[c.col].max(m);
            natural[c.col] = natural[c.col].max(n);
        }
        let min: Vec<f32> = min.iter().map(|m| m + 2.0 * pad).collect();
        let natural: Vec<f32> = natural
            .iter()
            .zip(&min)
            .map(|(n, m)| (n + 2.0 * pad).min(avail / 2.0).max(*m))
            .collect();
        distribute(&min, &natural, avail)
    }

    /// Row heights such that every cell gets `needed(index, width)` over the rows it spans
    /// (`index` into `cells`, width = its columns' widths added up); at least `min_row` each.
    /// A spanning cell that needs more than its rows give enlarges its last row.
    pub fn row_heights(
        &self,
        widths: &[f32],
        min_row: f32,
        mut needed: impl FnMut(usize, f32) -> f32,
    ) -> Vec<f32> {
        let mut heights = vec![min_row; self.rows];
        let width =
            |c: &Cell| -> f32 { widths.get(c.col..c.col_end()).unwrap_or(&[]).iter().sum() };
        let mut by_span: Vec<(usize, &Cell)> = self.cells.iter().enumerate().collect();
        by_span.sort_by_key(|(_, c)| c.rowspan);
        for (i, c) in by_span {
            let need = needed(i, width(c));
            let have: f32 = heights[c.row..c.row_end()].iter().sum();
            if need > have {
                heights[c.row_end() - 1] += need - have;
            }
        }
        heights
    }

    /// Whether a page may break between row `row - 1` and row `row`: no cell spans across,
    /// and `row - 1` is not a row of heads (which stay with what they head).
    pub fn can_break_before(&self, row: usize) -> bool {
        row == 0
            || row >= self.rows
            || (!self.head_row[row - 1]
                && (0..self.cols).all(|k| self.slot(row, k).is_none_or(|c| c.row == row)))
    }
}

/// Widths for columns needing at least `min` and ideally `natural`, filling `avail`: natural
/// widths grown in proportion if they fit, else the room above the minimums shared in
/// proportion to what each column lacks, else the minimums shrunk in proportion.
pub(crate) fn distribute(min: &[f32], natural: &[f32], avail: f32) -> Vec<f32> {
    let n = min.len();
    if n == 0 {
        return Vec::new();
    }
    let sum_min: f32 = min.iter().sum();
    let sum_nat: f32 = natural.iter().sum();
    let even = vec![avail / n as f32; n];
    if sum_nat <= avail {
        if sum_nat <= 0.0 {
            return even;
        }
        return natural.iter().map(|w| w * avail / sum_nat).collect();
    }
    if sum_min <= avail {
        let lack: f32 = sum_nat - sum_min;
        if lack <= 0.0 {
            return even;
        }
        return min
            .iter()
            .zip(natural)
            .map(|(m, w)| m + (avail - sum_min) * (w - m) / lack)
            .collect();
    }
    if sum_min <= 0.0 {
        return even;
    }
    min.iter().map(|m| m * avail / sum_min).collect()
}

/// East Asian wide characters (CJK ideographs, kana, hangul, full-width forms and
/// punctuation), which set one em wide; the curly quotes, dashes and ellipsis of Chinese text
/// count as wide too.
pub(crate) fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2014 | 0x2018..=0x201F | 0x2026
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

/// Approximate advance in em: wide characters 1, others ½ (the estimate used where the
/// font is not known: DOCX column widths, XLSX row heights).
pub(crate) fn approx_em(c: char) -> f32 {
    if is_wide(c) { 1.0 } else { 0.5 }
}

/// No line may start with these (closing punctuation).
fn no_start(c: char) -> bool {
    "，。、；：？！）》」』〕】”’…—％,.;:!?)]}%·".contains(c)
}

/// No line may end with these (opening punctuation).
fn no_end(c: char) -> bool {
    "（《「『〔【“‘([{".contains(c)
}

/// Characters that stick together as a word (Latin letters, digits and their punctuation).
fn wordish(c: char) -> bool {
    !c.is_whitespace() && !is_wide(c)
}

/// The text with control characters removed (tabs become spaces, `\r` is dropped) and split
/// at its line breaks.
pub(crate) fn hard_lines(text: &str) -> Vec<String> {
    text.split('\n')
        .map(|l| {
            l.chars()
                .filter_map(|c| match c {
                    '\t' => Some(' '),
                    c if c.is_control() => None,
                    c => Some(c),
                })
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect()
}

/// Break `text` into lines no wider than `first` (the first line) and `rest` (the others),
/// measuring with `advance` (same unit as the widths). Line breaks in the text are kept (an
/// empty text gives one empty line). A line breaks between two wide characters, after a
/// space, or between a wide character and a word, never inside a word of Latin letters or
/// digits unless that word alone is wider than the line, never before closing and after
/// opening punctuation unless a single character would otherwise have to stand alone. A
/// line holds at least one character, so a character wider than the line still advances.
pub(crate) fn wrap(
    text: &str,
    first: f32,
    rest: f32,
    mut advance: impl FnMut(char) -> f32,
) -> Vec<String> {
    let mut out = Vec::new();
    for line in hard_lines(text) {
        let chars: Vec<char> = line.chars().collect();
        let widths: Vec<f32> = chars.iter().map(|c| advance(*c)).collect();
        let mut start = 0;
        let mut width = 0f32;
        let mut last_break: Option<usize> = None;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if i > start && breakable(&chars, i) {
                last_break = Some(i);
            }
            let limit = if out.is_empty() { first } else { rest };
            if width + widths[i] > limit && i > start && !c.is_whitespace() {
                let brk = match last_break {
                    Some(b) if b > start => b,
                    // No allowed break: keep closing punctuation with the character before.
                    _ if no_start(c) && i - 1 > start => i - 1,
                    _ => i,
                };
                out.push(
                    chars[start..brk]
                        .iter()
                        .collect::<String>()
                        .trim_end()
                        .to_owned(),
                );
                start = brk;
                while start < i && chars[start] == ' ' {
                    start += 1;
                }
                width = widths[start..i].iter().sum();
                last_break = None;
                // The current character is looked at again on the new line.
                continue;
            }
            width += widths[i];
            i += 1;
        }
        out.push(
            chars[start..]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_owned(),
        );
    }
    out
}

/// Whether a line may break before `chars[i]`.
fn breakable(chars: &[char], i: usize) -> bool {
    let (prev, c) = (chars[i - 1], chars[i]);
    if c.is_whitespace() {
        return false;
    }
    if prev.is_whitespace() {
        return true;
    }
    if wordish(prev) && wordish(c) {
        return false;
    }
    !no_start(c) && !no_end(prev)
}

/// The widest unbreakable piece and the widest line of `text` under `advance`.
pub(crate) fn extent(text: &str, mut advance: impl FnMut(char) -> f32) -> (f32, f32) {
    let mut piece = 0f32;
    let mut line = 0f32;
    for l in hard_lines(text) {
        let w: f32 = l.chars().map(&mut advance).sum();
        line = line.max(w);
        // Unbreakable pieces: runs of word characters, or single other characters.
        let mut run = 0f32;
        for c in l.chars() {
            let a = advance(c);
            if wordish(c) {
                run += a;
            } else {
                piece = piece.max(run).max(a);
                run = 0.0;
            }
        }
        piece = piece.max(run);
    }
    (piece, line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use onewindow_domain::report::{
        Format, Table2, grid_legacy, grid_table2, grid_table3, seed_2018_legacy_rows,
    };

    fn w(text: &str, width: f32) -> Vec<String> {
        wrap(text, width, width, approx_em)
    }

    #[test]
    fn cjk_breaks_anywhere_but_not_before_closing_punctuation() {
        assert_eq!(w("一二三四五六", 4.0), ["一二三四", "五六"]);
        // "，" may not start the second line: "四" moves down with it.
        assert_eq!(w("一二三四，五六", 4.0), ["一二三", "四，五六"]);
        // "《" may not end a line.
        assert_eq!(w("一二三《四》", 4.0), ["一二三", "《四》"]);
        assert_eq!(w("", 4.0), [""]);
        assert_eq!(w("甲\n\n乙", 4.0), ["甲", "", "乙"]);
    }

    #[test]
    fn latin_words_stay_whole_unless_too_long() {
        assert_eq!(w("申请编号QZ2026", 4.0), ["申请编号", "QZ2026"]);
        assert_eq!(w("hello world", 3.0), ["hello", "world"]);
        // A word wider than the line is cut, each line holding at least one character.
        assert_eq!(w("abcdefgh", 2.0), ["abcd", "efgh"]);
        assert_eq!(w("一二", 0.1), ["一", "二"]);
    }

    #[test]
    fn lines_never_exceed_the_width() {
        let text = "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请（依据：国办公开办函〔2021〕30号）abc def";
        for width in [1.0f32, 2.0, 3.5, 7.0, 12.0] {
            for line in w(text, width) {
                let lw: f32 = line.chars().map(approx_em).sum();
                assert!(
                    lw <= width || line.chars().count() == 1,
                    "{line} ({lw}) > {width}"
                );
            }
            assert_eq!(
                w(text, width).concat().replace(' ', ""),
                text.replace(' ', "")
            );
        }
    }

    #[test]
    fn table3_has_three_header_rows_and_labels() {
        let none = |_: &str| None;
        let g = grid_table3(&vec![[0; 7]; 25], Format::Y2021, &none);
        let t = Table::new(&g).unwrap();
        assert_eq!((t.rows, t.cols, t.header_rows), (28, 10, 3));
        assert!(t.slot(0, 3).unwrap().head);
        assert!(t.slot(3, 0).unwrap().label);
        assert!(t.slot(3, 5).unwrap().number);
        assert!(t.repeatable_heads());
        assert!(!t.can_break_before(3)); // the heads stay with the first row
        assert!(t.can_break_before(4));
        assert!(!t.can_break_before(6)); // inside 三、本年度办理结果
        assert!(t.can_break_before(27));
        let legacy = grid_legacy(&seed_2018_legacy_rows(), 2018);
        assert_eq!(Table::new(&legacy).unwrap().header_rows, 1);
        // Table 二: group heads further down are heads too, and the first is not repeated.
        let g2 = grid_table2(&Table2::default(), &none);
        let t2 = Table::new(&g2).unwrap();
        assert_eq!(t2.header_rows, 2);
        assert!(!t2.repeatable_heads());
        let group = t2
            .cells
            .iter()
            .find(|c| c.text == "第二十条第（五）项")
            .unwrap();
        assert!(group.head && !group.label);
        let label = t2.cells.iter().find(|c| c.text == "行政许可").unwrap();
        assert!(label.label && !label.head);
    }

    #[test]
    fn overlapping_cells_are_refused() {
        let none = |_: &str| None;
        let mut g = grid_table3(&vec![[0; 7]; 25], Format::Y2021, &none);
        let mut extra = g.cells[0].clone();
        extra.row = 2;
        extra.col = 2;
        g.cells.push(extra);
        assert!(matches!(
            Table::new(&g),
            Err(DocumentError::InvalidGrid { .. })
        ));
    }

    #[test]
    fn widths_fill_the_room() {
        for (min, nat, avail) in [
            (vec![1.0, 1.0], vec![2.0, 4.0], 12.0),
            (vec![1.0, 1.0], vec![2.0, 40.0], 12.0),
            (vec![10.0, 10.0], vec![20.0, 40.0], 12.0),
            (vec![0.0, 0.0], vec![0.0, 0.0], 12.0),
        ] {
            let w = distribute(&min, &nat, avail);
            assert!((w.iter().sum::<f32>() - avail).abs() < 1e-3, "{w:?}");
        }
        let w = distribute(&[1.0, 1.0], &[2.0, 40.0], 12.0);
        assert!(w[1] > w[0] && w[0] >= 1.0);
    }
}
