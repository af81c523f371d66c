//! Electronic licences (电子证照): the printable face of a licence as a PDF file, and the
//! verification QR code of its 核验 address as SVG (for the HTML licence page) or as a module
//! matrix (drawn into the PDF as filled rectangles, no raster image).
//!
//! The PDF reuses the machinery of the annual report ([`report_pdf`](crate::report_pdf)):
//! the caller's font files, the Simplified Chinese face of a collection, glyphs placed here
//! with ToUnicode maps (the text stays extractable), and the same line breaking.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Rect, Transform};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use qrcode::bits::Bits;
use qrcode::render::svg;
use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode, Version};
use serde::{Deserialize, Serialize};

use crate::error::DocumentError;
use crate::report::pdf::{
    BASELINE, Fonts, LABEL_GRAY, Line, PAGE_H, PAGE_W, Painter, RULE, pdf_err, rect_path,
    write_pages,
};
use crate::report::{hard_lines, wrap};

/// What a licence face shows. Plain data; the caller fills it (and masks what must be
/// masked) — [`license_pdf`] prints it as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LicenseDoc {
    /// 证照名称, e.g. `营业执照`; printed large and centred.
    pub title: String,
    /// 证照标识, e.g. `1.2.156.3005.2.…`; printed in small print.
    pub identifier: String,
    /// 证照编号, the printed number; in small print.
    pub number: String,
    /// 持证主体: the holder's name.
    pub holder: String,
    /// Label of the holder's code, e.g. `统一社会信用代码` or `公民身份号码`.
    pub holder_code_label: String,
    /// The holder's code (already masked by the caller where needed).
    pub holder_code: String,
    /// The face fields (照面信息) as (label, value), in order; long values wrap.
    pub fields: Vec<(String, String)>,
    /// 颁发机构.
    pub issuer: String,
    /// 颁发日期, e.g. `2026年11月26日`.
    pub issued_on: String,
    /// Start of validity (有效期起始).
    pub valid_from: String,
    /// End of validity (有效期截止); `长期` allowed.
    pub valid_to: String,
    /// A status to stamp on the face, e.g. `已撤销`: printed as a red banner under the title
    /// and as a large red diagonal watermark across the page. `None` (or a blank note) for a
    /// valid licence.
    pub status_note: Option<String>,
    /// The verification address, encoded in the QR code.
    pub verify_url: String,
    /// The signature line printed small at the foot, e.g.
    /// `电子签名：SM2-SM3 · 密钥 sm2-0123abcd… · 签名值摘要 …`.
    pub signature_line: String,
}

// ---------------------------------------------------------------------------------------
// QR code.

/// Modules of white around the symbol (ISO/IEC 18004 quiet zone).
const QUIET_ZONE: usize = 4;

/// The SVG is about this many pixels wide, in whole pixels per module.
const SVG_TARGET_PX: usize = 180;
/// Smallest module in the SVG, in pixels.
const SVG_MIN_MODULE_PX: usize = 2;

fn qr_err(message: impl Into<String>) -> DocumentError {
    DocumentError::QrCode(message.into())
}

/// The QR code of `payload` at error-correction level M, in the smallest version that holds
/// it. ASCII payloads are segmented optimally (numeric, alphanumeric, byte); any other text
/// is encoded as UTF-8 in byte mode only, because the encoder's automatic segmentation
/// would take UTF-8 Chinese for Shift JIS kanji and scanners would show garbage.
fn encode(payload: &str) -> Result<QrCode, DocumentError> {
    if payload.is_empty() {
        return Err(qr_err("内容为空"));
    }
    let too_long = || {
        qr_err(format!(
            "内容过长（{} 字节），超出二维码（纠错等级 M）的容量",
            payload.len()
        ))
    };
    let other = |e: QrError| qr_err(format!("编码失败（{e}）"));
    if payload.is_ascii() {
        return QrCode::with_error_correction_level(payload, EcLevel::M).map_err(|e| match e {
            QrError::DataTooLong => too_long(),
            e => other(e),
        });
    }
    for v in 1..=40 {
        let mut bits = Bits::new(Version::Normal(v));
        match bits
            .push_byte_data(payload.as_bytes())
            .and_then(|()| bits.push_terminator(EcLevel::M))
        {
            Ok(()) => return QrCode::with_bits(bits, EcLevel::M).map_err(other),
            Err(QrError::DataTooLong) => {}
            Err(e) => return Err(other(e)),
        }
    }
    Err(too_long())
}

/// The dark modules of the QR code of `payload` (error-correction level M), row by row from
/// the top: a square of 21 + 4k modules (version k + 1), without the quiet zone of four
/// modules that must surround it when it is drawn.
///
/// # Errors
///
/// [`DocumentError::QrCode`] if `payload` is empty or longer than a QR code holds at level M
/// (2 331 bytes of arbitrary text, more for digits and upper-case letters).
pub fn qr_matrix(payload: &str) -> Result<Vec<Vec<bool>>, DocumentError> {
    let code = encode(payload)?;
    let n = code.width();
    Ok(code
        .to_colors()
        .chunks(n)
        .map(|row| row.iter().map(|c| *c != Color::Light).collect())
        .collect())
}

/// The QR code of `payload` (error-correction level M) as an inline SVG element for an HTML
/// page: no XML prolog, black modules on a white square including the quiet zone,
/// `viewBox` in pixels with `width`/`height` of about 180 px (whole pixels per module, at
/// least 2), `shape-rendering="crispEdges"`, `role="img"` and an `aria-label` naming the
/// payload (escaped).
///
/// # Errors
///
/// As [`qr_matrix`].
pub fn qr_svg(payload: &str) -> Result<String, DocumentError> {
    let code = encode(payload)?;
    let modules = code.width() + 2 * QUIET_ZONE;
    let px = SVG_TARGET_PX.div_ceil(modules).max(SVG_MIN_MODULE_PX);
    let px = u32::try_from(px).map_err(|_| qr_err("尺寸无效"))?;
    let raw = code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(px, px)
        .build();
    // The renderer starts with an XML prolog, which does not belong inside HTML.
    let rest = raw
        .find("<svg")
        .and_then(|i| raw.get(i + "<svg".len()..))
        .ok_or_else(|| qr_err("SVG 生成失败"))?;
    let label = xml_attr(&format!("证照核验二维码：{payload}"));
    Ok(format!(r#"<svg role="img" aria-label="{label}"{rest}"#))
}

/// `text` escaped for a double-quoted XML attribute; control characters (not allowed in
/// XML) become spaces.
fn xml_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Page geometry in points: A4 portrait.

/// The outer line of the double border, 1 cm from the paper's edge; the inner one 4 pt in.
const FRAME: f32 = 28.35;
const FRAME_GAP: f32 = 4.0;
/// Content margins: 2 cm.
const MARGIN: f32 = 56.69;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_W - MARGIN;
const WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = MARGIN + 10.0;
const BOTTOM: f32 = PAGE_H - MARGIN;

/// How a text is set: size in points, line height as a multiple of it, and whether in the
/// strong face (sans, bold where there is one) or the body face.
#[derive(Debug, Clone, Copy)]
struct Type {
    size: f32,
    leading: f32,
    strong: bool,
}

impl Type {
    fn line_h(self) -> f32 {
        self.size * self.leading
    }
}

const TITLE: Type = Type {
    size: 26.0,
    leading: 1.3,
    strong: true,
};
const BANNER: Type = Type {
    size: 18.0,
    ..TITLE
};
const LABEL: Type = Type {
    size: 12.0,
    leading: 1.5,
    strong: true,
};
const VALUE: Type = Type {
    strong: false,
    ..LABEL
};
const SMALL: Type = Type {
    size: 9.0,
    leading: 1.4,
    strong: false,
};
const SIGNATURE: Type = Type { size: 8.0, ..SMALL };

/// Extra room between the characters of a short title (`营 业 执 照`), in em.
const TITLE_TRACKING: f32 = 0.4;
/// A title of at most this many characters on one line is spaced out.
const TITLE_TRACKED_CHARS: usize = 6;
const BANNER_PAD: f32 = 6.0;
/// Cell padding in the table.
const PAD_X: f32 = 6.0;
const PAD_Y: f32 = 4.0;

/// The QR code (quiet zone included) is at least 3.5 cm wide, and its modules at least
/// 1.2 pt (0.42 mm) so that a phone reads a dense code off paper.
const QR_SIDE: f32 = 99.21;
const QR_MODULE_MIN: f32 = 1.2;

/// The watermark: rotated this many degrees (counter-clockwise on paper), at most this wide.
const WATERMARK_ANGLE: f32 = -35.0;
const WATERMARK_WIDTH: f32 = 0.8 * PAGE_W;
const WATERMARK_MAX_CHARS: usize = 16;

/// The table needs room for at least this many lines on a page.
const MIN_TABLE_LINES: f32 = 3.0;

/// A colour with its opacity.
#[derive(Debug, Clone, Copy)]
struct Ink {
    rgb: (u8, u8, u8),
    alpha: f32,
}

const BLACK: Ink = Ink {
    rgb: (0, 0, 0),
    alpha: 1.0,
};
const DARK: Ink = Ink {
    rgb: (0x40, 0x40, 0x40),
    alpha: 1.0,
};
const WHITE: Ink = Ink {
    rgb: (0xFF, 0xFF, 0xFF),
    alpha: 1.0,
};
const LABEL_SHADE: Ink = Ink {
    rgb: (LABEL_GRAY, LABEL_GRAY, LABEL_GRAY),
    alpha: 1.0,
};
/// 中国红, for the status banner and watermark.
const RED: Ink = Ink {
    rgb: (0xC8, 0x10, 0x2E),
    alpha: 1.0,
};
const WATERMARK: Ink = Ink { alpha: 0.22, ..RED };

impl Ink {
    fn paint(self) -> krilla::paint::Paint {
        let (r, g, b) = self.rgb;
        rgb::Color::new(r, g, b).into()
    }

    fn opacity(self) -> NormalizedF32 {
        NormalizedF32::new(self.alpha).unwrap_or(NormalizedF32::ONE)
    }

    fn fill(self) -> Fill {
        Fill {
            paint: self.paint(),
            opacity: self.opacity(),
            ..Fill::default()
        }
    }
}

/// One drawing operation; coordinates from the top left of the page.
#[derive(Debug, Clone)]
enum Mark {
    Text(Line, Ink),
    /// A filled rectangle `[left, top, right, bottom]`.
    Fill([f32; 4], Ink),
    /// The outline of a rectangle, with the line width.
    Outline([f32; 4], f32, Ink),
    /// The QR code: the top left corner of its quiet zone and the module size.
    Qr {
        left: f32,
        top: f32,
        module: f32,
    },
    /// Text rotated by `angle` degrees about `centre`.
    Rotated {
        line: Line,
        ink: Ink,
        angle: f32,
        centre: (f32, f32),
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
}

/// Lays out text with the caller's fonts.
struct Setter<'f, 'a> {
    fonts: &'f mut Fonts<'a>,
}

impl Setter<'_, '_> {
    /// `text` broken into lines no wider than `width`.
    fn lines(&mut self, text: &str, ty: Type, width: f32) -> Vec<String> {
        let fonts = &mut *self.fonts;
        wrap(text, width, width, |c| {
            fonts.advance(c, ty.strong) * ty.size
        })
    }

    /// One line between `left` and `right`, in a line box from `top`.
    fn line(
        &mut self,
        text: String,
        ty: Type,
        (left, right): (f32, f32),
        align: Align,
        top: f32,
    ) -> Line {
        let x = match align {
            Align::Left => left,
            Align::Center => {
                let w = self.fonts.width(&text, ty.strong, ty.size);
                left + ((right - left - w) / 2.0).max(0.0)
            }
        };
        Line {
            x,
            baseline: top + (ty.line_h() - ty.size) / 2.0 + BASELINE * ty.size,
            size: ty.size,
            strong: ty.strong,
            text,
            spread: 0.0,
        }
    }

    /// Lines of `text` wrapped between `left` and `right` from `top`, in `ink`; returns the
    /// marks and the bottom of the block.
    fn block(
        &mut self,
        text: &str,
        ty: Type,
        (left, right): (f32, f32),
        align: Align,
        top: f32,
        ink: Ink,
    ) -> (Vec<Mark>, f32) {
        let mut y = top;
        let mut out = Vec::new();
        for l in self.lines(text, ty, right - left) {
            let line = self.line(l, ty, (left, right), align, y);
            out.push(Mark::Text(line, ink));
            y += ty.line_h();
        }
        (out, y)
    }
}

/// Part of a table row placed on a page: lines `from..to` of both columns.
#[derive(Debug, Clone, Copy)]
struct Piece {
    row: usize,
    from: usize,
    to: usize,
    top: f32,
    /// The whole row is in this piece.
    whole: bool,
}

/// The rows of the two-column table: holder, holder code, the face fields, issuer, dates.
fn table_rows(doc: &LicenseDoc) -> Vec<(String, String)> {
    let mut rows = vec![
        ("持证主体".to_owned(), doc.holder.clone()),
        (doc.holder_code_label.clone(), doc.holder_code.clone()),
    ];
    rows.extend(doc.fields.iter().cloned());
    rows.push(("颁发机构".to_owned(), doc.issuer.clone()));
    rows.push(("颁发日期".to_owned(), doc.issued_on.clone()));
    rows.push((
        "有效期限".to_owned(),
        format!("{} 至 {}", doc.valid_from.trim(), doc.valid_to.trim()),
    ));
    rows
}

/// The status note on one line (line breaks become spaces), `None` if absent or blank.
fn status_text(doc: &LicenseDoc) -> Option<String> {
    let note = doc.status_note.as_deref()?;
    let joined = hard_lines(note)
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// The pages of the licence as drawing operations.
fn layout(
    doc: &LicenseDoc,
    matrix: &[Vec<bool>],
    set: &mut Setter<'_, '_>,
) -> Result<Vec<Vec<Mark>>, DocumentError> {
    let status = status_text(doc);

    // Frame, title and status banner: the same on every page.
    let mut head = vec![
        Mark::Outline([FRAME, FRAME, PAGE_W - FRAME, PAGE_H - FRAME], 1.6, DARK),
        Mark::Outline(
            [
                FRAME + FRAME_GAP,
                FRAME + FRAME_GAP,
                PAGE_W - FRAME - FRAME_GAP,
                PAGE_H - FRAME - FRAME_GAP,
            ],
            0.6,
            DARK,
        ),
    ];
    let mut y = TOP;
    let title_lines = set.lines(&doc.title, TITLE, WIDTH);
    let single = title_lines.len() == 1;
    for l in title_lines {
        let chars = l.chars().count();
        let mut line = set.line(l, TITLE, (LEFT, RIGHT), Align::Center, y);
        if single && (2..=TITLE_TRACKED_CHARS).contains(&chars) {
            let spread = TITLE_TRACKING * TITLE.size;
            line.spread = spread;
            line.x -= spread * (chars - 1) as f32 / 2.0;
        }
        head.push(Mark::Text(line, BLACK));
        y += TITLE.line_h();
    }
    y += 14.0;
    if let Some(note) = &status {
        // Bold white on red if there is a real bold face (a fake bold is outlined in black).
        let ty = Type {
            strong: !set.fonts.fake_bold,
            ..BANNER
        };
        let n = set.lines(note, ty, WIDTH - 2.0 * BANNER_PAD).len();
        let h = n as f32 * ty.line_h() + 2.0 * BANNER_PAD;
        head.push(Mark::Fill([LEFT, y, RIGHT, y + h], RED));
        let inner = (LEFT + BANNER_PAD, RIGHT - BANNER_PAD);
        let (marks, _) = set.block(note, ty, inner, Align::Center, y + BANNER_PAD, WHITE);
        head.extend(marks);
        y += h + 14.0;
    }
    let table_top = y;

    // Foot, from the bottom up: signature line, QR code with its caption at the right and
    // identifier and number at its left.
    let mut foot = Vec::new();
    let n_sig = set.lines(&doc.signature_line, SIGNATURE, WIDTH).len();
    let sig_top = BOTTOM - n_sig as f32 * SIGNATURE.line_h();
    foot.push(Mark::Fill(
        [LEFT, sig_top - 5.0, RIGHT, sig_top - 4.5],
        DARK,
    ));
    let (marks, _) = set.block(
        &doc.signature_line,
        SIGNATURE,
        (LEFT, RIGHT),
        Align::Left,
        sig_top,
        DARK,
    );
    foot.extend(marks);
    let modules = matrix.len() + 2 * QUIET_ZONE;
    let side = (modules as f32 * QR_MODULE_MIN).max(QR_SIDE);
    let caption_bottom = sig_top - 10.0;
    let caption_top = caption_bottom - SMALL.line_h();
    let qr_top = caption_top - side;
    let qr_left = RIGHT - side;
    foot.push(Mark::Qr {
        left: qr_left,
        top: qr_top,
        module: side / modules as f32,
    });
    let caption = "扫码核验".to_owned();
    let caption = set.line(caption, SMALL, (qr_left, RIGHT), Align::Center, caption_top);
    foot.push(Mark::Text(caption, DARK));
    let small = format!("证照标识：{}\n证照编号：{}", doc.identifier, doc.number);
    let small_cols = (LEFT, qr_left - 16.0);
    let n_small = set.lines(&small, SMALL, small_cols.1 - small_cols.0).len();
    let small_top = caption_bottom - n_small as f32 * SMALL.line_h();
    let (marks, _) = set.block(&small, SMALL, small_cols, Align::Left, small_top, DARK);
    foot.extend(marks);
    let table_bottom = qr_top.min(small_top) - 14.0;

    // The table: label | value, label column as wide as the widest label (within limits).
    let line_h = LABEL.line_h();
    if table_bottom - table_top < MIN_TABLE_LINES * line_h + 2.0 * PAD_Y {
        return Err(pdf_err(
            "照面排不下：证照名称、状态说明、证照标识、编号或签名行过长",
        ));
    }
    let rows = table_rows(doc);
    let natural = rows
        .iter()
        .map(|(label, _)| set.fonts.width(label, LABEL.strong, LABEL.size))
        .fold(0.0, f32::max)
        + 2.0 * PAD_X;
    let label_w = natural.clamp(6.0 * LABEL.size + 2.0 * PAD_X, 0.4 * WIDTH);
    let split = LEFT + label_w;
    let cells: Vec<(Vec<String>, Vec<String>)> = rows
        .iter()
        .map(|(label, value)| {
            (
                set.lines(label, LABEL, label_w - 2.0 * PAD_X),
                set.lines(value, VALUE, RIGHT - split - 2.0 * PAD_X),
            )
        })
        .collect();

    // Rows go to the next page when they do not fit; a row taller than a page is split.
    let area = table_bottom - table_top;
    let mut pages: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut y = table_top;
    for (row, (label, value)) in cells.iter().enumerate() {
        let n = label.len().max(value.len()).max(1);
        let h = n as f32 * line_h + 2.0 * PAD_Y;
        if y + h > table_bottom + 0.01 && y > table_top + 0.01 && h <= area {
            pages.push(Vec::new());
            y = table_top;
        }
        let mut done = 0;
        while done < n {
            let fit = ((table_bottom - y - 2.0 * PAD_Y) / line_h + 0.001).floor();
            if fit < 1.0 {
                pages.push(Vec::new());
                y = table_top;
                continue;
            }
            let take = (fit as usize).min(n - done);
            if let Some(page) = pages.last_mut() {
                page.push(Piece {
                    row,
                    from: done,
                    to: done + take,
                    top: y,
                    whole: take == n,
                });
            }
            y += take as f32 * line_h + 2.0 * PAD_Y;
            done += take;
        }
    }

    let count = pages.len();
    let mut out = Vec::with_capacity(count);
    for (p, pieces) in pages.iter().enumerate() {
        let mut marks = head.clone();
        for piece in pieces {
            let (label, value) = &cells[piece.row];
            let k = piece.to - piece.from;
            let bottom = piece.top + k as f32 * line_h + 2.0 * PAD_Y;
            marks.push(Mark::Fill([LEFT, piece.top, split, bottom], LABEL_SHADE));
            for (lines, ty, (left, right), align) in [
                (label, LABEL, (LEFT, split), Align::Center),
                (value, VALUE, (split, RIGHT), Align::Left),
            ] {
                let shown = lines
                    .get(piece.from..piece.to.min(lines.len()))
                    .unwrap_or(&[]);
                let mut ly = if piece.whole {
                    piece.top + (bottom - piece.top - shown.len() as f32 * line_h) / 2.0
                } else {
                    piece.top + PAD_Y
                };
                for l in shown {
                    let cols = (left + PAD_X, right - PAD_X);
                    let line = set.line(l.clone(), ty, cols, align, ly);
                    marks.push(Mark::Text(line, BLACK));
                    ly += line_h;
                }
            }
            marks.push(Mark::Outline([LEFT, piece.top, split, bottom], RULE, BLACK));
            marks.push(Mark::Outline(
                [split, piece.top, RIGHT, bottom],
                RULE,
                BLACK,
            ));
        }
        marks.extend(foot.iter().cloned());
        if count > 1 {
            let folio = format!("第 {} 页 共 {count} 页", p + 1);
            let folio = set.line(folio, SIGNATURE, (LEFT, RIGHT), Align::Center, BOTTOM + 3.0);
            marks.push(Mark::Text(folio, DARK));
        }
        // The watermark goes over everything, translucent, so that nothing can hide it.
        if let Some(note) = &status {
            let mut text: String = note.chars().take(WATERMARK_MAX_CHARS).collect();
            if note.chars().count() > WATERMARK_MAX_CHARS {
                text.push('…');
            }
            let strong = !set.fonts.fake_bold;
            let em = set.fonts.width(&text, strong, 1.0).max(0.5);
            let size = (WATERMARK_WIDTH / em).clamp(24.0, 110.0);
            let w = em * size;
            let centre = (PAGE_W / 2.0, PAGE_H / 2.0);
            marks.push(Mark::Rotated {
                line: Line {
                    x: centre.0 - w / 2.0,
                    baseline: centre.1 - size / 2.0 + BASELINE * size,
                    size,
                    strong,
                    text,
                    spread: 0.0,
                },
                ink: WATERMARK,
                angle: WATERMARK_ANGLE,
                centre,
            });
        }
        out.push(marks);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Painting.

/// The dark modules as one path of rectangles (runs along each row), so that no seams show
/// between neighbouring modules.
fn qr_path(matrix: &[Vec<bool>], left: f32, top: f32, module: f32) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    let offset = QUIET_ZONE as f32 * module;
    for (r, row) in matrix.iter().enumerate() {
        let y = top + offset + r as f32 * module;
        let mut c = 0;
        while c < row.len() {
            if !row[c] {
                c += 1;
                continue;
            }
            let start = c;
            while c < row.len() && row[c] {
                c += 1;
            }
            let x = left + offset + start as f32 * module;
            if let Some(rect) = Rect::from_xywh(x, y, (c - start) as f32 * module, module) {
                pb.push_rect(rect);
            }
        }
    }
    pb.finish()
}

fn paint(
    painter: &mut Painter<'_, '_>,
    s: &mut Surface<'_>,
    marks: &[Mark],
    matrix: &[Vec<bool>],
) -> Result<(), DocumentError> {
    for mark in marks {
        match mark {
            Mark::Text(line, ink) => {
                s.set_fill(Some(ink.fill()));
                painter.text(s, line)?;
            }
            Mark::Fill(rect, ink) => {
                if let Some(path) = rect_path(*rect) {
                    s.set_stroke(None);
                    s.set_fill(Some(ink.fill()));
                    s.draw_path(&path);
                }
            }
            Mark::Outline(rect, width, ink) => {
                if let Some(path) = rect_path(*rect) {
                    s.set_fill(None);
                    s.set_stroke(Some(Stroke {
                        paint: ink.paint(),
                        width: *width,
                        opacity: ink.opacity(),
                        ..Stroke::default()
                    }));
                    s.draw_path(&path);
                    s.set_stroke(None);
                }
            }
            Mark::Qr { left, top, module } => {
                if let Some(path) = qr_path(matrix, *left, *top, *module) {
                    s.set_stroke(None);
                    s.set_fill(Some(BLACK.fill()));
                    s.draw_path(&path);
                }
            }
            Mark::Rotated {
                line,
                ink,
                angle,
                centre,
            } => {
                s.push_transform(&Transform::from_rotate_at(*angle, centre.0, centre.1));
                s.set_fill(Some(ink.fill()));
                let drawn = painter.text(s, line);
                s.pop();
                drawn?;
            }
        }
    }
    Ok(())
}

/// Render the face of an electronic licence (电子证照) as a PDF file.
///
/// `fonts` are the bytes of font files, as for [`report_pdf`](crate::report_pdf) (see
/// [`find_cjk_fonts`](crate::find_cjk_fonts)): body text in the first non-bold face with
/// Chinese glyphs, the title and labels in the first sans face (preferably bold). Only the
/// glyphs used are embedded, with ToUnicode maps, so the text can be searched and extracted.
///
/// Layout (A4 portrait): a double border; the title large (26 pt), bold and centred (a short
/// one spaced out); if [`status_note`](LicenseDoc::status_note) is set, a red banner with
/// the note under the title and the note again as a large translucent red diagonal
/// watermark over the page; a ruled two-column table (label on light grey | value, 12 pt)
/// of 持证主体, the holder code, every face field in order, 颁发机构, 颁发日期 and 有效期限
/// (`valid_from 至 valid_to`), long values wrapped within their cell; at the foot the
/// 证照标识 and 证照编号 in small print at the left, the QR code of
/// [`verify_url`](LicenseDoc::verify_url) at the right (vector rectangles with the quiet
/// zone, at least 3 cm) captioned `扫码核验`, and the signature line in small print at the
/// bottom. Should the table not fit, it continues on further pages (rows move whole when
/// they fit on a page, else split), each with the border, title, banner, foot and a page
/// number `第 N 页 共 M 页`.
///
/// # Errors
///
/// [`DocumentError::PdfWrite`] if no font with Chinese glyphs is among `fonts`, if the title,
/// status note, identifier, number and signature line leave no room for the table, or if the
/// PDF cannot be written; [`DocumentError::QrCode`] if `verify_url` is empty or too long for
/// a QR code.
pub fn license_pdf(doc: &LicenseDoc, fonts: &[Vec<u8>]) -> Result<Vec<u8>, DocumentError> {
    let mut faces = Fonts::new(fonts)?;
    let matrix = qr_matrix(&doc.verify_url)?;
    let pages = layout(doc, &matrix, &mut Setter { fonts: &mut faces })?;

    let mut painter = Painter::new(&mut faces, fonts);
    write_pages(&doc.title, &pages, |surface, marks| {
        paint(&mut painter, surface, marks, &matrix)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{find_cjk_fonts, pdf_text};

    const URL: &str = "https://zwfw.quanzhou.gov.cn/license/verify?id=1.2.156.3005.2.11100000000013338W.001&sig=3f9a2c";

    /// Report a skipped check; under `ONEWINDOW_DOC_TOOLS=1` (CI with the tools installed)
    /// a skip is a failure.
    fn skip(why: &str) {
        assert!(
            std::env::var("ONEWINDOW_DOC_TOOLS").as_deref() != Ok("1"),
            "{why} (ONEWINDOW_DOC_TOOLS=1: the document tools must be installed)"
        );
        eprintln!("note: {why}");
    }

    /// The bytes of the system's Chinese fonts, or `None` (with a note) if there are none.
    fn cjk_fonts() -> Option<Vec<Vec<u8>>> {
        let paths = find_cjk_fonts();
        if paths.is_empty() {
            skip(
                "no CJK font in /usr/share/fonts (install fonts-noto-cjk), skipping the licence PDF check",
            );
            return None;
        }
        Some(
            paths
                .iter()
                .take(3)
                .map(|p| std::fs::read(p).unwrap())
                .collect(),
        )
    }

    fn squeeze(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    fn business_license() -> LicenseDoc {
        LicenseDoc {
            title: "营业执照".into(),
            identifier: "1.2.156.3005.2.11100000000013338W.91350503MA2XYZ1234.001".into(),
            number: "350503000202603150017".into(),
            holder: "泉州市丰泽区海丝数字科技有限公司".into(),
            holder_code_label: "统一社会信用代码".into(),
            holder_code: "91350503MA2XYZ1234".into(),
            fields: vec![
                ("类型".into(), "有限责任公司（自然人投资或控股）".into()),
                ("法定代表人".into(), "张三".into()),
                ("注册资本".into(), "壹佰万圆整".into()),
                ("成立日期".into(), "2020年03月15日".into()),
                (
                    "住所".into(),
                    "福建省泉州市丰泽区东海街道东海大街1号泉州市行政服务中心B座12层1203室".into(),
                ),
                (
                    "经营范围".into(),
                    "一般项目：软件开发；信息系统集成服务；信息技术咨询服务；数据处理和存储支持服务；\
                     技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；计算机软硬件及辅助设备零售。\
                     （除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
                        .into(),
                ),
            ],
            issuer: "泉州市丰泽区市场监督管理局".into(),
            issued_on: "2026年11月26日".into(),
            valid_from: "2020年03月15日".into(),
            valid_to: "长期".into(),
            status_note: None,
            verify_url: URL.into(),
            signature_line: "电子签名：SM2-SM3 · 密钥 sm2-0123abcd… · 签名值摘要 9f86d081884c7d65".into(),
        }
    }

    /// Decode a module matrix (quiet zone added here) with an independent reader.
    fn decode(matrix: &[Vec<bool>]) -> String {
        let scale = 4;
        let n = matrix.len() + 2 * QUIET_ZONE;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(n * scale, n * scale, |x, y| {
            let (c, r) = (x / scale, y / scale);
            let dark = (QUIET_ZONE..QUIET_ZONE + matrix.len()).contains(&r)
                && (QUIET_ZONE..QUIET_ZONE + matrix.len()).contains(&c)
                && matrix[r - QUIET_ZONE][c - QUIET_ZONE];
            if dark { 0 } else { 255 }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code expected");
        grids[0].decode().unwrap().1
    }

    #[test]
    fn qr_svg_is_an_inline_accessible_svg() {
        let svg = qr_svg(URL).unwrap();
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<?xml"));
        assert!(svg.contains("viewBox=\"0 0 "));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-label=\"证照核验二维码：https://zwfw.quanzhou.gov.cn/"));
        assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        // Width and height in pixels, square, between 150 and 400.
        let attr = |name: &str| -> usize {
            let at = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            svg[at..].split('"').next().unwrap().parse().unwrap()
        };
        let (w, h) = (attr("width"), attr("height"));
        assert_eq!(w, h);
        assert!((150..=400).contains(&w), "{w}");
        // Whole pixels per module, quiet zone included.
        let modules = qr_matrix(URL).unwrap().len() + 2 * QUIET_ZONE;
        assert_eq!(w % modules, 0);
    }

    #[test]
    fn qr_svg_escapes_the_label() {
        let svg = qr_svg("https://x.gov.cn/v?a=1&b=\"2\"<script>'").unwrap();
        assert!(
            svg.contains("a=1&amp;b=&quot;2&quot;&lt;script&gt;&apos;"),
            "{svg}"
        );
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn qr_matrix_is_a_square_of_21_plus_4k() {
        for payload in [
            "1",
            URL,
            &format!("{URL}&pad={}", "x".repeat(400)),
            &"9".repeat(3000),
        ] {
            let m = qr_matrix(payload).unwrap();
            let n = m.len();
            assert!((21..=177).contains(&n) && (n - 21).is_multiple_of(4), "{n}");
            assert!(m.iter().all(|row| row.len() == n));
            // Finder pattern in the top left corner: dark ring, light ring, dark centre.
            assert!(m[0][0] && m[0][6] && m[6][0] && m[6][6]);
            assert!(!m[1][1] && !m[5][5] && m[3][3]);
        }
        assert_eq!(qr_matrix("1").unwrap().len(), 21);
    }

    #[test]
    fn qr_codes_decode_to_the_payload() {
        for payload in [
            URL,
            "HTTPS://ZWFW.EXAMPLE.GOV.CN/V/0123456789",
            // Chinese as UTF-8 bytes (the encoder's automatic mode would take it for kanji).
            "https://zwfw.quanzhou.gov.cn/核验?证照=营业执照&编号=350503",
            "电子证照核验：泉州市丰泽区海丝数字科技有限公司",
        ] {
            assert_eq!(decode(&qr_matrix(payload).unwrap()), payload);
        }
    }

    #[test]
    fn over_long_or_empty_payloads_are_errors() {
        for payload in ["x".repeat(5000), "证".repeat(5000), "9".repeat(8000)] {
            assert!(matches!(qr_matrix(&payload), Err(DocumentError::QrCode(_))));
            let Err(e) = qr_svg(&payload) else {
                panic!("a {} byte payload made a QR code", payload.len())
            };
            assert!(e.to_string().contains("过长"), "{e}");
        }
        assert!(matches!(qr_matrix(""), Err(DocumentError::QrCode(_))));
        assert!(matches!(qr_svg(""), Err(DocumentError::QrCode(_))));
        // The largest that fits: 2331 bytes at level M.
        assert_eq!(qr_matrix(&"x".repeat(2331)).unwrap().len(), 177);
        assert!(qr_matrix(&"x".repeat(2332)).is_err());
    }

    #[test]
    fn license_pdf_without_fonts_is_a_clear_error() {
        let doc = business_license();
        for fonts in [vec![], vec![b"not a font".to_vec()]] {
            match license_pdf(&doc, &fonts) {
                Err(DocumentError::PdfWrite(m)) => assert!(m.contains("中文字体"), "{m}"),
                other => panic!("{:?}", other.map(|b| b.len())),
            }
        }
    }

    #[test]
    fn license_pdf_keeps_the_text() {
        let Some(fonts) = cjk_fonts() else { return };
        let doc = business_license();
        let bytes = license_pdf(&doc, &fonts).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.len() < 1_000_000, "{} bytes", bytes.len());
        let pages = lopdf::Document::load_mem(&bytes).unwrap().get_pages().len();
        assert_eq!(pages, 1);
        let raw = pdf_text(&bytes).unwrap();
        // The spaced-out title still reads as one word.
        assert!(raw.contains("营业执照"), "{raw}");
        let text = squeeze(&raw);
        for expected in [
            &doc.title,
            &doc.holder,
            &doc.holder_code,
            &doc.fields[4].1,
            &doc.fields[5].1,
            &doc.identifier,
            &doc.number,
            &doc.issuer,
            &doc.issued_on,
            &"扫码核验".to_owned(),
            &doc.signature_line,
        ] {
            assert!(
                text.contains(&squeeze(expected)),
                "{expected} missing: {text}"
            );
        }
        assert!(!text.contains("已撤销"));

        // A wrong verify URL is refused, not printed as a broken code.
        let long = LicenseDoc {
            verify_url: "x".repeat(5000),
            ..business_license()
        };
        assert!(matches!(
            license_pdf(&long, &fonts),
            Err(DocumentError::QrCode(_))
        ));
    }

    #[test]
    fn license_pdf_stamps_the_status_and_flows_long_faces() {
        let Some(fonts) = cjk_fonts() else { return };
        let mut doc = business_license();
        doc.status_note = Some("已撤销".into());
        let text = pdf_text(&license_pdf(&doc, &fonts).unwrap()).unwrap();
        // Banner and watermark.
        assert_eq!(text.matches("已撤销").count(), 2, "{text}");
        // With a single regular face (bold imitated) too.
        let text = pdf_text(&license_pdf(&doc, &fonts[..1]).unwrap()).unwrap();
        assert_eq!(text.matches("已撤销").count(), 2, "{text}");
        // A blank note is no note.
        doc.status_note = Some(" \n ".into());
        let text = pdf_text(&license_pdf(&doc, &fonts).unwrap()).unwrap();
        assert!(!text.contains("已撤销"), "{text}");
        doc.status_note = Some("已撤销".into());

        // Many long fields: the table continues on a second page, nothing is lost.
        let long = "依法须经批准的项目，经相关部门批准后方可开展经营活动；".repeat(40);
        for i in 0..12 {
            doc.fields.push((format!("附加事项{i}"), long.clone()));
        }
        let bytes = license_pdf(&doc, &fonts).unwrap();
        let pages = lopdf::Document::load_mem(&bytes).unwrap().get_pages().len();
        assert!(pages >= 2, "{pages}");
        let text = squeeze(&pdf_text(&bytes).unwrap());
        assert!(text.contains(&format!("第1页共{pages}页")));
        assert!(text.contains(&squeeze(&doc.title)));
        // The banner, the watermark and the foot on every page.
        assert_eq!(text.matches("已撤销").count(), 2 * pages);
        assert_eq!(text.matches("扫码核验").count(), pages);
        for i in 0..12 {
            assert!(text.contains(&format!("附加事项{i}")));
        }
        // One value taller than a page is split over pages.
        let mut huge = business_license();
        huge.fields = vec![("经营范围".into(), long.repeat(6))];
        let bytes = license_pdf(&huge, &fonts).unwrap();
        let text = squeeze(&pdf_text(&bytes).unwrap());
        let pages = lopdf::Document::load_mem(&bytes).unwrap().get_pages().len();
        assert!(pages >= 2, "{pages}");
        // The foot of one page and the title of the next interrupt the value; it is complete
        // once they are left out.
        let foot = squeeze(&format!(
            "{}扫码核验证照标识：{}证照编号：{}",
            huge.signature_line, huge.identifier, huge.number
        ));
        let mut rest = text.replace(&foot, "").replace(&huge.title, "");
        for p in 1..=pages {
            rest = rest.replacen(&format!("第{p}页共{pages}页"), "", 1);
        }
        assert!(rest.contains(&squeeze(&long.repeat(6))), "{rest}");
    }

    /// Where `pdftoppm` is installed: the QR code printed in the PDF, rasterised at 300 dpi,
    /// decodes to the address (a short one and a dense one).
    #[test]
    fn license_pdf_qr_code_scans() {
        let Some(fonts) = cjk_fonts() else { return };
        let dir = tempfile::tempdir().unwrap();
        let dense = format!("{URL}&sig={}", "0123456789abcdef".repeat(16));
        for url in [URL, dense.as_str()] {
            let doc = LicenseDoc {
                verify_url: url.to_owned(),
                ..business_license()
            };
            let pdf = dir.path().join("license.pdf");
            std::fs::write(&pdf, license_pdf(&doc, &fonts).unwrap()).unwrap();
            // The bottom right quarter of the page (A4 at 300 dpi is 2481 × 3508 pixels).
            let run = std::process::Command::new("pdftoppm")
                .args(["-r", "300", "-gray", "-singlefile"])
                .args(["-x", "1240", "-y", "2100", "-W", "1240", "-H", "1408"])
                .arg(&pdf)
                .arg(dir.path().join("page"))
                .output();
            let Ok(run) = run else {
                skip("pdftoppm is not on PATH (apt-get install poppler-utils), skipping the scan");
                return;
            };
            assert!(run.status.success(), "{run:?}");
            // Binary PGM: "P5", width, height, maximum, one whitespace, one byte per pixel.
            let pgm = std::fs::read(dir.path().join("page.pgm")).unwrap();
            let mut fields = Vec::new();
            let mut at = 0;
            while fields.len() < 4 {
                while pgm[at].is_ascii_whitespace() {
                    at += 1;
                }
                let start = at;
                while !pgm[at].is_ascii_whitespace() {
                    at += 1;
                }
                fields.push(String::from_utf8(pgm[start..at].to_vec()).unwrap());
            }
            assert_eq!(fields[0], "P5");
            let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
            let pixels = &pgm[at + 1..];
            assert_eq!(pixels.len(), w * h);
            let mut img =
                rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
            let grids = img.detect_grids();
            assert_eq!(grids.len(), 1, "no QR code found in the printed page");
            assert_eq!(grids[0].decode().unwrap().1, url);
        }
    }
}
