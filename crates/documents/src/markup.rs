//! The body of a government information item (政府信息公开), written by an officer in CommonMark:
//! safe HTML for the page and plain text for search and snippets.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// A rendered body, see [`render_markup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// HTML fragment for the page below its `<h1>` title. Contains no raw HTML from the source.
    pub html: String,
    /// Plain text for search indexing and snippets: one line per block (paragraph, heading,
    /// list item, table cell, line of a code block …), each trimmed, no empty lines, no markup
    /// and no HTML entities.
    pub text: String,
}

/// Renders a body written in CommonMark (with tables and `~~strikethrough~~`).
///
/// The output is safe to embed in a page:
///
/// * raw HTML of the source, block or inline, appears as text (escaped), never as markup;
/// * a link or image keeps its destination only if it is relative (starts with `/`, `#`, or has
///   no scheme) or uses `http:`, `https:` or `mailto:`; with any other scheme (`javascript:`,
///   `data:`, `vbscript:` …) the link is dropped but its text kept, and the image is dropped but
///   its alt text kept;
/// * headings are shifted one level down, so that the highest is `<h2>` (the page holds the
///   `<h1>`): `#` → `<h2>`, `##` → `<h3>` …, `#####` and `######` → `<h6>`.
///
/// Line breaks inside a paragraph become line breaks of [`Rendered::text`]. As CommonMark
/// requires, U+0000 is read as U+FFFD.
pub fn render_markup(src: &str) -> Rendered {
    let events = safe_events(src);
    let mut html = String::new();
    html::push_html(&mut html, events.iter().cloned());
    Rendered {
        html,
        text: plain_text(&events),
    }
}

/// Converts plain text whose paragraphs are separated by line breaks (`\n`, `\r\n` or `\r`; the
/// format of documents imported from the old website) into CommonMark source: each non-blank
/// line, trimmed, becomes a paragraph of its own, and every character that CommonMark would
/// read as markup is escaped with a backslash.
///
/// `render_markup(&paragraphs_to_markup(t)).text` is the non-blank trimmed lines of `t` joined
/// with `"\n"` (for text without U+0000, see [`render_markup`]).
pub fn paragraphs_to_markup(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(escape_line)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Escapes one trimmed line so that it reads as a paragraph of exactly its characters.
fn escape_line(line: &str) -> String {
    // `1.` or `1)` at the start of a line opens an ordered list.
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let mut out = String::with_capacity(line.len() + 8);
    for (i, c) in line.char_indices() {
        let block_marker = (i == 0 && matches!(c, '#' | '-' | '+' | '>'))
            || (digits > 0 && i == digits && matches!(c, '.' | ')'));
        let inline_marker = matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '&' | '|' | '~'
        );
        if block_marker || inline_marker {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The parsed source with raw HTML turned into text, unsafe links and images removed and
/// headings shifted.
fn safe_events(src: &str) -> Vec<Event<'_>> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // For each open link or image: whether it was kept, so that its end follows suit.
    let mut kept = Vec::new();
    let mut out = Vec::new();
    for event in Parser::new_ext(src, options) {
        let event = match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => Event::Start(Tag::Heading {
                level: shifted(level),
                id,
                classes,
                attrs,
            }),
            Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(shifted(level))),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if !is_safe_destination(&dest_url) =>
            {
                kept.push(false);
                continue;
            }
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                kept.push(true);
                Event::Start(tag)
            }
            Event::End(end @ (TagEnd::Link | TagEnd::Image)) => {
                if kept.pop() == Some(false) {
                    continue;
                }
                Event::End(end)
            }
            other => other,
        };
        out.push(event);
    }
    out
}

/// One heading level lower, `<h6>` at most.
fn shifted(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// Whether a link or image destination is relative or uses `http:`, `https:` or `mailto:`.
fn is_safe_destination(dest: &str) -> bool {
    // Browsers ignore surrounding spaces and control characters and drop tabs and line breaks
    // anywhere, so `java\tscript:` is `javascript:`.
    let dest: String = dest
        .trim_matches(|c: char| c.is_whitespace() || c.is_control())
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    // A scheme is whatever precedes a `:` that comes before any `/`, `?` or `#`.
    match dest.find([':', '/', '?', '#']) {
        Some(i) if dest[i..].starts_with(':') => {
            let scheme = &dest[..i];
            ["http", "https", "mailto"]
                .iter()
                .any(|allowed| scheme.eq_ignore_ascii_case(allowed))
        }
        _ => true,
    }
}

/// The text of the events, one line per block, lines trimmed, empty lines dropped.
fn plain_text(events: &[Event<'_>]) -> String {
    let mut raw = String::new();
    for event in events {
        match event {
            Event::Text(text)
            | Event::Code(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text) => raw.push_str(text),
            Event::Start(tag) if !is_inline(&tag.to_end()) => raw.push('\n'),
            Event::End(end) if !is_inline(end) => raw.push('\n'),
            Event::SoftBreak | Event::HardBreak | Event::Rule => raw.push('\n'),
            _ => {}
        }
    }
    raw.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a tag is a span inside a block (its text runs on with the text around it).
fn is_inline(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        for safe in [
            "",
            "/zwgk/2026/1.html",
            "#附件",
            "?page=2",
            "附件/通知.pdf",
            "./a:b",
            "http://www.gov.cn",
            "HTTPS://www.gov.cn/a?b=c:d",
            " mailto:gkb@qz.gov.cn ",
            "ht\ttps://www.gov.cn",
        ] {
            assert!(is_safe_destination(safe), "{safe:?}");
        }
        for unsafe_ in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " \u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{3000}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "ftp://example.com/",
            "a:b",
        ] {
            assert!(!is_safe_destination(unsafe_), "{unsafe_:?}");
        }
    }

    #[test]
    fn heading_levels_shift_down_to_h6() {
        assert_eq!(shifted(HeadingLevel::H1), HeadingLevel::H2);
        assert_eq!(shifted(HeadingLevel::H4), HeadingLevel::H5);
        assert_eq!(shifted(HeadingLevel::H5), HeadingLevel::H6);
        assert_eq!(shifted(HeadingLevel::H6), HeadingLevel::H6);
    }
}
