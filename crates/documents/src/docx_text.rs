//! Text of a DOCX file, for search indexing of attachments.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesRef, Event};

use crate::error::DocumentError;

/// Largest `word/document.xml` read, uncompressed; a zip bomb stops here.
const MAX_DOCUMENT_XML: u64 = 50 * 1024 * 1024;

/// The text of the main document part (`word/document.xml`) of a DOCX file: the text of the
/// `<w:t>` elements, one line per paragraph (`<w:p>`, table-cell paragraphs included), a tab
/// for `<w:tab/>`, a line break for `<w:br/>` and `<w:cr/>`, XML entities and character
/// references decoded. Tab stops (`<w:tabs>` in the paragraph properties), deleted text and
/// field codes are not text; of a shape with alternative content (`<mc:AlternateContent>`) only
/// the first choice is read, not the fallback copy.
///
/// Not read: headers, footers, footnotes, comments.
///
/// # Errors
///
/// [`DocumentError::DocxRead`] if the bytes are not a zip package, have no readable
/// `word/document.xml`, that part is larger than 50 MB uncompressed, is not UTF-8, or is not
/// well-formed XML.
pub fn docx_text(bytes: &[u8]) -> Result<String, DocumentError> {
    document_text(&document_xml(bytes, MAX_DOCUMENT_XML)?)
}

fn read_err(message: impl Into<String>) -> DocumentError {
    DocumentError::DocxRead(message.into())
}

/// The part `word/document.xml`, refusing more than `limit` bytes uncompressed.
fn document_xml(bytes: &[u8], limit: u64) -> Result<String, DocumentError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| read_err(format!("不是 DOCX 文件（ZIP 包无法打开：{e}）")))?;
    let part = zip.by_name("word/document.xml").map_err(|e| match e {
        zip::result::ZipError::FileNotFound => read_err("缺少 word/document.xml"),
        e => read_err(format!("word/document.xml 无法读取：{e}")),
    })?;
    let too_large = || read_err(format!("word/document.xml 超过 {limit} 字节"));
    if part.size() > limit {
        return Err(too_large());
    }
    // The declared size may lie: never read more than one byte past the limit.
    let mut xml = Vec::new();
    part.take(limit + 1)
        .read_to_end(&mut xml)
        .map_err(|e| read_err(format!("word/document.xml 无法解压：{e}")))?;
    if xml.len() as u64 > limit {
        return Err(too_large());
    }
    let xml = String::from_utf8(xml).map_err(|_| read_err("word/document.xml 不是 UTF-8 编码"))?;
    Ok(match xml.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => xml,
    })
}

/// The text of WordprocessingML, see [`docx_text`].
fn document_text(xml: &str) -> Result<String, DocumentError> {
    let xml_err = |e: quick_xml::Error| read_err(format!("word/document.xml 格式错误：{e}"));
    let mut reader = Reader::from_str(xml);
    let mut state = State::default();
    loop {
        match reader.read_event().map_err(xml_err)? {
            Event::Start(e) => state.open(e.name().as_ref()),
            Event::Empty(e) => {
                state.open(e.name().as_ref());
                state.close(e.name().as_ref());
            }
            Event::End(e) => state.close(e.name().as_ref()),
            Event::Text(t) if state.in_text() => state.line.push_str(&t.xml10_content()),
            Event::CData(t) if state.in_text() => {
                state.line.push_str(&t);
            }
            Event::GeneralRef(r) if state.in_text() => state.line.push_str(&resolve(&r)?),
            Event::Eof => break,
            _ => {}
        }
    }
    if !state.line.is_empty() {
        state.lines.push(state.line);
    }
    Ok(state.lines.join("\n"))
}

/// The text of an entity or character reference (`&amp;`, `&#20013;`, `&#x4E2D;`).
fn resolve(reference: &BytesRef<'_>) -> Result<String, DocumentError> {
    let invalid = || read_err(format!("word/document.xml 含无效实体 &{};", &**reference));
    match reference.resolve_char_ref().map_err(|_| invalid())? {
        Some(c) => Ok(c.to_string()),
        None => resolve_xml_entity(reference)
            .map(str::to_string)
            .ok_or_else(invalid),
    }
}

/// Where the scanner is in the document, and the text so far.
#[derive(Default)]
struct State {
    lines: Vec<String>,
    line: String,
    /// Inside `<w:t>`.
    text: bool,
    /// Depth of `<w:pPr>`, whose `<w:tabs><w:tab …/>` are tab stops, not tabs.
    properties: usize,
    /// Depth of `<mc:Fallback>`, a second copy of the content before it.
    fallback: usize,
}

impl State {
    fn in_text(&self) -> bool {
        self.text && self.fallback == 0
    }

    fn open(&mut self, name: &str) {
        if name == "mc:Fallback" {
            self.fallback += 1;
        }
        if self.fallback > 0 {
            return;
        }
        match name {
            "w:t" => self.text = true,
            "w:pPr" => self.properties += 1,
            "w:tab" if self.properties == 0 => self.line.push('\t'),
            "w:br" | "w:cr" => self.line.push('\n'),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        if name == "mc:Fallback" {
            self.fallback = self.fallback.saturating_sub(1);
        }
        if self.fallback > 0 {
            return;
        }
        match name {
            "w:t" => self.text = false,
            "w:pPr" => self.properties = self.properties.saturating_sub(1),
            "w:p" => self.lines.push(std::mem::take(&mut self.line)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_with(name: &str, content: &[u8]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file(name, options).unwrap();
        zip.write_all(content).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn part_over_the_limit_is_refused() {
        let docx = zip_with("word/document.xml", &[b' '; 101]);
        assert!(document_xml(&docx, 101).is_ok());
        let err = document_xml(&docx, 100).unwrap_err().to_string();
        assert!(err.contains("超过 100 字节"), "{err}");
    }
}
