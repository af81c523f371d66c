//! The one error type of this crate.

/// Why a document could not be generated.
///
/// `Display` gives a Chinese message (the staff's language), like the domain errors.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The DOCX package could not be written.
    #[error("生成 Word 文档失败：{0}")]
    Docx(String),
    /// The XLSX workbook could not be written (e.g. a text longer than Excel's 32 767
    /// characters per cell).
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// A PDF file cannot be read with confidence: not a PDF, damaged, encrypted, or holding
    /// text that cannot be decoded (see [`pdf_text`](crate::pdf_text)).
    #[error("PDF 文件无法核查：{0}")]
    Pdf(String),
    /// The PDF file could not be written: none of the fonts given has Chinese glyphs, or the
    /// PDF writer failed (see [`report_pdf`](crate::report_pdf)).
    #[error("生成 PDF 文件失败：{0}")]
    PdfWrite(String),
    /// A QR code cannot be made of the payload: it is empty or longer than a QR code holds at
    /// error-correction level M (see [`qr_svg`](crate::qr_svg)).
    #[error("生成二维码失败：{0}")]
    QrCode(String),
    /// A table of the annual report is malformed (two cells overlap, or it is unreasonably
    /// large), so no document shows it.
    #[error("表格“{grid}”无效：{reason}")]
    InvalidGrid {
        /// [`Grid::name`](onewindow_domain::report::Grid) of the table.
        grid: String,
        /// What is wrong, in Chinese.
        reason: String,
    },
    /// A DOCX file cannot be read for its text: not a zip package, no `word/document.xml`, a
    /// document part over the size limit, or XML that does not parse (see
    /// [`docx_text`](crate::docx_text)).
    #[error("Word 文档无法读取：{0}")]
    DocxRead(String),
    /// A value of the document's metadata is malformed.
    #[error("文档信息“{field}”无效：{value}")]
    InvalidMeta {
        /// Machine name of the metadata field, e.g. `published_at`.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// A guide holds a value that the spreadsheet layout cannot carry without changing it on
    /// import (see the crate documentation for the cell rules), so the export was refused.
    #[error("事项“{task_code}”的字段 {field} 无法写入表格：{reason}")]
    Unrepresentable {
        /// 实施编码 of the item (may be empty if that is the problem).
        task_code: String,
        /// Field path, e.g. `keywords[1]` or `materials[0].basis`.
        field: String,
        /// Why, in Chinese.
        reason: String,
    },
}
