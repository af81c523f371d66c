#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `docx_text`: the text of generated and hand-made DOCX files, and errors on anything else.

mod common;

use std::io::{Cursor, Write};

use common::package::{paragraph_texts, part};
use onewindow_documents::{
    DocumentError, GuideMeta, NoticeDoc, NoticeTable, docx_text, guide_docx, notice_docx,
};
use proptest::prelude::*;

fn s(x: &str) -> String {
    x.to_string()
}

/// A zip package with the given parts (stored uncompressed or deflated).
fn zip_with(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A DOCX whose `word/document.xml` has the given body.
fn docx_with_body(body: &str) -> Vec<u8> {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{body}</w:body></w:document>"#
    );
    zip_with(&[("word/document.xml", xml.as_bytes())])
}

fn read_error(result: Result<String, DocumentError>) -> String {
    match result {
        Err(e @ DocumentError::DocxRead(_)) => e.to_string(),
        other => panic!("expected DocxRead, got {other:?}"),
    }
}

#[test]
fn notice_text_comes_back() {
    let notice = NoticeDoc {
        title: s("不予受理通知书"),
        number: s("泉行服不受〔2026〕000045号"),
        issuer: s("泉州市行政服务中心"),
        recipient: s("李**："),
        paragraphs: vec![
            s("您于2026年11月24日申请的“食品经营许可”事项，不属于本机关职权范围。"),
            s("请向“泉州市丰泽区市场监督管理局”提出申请 & 咨询 <窗口>。"),
        ],
        table: Some(NoticeTable {
            headers: vec![s("序号"), s("说明")],
            rows: vec![vec![s("1"), s("申请事项不属于本机关职权范围")]],
        }),
        closing: vec![s("如不服本决定，可依法申请行政复议。")],
        date: s("2026年11月25日"),
        footer: Some(s("本通知书一式两份。")),
    };
    let bytes = notice_docx(&notice).unwrap();
    let text = docx_text(&bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for expected in [
        "不予受理通知书",
        "泉行服不受〔2026〕000045号",
        "李**：",
        "您于2026年11月24日申请的“食品经营许可”事项，不属于本机关职权范围。",
        "请向“泉州市丰泽区市场监督管理局”提出申请 & 咨询 <窗口>。",
        "序号",
        "申请事项不属于本机关职权范围",
        "如不服本决定，可依法申请行政复议。",
        "泉州市行政服务中心",
        "2026年11月25日",
        "本通知书一式两份。",
    ] {
        assert!(
            lines.contains(&expected),
            "{expected} missing from {lines:?}"
        );
    }
    // The same paragraphs, in the same order, as the tests' own reader of the package.
    let xml = part(&bytes, "word/document.xml");
    assert_eq!(text, paragraph_texts(&xml).join("\n"));
}

#[test]
fn guide_text_comes_back() {
    let meta = GuideMeta {
        site_name: s("泉州市行政服务中心"),
        version: 3,
        published_at: Some(s("2026-11-25")),
        url: s("https://zwfw.quanzhou.gov.cn/items/1135050000301005241000109001000"),
    };
    for guide in common::all() {
        let bytes = guide_docx(&guide, &meta).unwrap();
        let text = docx_text(&bytes).unwrap();
        assert!(text.contains(&guide.name), "{}", guide.name);
        assert!(text.contains(&guide.department));
        // The same text as the tests' own reader of the package, which ignores `<w:br/>`.
        let paragraphs = paragraph_texts(&part(&bytes, "word/document.xml"));
        assert_eq!(text.replace('\n', ""), paragraphs.concat());
    }
    // A line break inside an answer (`<w:br/>`) starts a new line.
    let bytes = guide_docx(&common::company_registration(), &meta).unwrap();
    let text = docx_text(&bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.contains(&"可先通过企业名称自主申报系统查询。"),
        "{lines:?}"
    );
}

#[test]
fn runs_tabs_breaks_and_entities() {
    let body = concat!(
        // Tab stops in the paragraph properties are not tabs.
        r#"<w:p w:rsidR="00A1"><w:pPr><w:tabs><w:tab w:val="left" w:pos="840"/></w:tabs></w:pPr>"#,
        r#"<w:r><w:t>第一条</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve"> 为了规范 </w:t></w:r>"#,
        r#"<w:r><w:t>政府信息公开</w:t><w:br/><w:t>工作</w:t></w:r></w:p>"#,
        r#"<w:p/>"#,
        r#"<w:p><w:r><w:t>A &amp; B &lt;C&gt; &quot;D&quot; &apos;E&apos; &#20013;&#x6587;</w:t></w:r>"#,
        r#"<w:del><w:r><w:delText>删除的文字</w:delText></w:r></w:del>"#,
        r#"<w:r><w:instrText> PAGE </w:instrText></w:r></w:p>"#,
        // A text box: the choice is read, the fallback copy is not.
        r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:t>文本框</w:t></mc:Choice>"#,
        r#"<mc:Fallback><w:t>文本框</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>"#,
        r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>单元格</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
    );
    assert_eq!(
        docx_text(&docx_with_body(body)).unwrap(),
        "第一条\t 为了规范 政府信息公开\n工作\n\nA & B <C> \"D\" 'E' 中文\n文本框\n单元格"
    );
}

#[test]
fn empty_document_has_no_text() {
    assert_eq!(docx_text(&docx_with_body("")).unwrap(), "");
}

#[test]
fn not_a_zip_is_an_error() {
    for bytes in [
        &b""[..],
        b"PK",
        b"%PDF-1.4\n",
        "政府信息公开申请表".as_bytes(),
    ] {
        let message = read_error(docx_text(bytes));
        assert!(message.contains("不是 DOCX 文件"), "{message}");
    }
}

#[test]
fn zip_without_document_is_an_error() {
    let bytes = zip_with(&[("word/styles.xml", b"<w:styles/>")]);
    let message = read_error(docx_text(&bytes));
    assert!(message.contains("缺少 word/document.xml"), "{message}");
}

#[test]
fn broken_document_xml_is_an_error() {
    for xml in [
        &b"<w:document><w:body><w:p></w:body></w:document>"[..],
        b"<w:p><w:r><w:t>&nbsp;</w:t></w:r></w:p>",
        b"<w:p><w:r><w:t>&#0;</w:t></w:r></w:p>",
        b"<w:p><w:r><w:t>\xff\xfe</w:t></w:r></w:p>",
    ] {
        let bytes = zip_with(&[("word/document.xml", xml)]);
        read_error(docx_text(&bytes));
    }
}

#[test]
fn truncated_docx_is_an_error() {
    let bytes = notice_docx(&NoticeDoc {
        title: s("受理通知书"),
        ..NoticeDoc::default()
    })
    .unwrap();
    for len in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        read_error(docx_text(&bytes[..len]));
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = docx_text(&bytes);
        let mut zip_like = b"PK\x03\x04".to_vec();
        zip_like.extend_from_slice(&bytes);
        let _ = docx_text(&zip_like);
    }

    #[test]
    fn arbitrary_document_xml_never_panics(
        xml in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..512),
            "(<w:p>|</w:p>|<w:t>|</w:t>|<w:tab/>|<w:br/>|<w:pPr>|</w:pPr>|<mc:Fallback>|</mc:Fallback>|&amp;|&#[0-9x]{0,8};|&[a-z]{0,4};|[中文a<>&;]){0,40}"
                .prop_map(String::into_bytes),
        ]
    ) {
        let _ = docx_text(&zip_with(&[("word/document.xml", &xml)]));
    }

    #[test]
    fn damaged_docx_never_panics(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = notice_docx(&NoticeDoc { title: s("告知书"), ..NoticeDoc::default() }).unwrap();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = docx_text(&bytes);
    }
}
