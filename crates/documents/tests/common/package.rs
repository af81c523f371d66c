//! Reading generated DOCX packages back: parts of the zip and the text of WordprocessingML.

use std::io::{Cursor, Read};

/// One part of a package (e.g. `word/document.xml`) as text; panics if it is missing.
pub fn part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip package");
    let mut xml = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} is missing"))
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text of every paragraph (`w:p`) of a WordprocessingML fragment, in document order,
/// with entities decoded: one entry per paragraph, table-cell paragraphs included.
pub fn paragraph_texts(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    let mut pos = 0;
    while let Some(start) = xml[pos..].find('<').map(|i| i + pos) {
        let end = xml[start..].find('>').map(|i| i + start).expect("tag end");
        let tag = &xml[start + 1..end];
        let self_closing = tag.ends_with('/');
        let name = tag.trim_end_matches('/').split(' ').next().unwrap_or("");
        match name {
            "w:p" if self_closing => out.push(String::new()),
            "w:p" => current = Some(String::new()),
            "/w:p" => out.push(current.take().expect("</w:p> without <w:p>")),
            "w:t" if !self_closing => {
                let text_end = xml[end..].find('<').map(|i| i + end).expect("</w:t>");
                current
                    .as_mut()
                    .expect("w:t outside a paragraph")
                    .push_str(&unescape(&xml[end + 1..text_end]));
            }
            _ => {}
        }
        pos = end + 1;
    }
    out
}

/// The XML of each element `<tag …>…</tag>` (not nested in itself), in document order.
pub fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open_plain = format!("<{tag}>");
    let open_attrs = format!("<{tag} ");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let next = [&open_plain, &open_attrs]
            .iter()
            .filter_map(|o| xml[pos..].find(o.as_str()))
            .min();
        let Some(start) = next.map(|i| i + pos) else {
            break;
        };
        let end = xml[start..].find(&close).expect("closing tag") + start + close.len();
        out.push(&xml[start..end]);
        pos = end;
    }
    out
}

/// Every table row of a WordprocessingML fragment as its cells' texts (a cell's paragraphs
/// joined by `\n`).
pub fn table_rows(xml: &str) -> Vec<Vec<String>> {
    elements(xml, "w:tr")
        .into_iter()
        .map(|tr| {
            elements(tr, "w:tc")
                .into_iter()
                .map(|tc| paragraph_texts(tc).join("\n"))
                .collect()
        })
        .collect()
}
