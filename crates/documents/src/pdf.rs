//! Text of a PDF file, for the redaction check (脱敏核查) of a 政府信息公开 reply before release.
//!
//! The check fails closed: anything this module cannot read with confidence — not a PDF, a
//! damaged file, an encrypted file, a font it cannot decode, a content stream that does not
//! parse — is an error, never a shorter text.

use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Encoding, Object, ObjectId};

use crate::error::DocumentError;

/// Decompressed content read for one page, its form XObjects, annotation appearances and fonts.
const PAGE_BUDGET: usize = 64 * 1024 * 1024;

/// How deeply form XObjects may nest (a form drawing a form drawing a form …).
const MAX_FORM_DEPTH: usize = 12;

/// Where the PDF header may start at the latest (readers accept leading junk up to 1024 bytes).
const HEADER_WINDOW: usize = 1024;

/// The text of every page of a PDF file, pages in order, separated by `"\n"`.
///
/// Per page this reads the page's content streams, the form XObjects they draw (recursively)
/// and its annotations — their appearance streams (`/AP /N`, every state), comments
/// (`/Contents`) and form-field values (`/V`) — because all of these reach the applicant.
/// Text is decoded through each font's `/Encoding` or `/ToUnicode`; line moves (`T*`, `'`,
/// `"`, end of a text object) become `\n`, other text positioning (`Td`, `TD`, `Tm`) and wide
/// `TJ` gaps a space, so that two numbers on one page never run together into one.
///
/// A PDF without a text layer (a scan) gives `Ok("")`; the caller must treat empty text as
/// "cannot be checked", not as "clean".
///
/// Not read: document metadata (Info, XMP), bookmarks, attachments, and objects that an
/// incremental update replaced but left in the file.
///
/// # Errors
///
/// [`DocumentError::Pdf`] if the bytes are not a PDF, cannot be parsed, are encrypted (even
/// with an empty user password — the check refuses what it cannot compare byte for byte with
/// what is released), or contain text it cannot decode.
pub fn pdf_text(bytes: &[u8]) -> Result<String, DocumentError> {
    let head = bytes.get(..HEADER_WINDOW).unwrap_or(bytes);
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(pdf_err("不是 PDF 文件（缺少 %PDF- 文件头）"));
    }
    // The parser is not ours; a panic on hostile input must not take the caller down.
    catch_unwind(AssertUnwindSafe(|| extract(bytes)))
        .unwrap_or_else(|_| Err(pdf_err("解析器内部错误")))
}

fn pdf_err(message: impl Into<String>) -> DocumentError {
    DocumentError::Pdf(message.into())
}

fn cannot_read(error: impl std::fmt::Display) -> DocumentError {
    pdf_err(format!("文件损坏或格式不受支持：{error}"))
}

fn encrypted() -> DocumentError {
    pdf_err("文件已加密")
}

fn extract(bytes: &[u8]) -> Result<String, DocumentError> {
    let doc = match Document::load_mem(bytes) {
        Ok(doc) => doc,
        Err(_) if bytes.windows(8).any(|w| w == b"/Encrypt") => return Err(encrypted()),
        Err(e) => return Err(cannot_read(e)),
    };
    if doc.encryption_state.is_some() || doc.trailer.has(b"Encrypt") {
        return Err(encrypted());
    }
    let mut pages = Vec::new();
    for (number, page_id) in doc.get_pages() {
        let text = page_text(&doc, page_id)
            .map_err(|e| pdf_err(format!("第 {number} 页无法读取：{e}")))?;
        pages.push(text);
    }
    Ok(pages.join("\n"))
}

/// The resource dictionaries in force, nearest first.
#[derive(Clone)]
struct Resources<'a> {
    dicts: Vec<&'a Dictionary>,
}

impl<'a> Resources<'a> {
    /// Entry `name` of sub-dictionary `category` (`Font`, `XObject`) of the nearest resource
    /// dictionary that has it.
    fn lookup(&self, doc: &'a Document, category: &[u8], name: &[u8]) -> Option<&'a Object> {
        self.dicts.iter().find_map(|res| {
            res.get_deref(category, doc)
                .and_then(Object::as_dict)
                .and_then(|d| d.get(name))
                .ok()
        })
    }

    /// `own` in front of these (a form's or an appearance's own resources).
    fn with(&self, doc: &'a Document, own: &'a Dictionary) -> Resources<'a> {
        let mut dicts = Vec::with_capacity(self.dicts.len() + 1);
        if let Ok(res) = own.get_deref(b"Resources", doc).and_then(Object::as_dict) {
            dicts.push(res);
        }
        dicts.extend(self.dicts.iter().copied());
        Resources { dicts }
    }
}

fn page_text(doc: &Document, page_id: ObjectId) -> Result<String, lopdf::Error> {
    let (direct, inherited) = doc.get_page_resources(page_id)?;
    let resources = Resources {
        dicts: direct
            .into_iter()
            .chain(
                inherited
                    .iter()
                    .filter_map(|id| doc.get_dictionary(*id).ok()),
            )
            .collect(),
    };
    let content = doc.get_page_content_with_limit(page_id, PAGE_BUDGET)?;
    let mut walker = Walker {
        doc,
        budget: PAGE_BUDGET.saturating_sub(content.len()),
        out: String::new(),
        forms: Vec::new(),
    };
    walker.run(&content, &resources)?;

    let page = doc.get_dictionary(page_id)?;
    if let Ok(annots) = page.get_deref(b"Annots", doc).and_then(Object::as_array) {
        for annot in annots {
            let Ok(annot) = doc.dereference(annot).and_then(|(_, a)| a.as_dict()) else {
                continue;
            };
            walker.annotation(annot, &resources)?;
        }
    }
    Ok(walker.out.trim_end().to_owned())
}

fn limit_error() -> lopdf::Error {
    lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { limit: PAGE_BUDGET })
}

fn syntax(message: &str) -> lopdf::Error {
    lopdf::Error::Syntax(message.to_owned())
}

struct Walker<'a> {
    doc: &'a Document,
    /// Decompressed bytes this page may still read.
    budget: usize,
    out: String,
    /// Form XObjects being drawn (cycle guard).
    forms: Vec<ObjectId>,
}

impl<'a> Walker<'a> {
    /// Interpret one content stream, appending its text.
    fn run(&mut self, data: &[u8], resources: &Resources<'a>) -> Result<(), lopdf::Error> {
        let content = Content::decode(data)?;
        let mut font: Option<Encoding<'a>> = None;
        for op in &content.operations {
            match op.operator.as_str() {
                "Tf" => {
                    let name = op
                        .operands
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .ok_or_else(|| syntax("Tf without a font name"))?;
                    let dict = resources
                        .lookup(self.doc, b"Font", name)
                        .and_then(|f| self.doc.dereference(f).ok())
                        .and_then(|(_, f)| f.as_dict().ok())
                        .ok_or_else(|| {
                            syntax(&format!(
                                "font /{} not found",
                                String::from_utf8_lossy(name)
                            ))
                        })?;
                    font = Some(dict.get_font_encoding_with_limit(self.doc, self.budget)?);
                }
                "Tj" | "TJ" => self.show(font.as_ref(), &op.operands)?,
                "'" => {
                    self.separate('\n');
                    self.show(font.as_ref(), &op.operands)?;
                }
                "\"" => {
                    self.separate('\n');
                    self.show(font.as_ref(), op.operands.get(2..).unwrap_or(&[]))?;
                }
                "T*" | "ET" => self.separate('\n'),
                "Td" | "TD" | "Tm" => self.separate(' '),
                "Do" => {
                    if let Some(name) = op.operands.first().and_then(|o| o.as_name().ok())
                        && let Some(xobject) = resources.lookup(self.doc, b"XObject", name)
                    {
                        self.form(xobject, resources)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Append a separator unless the text is empty or already ends in whitespace.
    fn separate(&mut self, sep: char) {
        if self.out.chars().last().is_some_and(|c| !c.is_whitespace()) {
            self.out.push(sep);
        }
    }

    /// The string operands of a text-showing operator.
    fn show(
        &mut self,
        font: Option<&Encoding<'a>>,
        operands: &[Object],
    ) -> Result<(), lopdf::Error> {
        for operand in operands {
            match operand {
                Object::String(bytes, _) if bytes.is_empty() => {}
                Object::String(bytes, _) => {
                    let font = font.ok_or_else(|| syntax("text shown before a font was set"))?;
                    font.write_to_string(bytes, &mut self.out)?;
                }
                Object::Array(items) => self.show(font, items)?,
                // A wide gap in a TJ array separates words.
                Object::Integer(gap) if *gap < -100 => self.separate(' '),
                Object::Real(gap) if *gap < -100.0 => self.separate(' '),
                _ => {}
            }
        }
        Ok(())
    }

    /// `Do`: draw a form XObject (images and other XObjects carry no text).
    fn form(&mut self, xobject: &'a Object, resources: &Resources<'a>) -> Result<(), lopdf::Error> {
        let (id, object) = self.doc.dereference(xobject)?;
        let Ok(stream) = object.as_stream() else {
            return Ok(());
        };
        if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form".as_slice()) {
            return Ok(());
        }
        if let Some(id) = id
            && self.forms.contains(&id)
        {
            return Err(lopdf::Error::ReferenceCycle(id));
        }
        if self.forms.len() >= MAX_FORM_DEPTH {
            return Err(lopdf::Error::RecursionLimit);
        }
        let data = stream.get_plain_content_with_limit(self.budget)?;
        self.budget = self
            .budget
            .checked_sub(data.len())
            .ok_or_else(limit_error)?;
        let resources = resources.with(self.doc, &stream.dict);
        // A reference-less (direct) stream cannot recur; push a placeholder id all the same so
        // the depth count stays right.
        self.forms.push(id.unwrap_or((0, 0)));
        let result = self.run(&data, &resources);
        self.forms.pop();
        self.separate('\n');
        result
    }

    /// An annotation: its normal appearance (every state), comment and field value.
    fn annotation(
        &mut self,
        annot: &'a Dictionary,
        page: &Resources<'a>,
    ) -> Result<(), lopdf::Error> {
        if let Ok(normal) = annot
            .get_deref(b"AP", self.doc)
            .and_then(Object::as_dict)
            .and_then(|ap| ap.get(b"N"))
        {
            match self.doc.dereference(normal)?.1 {
                Object::Stream(_) => self.form(normal, page)?,
                Object::Dictionary(states) => {
                    for (_, state) in states.iter() {
                        self.form(state, page)?;
                    }
                }
                _ => {}
            }
        }
        for key in [b"Contents".as_slice(), b"V".as_slice()] {
            if let Ok(value) = annot.get_deref(key, self.doc)
                && matches!(value, Object::String(..))
            {
                let text = lopdf::decode_text_string(value)?;
                if !text.trim().is_empty() {
                    self.separate('\n');
                    self.out.push_str(&text);
                    self.separate('\n');
                }
            }
        }
        Ok(())
    }
}
