//! `pdf_text`: text extraction for the redaction check, on PDFs assembled by hand here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use onewindow_documents::{DocumentError, pdf_text};
use onewindow_domain::disclosure::redaction::{FindingKind, scan};

/// Assemble a PDF 1.4 file from object bodies; `objects[i]` becomes object `i + 1 0 obj`, and
/// object 1 must be the catalog. The xref table's offsets are computed from the bytes written;
/// `trailer_extra` goes into the trailer dictionary.
fn assemble(objects: &[String], trailer_extra: &str) -> Vec<u8> {
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref_at = out.len();
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        xref.push_str(&format!("{offset:010} 00000 n \n"));
    }
    xref.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref_at}\n%%EOF\n",
        objects.len() + 1
    ));
    out.extend_from_slice(xref.as_bytes());
    out
}

/// A stream object with `extra` dictionary entries.
fn stream(extra: &str, data: &str) -> String {
    format!(
        "<< /Length {} {extra} >>\nstream\n{data}\nendstream",
        data.len()
    )
}

/// A PDF literal string.
fn literal(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)");
    format!("({escaped})")
}

/// Content stream showing `lines` in Helvetica (`/F1`), one text object per line.
fn text_content(lines: &[&str]) -> String {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            format!(
                "BT /F1 12 Tf 72 {} Td {} Tj ET",
                720 - 20 * i,
                literal(line)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const FONT: &str =
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

/// A page: its content stream (`None`: no `/Contents`), extra `/Resources` entries (`/F1` is
/// always Helvetica, object 3) and extra page dictionary entries.
#[derive(Default)]
struct Page {
    content: Option<String>,
    resources: &'static str,
    extra: &'static str,
}

impl Page {
    fn content(content: &str) -> Page {
        Page {
            content: Some(content.to_string()),
            ..Page::default()
        }
    }
}

/// Objects: 1 catalog, 2 page tree, 3 font, then page and content stream per page, then
/// `extra_objects` (so with one page they start at object 6).
fn pdf_with(pages: &[Page], extra_objects: &[String]) -> Vec<u8> {
    let first_page = 4;
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", first_page + 2 * i))
        .collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        ),
        FONT.to_string(),
    ];
    for (i, page) in pages.iter().enumerate() {
        let page_id = first_page + 2 * i;
        let contents = match page.content {
            Some(_) => format!("/Contents {} 0 R", page_id + 1),
            None => String::new(),
        };
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
             /Resources << /Font << /F1 3 0 R >> {} >> {contents} {} >>",
            page.resources, page.extra
        ));
        objects.push(stream("", page.content.as_deref().unwrap_or("")));
    }
    objects.extend(extra_objects.iter().cloned());
    assemble(&objects, "")
}

fn pdf(pages: &[&[&str]]) -> Vec<u8> {
    let pages: Vec<Page> = pages
        .iter()
        .map(|lines| Page::content(&text_content(lines)))
        .collect();
    pdf_with(&pages, &[])
}

fn pdf_err(bytes: &[u8]) -> String {
    match pdf_text(bytes) {
        Err(DocumentError::Pdf(message)) => message,
        other => panic!("expected DocumentError::Pdf, got {other:?}"),
    }
}

#[test]
fn one_page_text_with_id_and_mobile() {
    let bytes = pdf(&[&["ID 350503198506150026 tel 13812345678"]]);
    let text = pdf_text(&bytes).unwrap();
    assert_eq!(text, "ID 350503198506150026 tel 13812345678");

    let kinds: Vec<FindingKind> = scan(&text, &[]).iter().map(|f| f.kind).collect();
    assert_eq!(kinds, vec![FindingKind::ResidentId, FindingKind::Mobile]);
}

#[test]
fn pages_in_order_separated_by_newline() {
    let bytes = pdf(&[&["first page", "line two"], &["second page"]]);
    assert_eq!(
        pdf_text(&bytes).unwrap(),
        "first page\nline two\nsecond page"
    );
}

#[test]
fn text_positioning_keeps_numbers_apart() {
    // Two numbers drawn side by side in one text object must not merge into one digit run
    // (which would hide the mobile number from the scanner).
    let content = "BT /F1 12 Tf 72 720 Td (2020) Tj 40 0 Td (13812345678) Tj ET";
    let bytes = pdf_with(&[Page::content(content)], &[]);
    let text = pdf_text(&bytes).unwrap();
    assert_eq!(text, "2020 13812345678");
    assert_eq!(scan(&text, &[]).len(), 1);
}

#[test]
fn tj_array_text_is_joined() {
    let content = "BT /F1 12 Tf 72 720 Td [(138) -20 (1234) 15 (5678)] TJ ET";
    let bytes = pdf_with(&[Page::content(content)], &[]);
    assert_eq!(pdf_text(&bytes).unwrap(), "13812345678");
}

#[test]
fn empty_page_gives_empty_text() {
    let without_contents = pdf_with(&[Page::default()], &[]);
    assert_eq!(pdf_text(&without_contents).unwrap(), "");
    let graphics_only = pdf_with(&[Page::content("0 0 m 100 100 l S")], &[]);
    assert_eq!(pdf_text(&graphics_only).unwrap(), "");
}

#[test]
fn text_in_form_xobject_found() {
    // Page 1 draws form XObject 6, which shows the text with its own font resources.
    let form = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F9 3 0 R >> >>",
        "BT /F9 12 Tf 72 700 Td (Wang Wu 13812345678) Tj ET",
    );
    let page = Page {
        resources: "/XObject << /X1 6 0 R >>",
        ..Page::content("q /X1 Do Q")
    };
    let bytes = pdf_with(&[page], &[form]);
    let text = pdf_text(&bytes).unwrap();
    assert_eq!(text, "Wang Wu 13812345678");
}

#[test]
fn self_referencing_form_is_an_error() {
    let form = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X1 6 0 R >> >>",
        "/X1 Do",
    );
    let page = Page {
        resources: "/XObject << /X1 6 0 R >>",
        ..Page::content("/X1 Do")
    };
    let bytes = pdf_with(&[page], &[form]);
    assert!(pdf_err(&bytes).contains("第 1 页"));
}

#[test]
fn annotation_comment_and_appearance_found() {
    let annot = "<< /Type /Annot /Subtype /Text /Rect [0 0 20 20] \
                 /Contents (applicant Zhang San) /AP << /N 7 0 R >> >>"
        .to_string();
    let appearance = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 20 20] /Resources << /Font << /F1 3 0 R >> >>",
        "BT /F1 8 Tf 0 0 Td (13912345678) Tj ET",
    );
    let page = Page {
        extra: "/Annots [6 0 R]",
        ..Page::content(&text_content(&["body"]))
    };
    let bytes = pdf_with(&[page], &[annot, appearance]);
    let text = pdf_text(&bytes).unwrap();
    assert!(text.starts_with("body\n"), "{text:?}");
    assert!(text.contains("13912345678"), "{text:?}");
    assert!(text.contains("applicant Zhang San"), "{text:?}");
}

#[test]
fn garbage_is_an_error() {
    assert!(pdf_err(b"").contains("不是 PDF"));
    assert!(pdf_err(b"hello, this is plain text").contains("不是 PDF"));
    assert!(pdf_err(&[0xFF; 4096]).contains("不是 PDF"));
    // A PDF header followed by garbage.
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((0..2000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    pdf_err(&bytes);
}

#[test]
fn damaged_files_never_panic() {
    let good = pdf(&[&["ID 350503198506150026"], &["tel 13812345678"]]);
    for len in 0..good.len() {
        let _ = pdf_text(&good[..len]);
    }
    for at in 0..good.len() {
        let mut bad = good.clone();
        bad[at] ^= 0x5A;
        let _ = pdf_text(&bad);
    }
    // ... and the intact file still reads.
    assert!(pdf_text(&good).unwrap().contains("13812345678"));
}

#[test]
fn font_missing_from_resources_is_an_error() {
    let content = "BT /F7 12 Tf 72 720 Td (13812345678) Tj ET";
    let bytes = pdf_with(&[Page::content(content)], &[]);
    assert!(pdf_err(&bytes).contains("F7"));
}

#[test]
fn encrypted_with_unknown_password_is_an_error() {
    // A standard security handler dictionary whose /O and /U match no password.
    let encrypt = format!(
        "<< /Filter /Standard /V 1 /R 2 /O <{o}> /U <{u}> /P -4 >>",
        o = "11".repeat(32),
        u = "22".repeat(32)
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_string(),
        encrypt,
    ];
    let id = "<00112233445566778899AABBCCDDEEFF>";
    let bytes = assemble(&objects, &format!("/Encrypt 4 0 R /ID [{id} {id}]"));
    assert!(pdf_err(&bytes).contains("加密"));
}

#[test]
fn encrypted_with_empty_user_password_is_an_error() {
    use lopdf::{Document, EncryptionState, EncryptionVersion, Object, Permissions, StringFormat};

    let plain = pdf(&[&["tel 13812345678"]]);
    let mut doc = Document::load_mem(&plain).unwrap();
    let file_id = Object::String(vec![0x5A; 16], StringFormat::Hexadecimal);
    doc.trailer.set("ID", vec![file_id.clone(), file_id]);
    let version = EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "",
        key_length: 128,
        permissions: Permissions::default(),
    };
    let state = EncryptionState::try_from(version).unwrap();
    doc.encrypt(&state).unwrap();
    let mut encrypted = Vec::new();
    doc.save_to(&mut encrypted).unwrap();
    assert!(!encrypted.windows(11).any(|w| w == b"13812345678"));

    assert!(pdf_err(&encrypted).contains("加密"));
}
