#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Numbered case notices: package structure, text in order, table padding, and LibreOffice.

mod common;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::package::{elements, paragraph_texts, part, table_rows};
use onewindow_documents::{NoticeDoc, NoticeTable, notice_docx};

fn s(x: &str) -> String {
    x.to_string()
}

/// 一次性告知书 with a 3-column table of 4 materials.
fn one_time_notice() -> NoticeDoc {
    NoticeDoc {
        title: s("一次性告知书"),
        number: s("泉行服告〔2026〕000123号"),
        issuer: s("泉州市行政服务中心"),
        recipient: s("张**："),
        paragraphs: vec![
            s(
                "您于2026年11月24日申请办理的“企业设立登记”事项（申请编号 QZ20261124000123），经审查，申请材料不齐全或者不符合法定形式。",
            ),
            s(
                "根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，现一次性告知您需要补正的全部内容如下：",
            ),
            s("请自收到本告知书之日起5个工作日内补正。"),
        ],
        table: Some(NoticeTable {
            headers: vec![s("序号"), s("材料名称"), s("补正要求")],
            rows: vec![
                vec![s("1"), s("公司登记（备案）申请书"), s("法定代表人签字")],
                vec![s("2"), s("公司章程"), s("全体股东签名（盖章）")],
                vec![s("3"), s("法定代表人身份证明"), s("提供有效期内的原件")],
                vec![
                    s("4"),
                    s("住所（经营场所）使用证明"),
                    s("与申请书填写的住所一致"),
                ],
            ],
        }),
        closing: vec![
            s("咨询电话：0595-22132218。"),
            s("如对本告知内容有异议，可依法申请行政复议或者提起行政诉讼。"),
        ],
        date: s("2026年11月25日"),
        footer: Some(s("本告知书一式两份，一份交申请人，一份存档。")),
    }
}

fn document_xml(n: &NoticeDoc) -> String {
    part(&notice_docx(n).unwrap(), "word/document.xml")
}

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|x| s(x)).collect()
}

#[test]
fn package_is_a_docx() {
    let bytes = notice_docx(&one_time_notice()).unwrap();
    assert!(bytes.starts_with(b"PK"));
    let zip = zip::ZipArchive::new(Cursor::new(&bytes)).expect("a valid zip");
    let names: Vec<&str> = zip.file_names().collect();
    for name in ["[Content_Types].xml", "word/document.xml", "_rels/.rels"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let types = part(&bytes, "[Content_Types].xml");
    assert!(
        types.contains(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        ),
        "{types}"
    );
}

#[test]
fn everything_is_printed_in_order() {
    let n = one_time_notice();
    let xml = document_xml(&n);
    let table = n.table.as_ref().unwrap();

    let mut expected = vec![n.title.clone(), n.number.clone(), n.recipient.clone()];
    expected.extend(n.paragraphs.iter().cloned());
    expected.extend(table.headers.iter().cloned());
    for row in &table.rows {
        expected.extend(row.iter().cloned());
    }
    expected.extend(n.closing.iter().cloned());
    expected.push(n.issuer.clone());
    expected.push(n.date.clone());
    expected.push(n.footer.clone().unwrap());
    assert_eq!(paragraph_texts(&xml), expected);

    // The cells really are in one table, header row first, three cells per row.
    let tables = elements(&xml, "w:tbl");
    assert_eq!(tables.len(), 1);
    let mut rows = vec![table.headers.clone()];
    rows.extend(table.rows.iter().cloned());
    assert_eq!(table_rows(tables[0]), rows);
    // The table sits between the body and the closing paragraphs.
    let tbl_at = xml.find("<w:tbl>").unwrap();
    assert!(xml.find(&n.paragraphs[2]).unwrap() < tbl_at);
    assert!(tbl_at < xml.find(&n.closing[0]).unwrap());
}

#[test]
fn layout() {
    let xml = document_xml(&one_time_notice());
    // A4 portrait.
    assert!(xml.contains("w:w=\"11906\" w:h=\"16838\""), "{xml}");
    let paragraphs = elements(&xml, "w:p");
    let find = |text: &str| {
        *paragraphs
            .iter()
            .find(|p| paragraph_texts(p) == [text])
            .unwrap_or_else(|| panic!("no paragraph {text}"))
    };
    // Title: centred, bold, 黑体, 二号; number centred under it.
    let title = find("一次性告知书");
    for needle in [
        "<w:jc w:val=\"center\" />",
        "<w:b />",
        "w:eastAsia=\"黑体\"",
        "<w:sz w:val=\"44\" />",
    ] {
        assert!(title.contains(needle), "title lacks {needle}: {title}");
    }
    assert!(find("泉行服告〔2026〕000123号").contains("<w:jc w:val=\"center\" />"));
    // Addressee flush left, body and closing indented two characters (2 × 12 pt = 480 twips).
    assert!(!find("张**：").contains("w:firstLine"));
    for text in [
        "请自收到本告知书之日起5个工作日内补正。",
        "咨询电话：0595-22132218。",
    ] {
        assert!(
            find(text).contains("w:firstLine=\"480\""),
            "{text} is not indented"
        );
    }
    // Issuer and date flush right.
    for text in ["泉州市行政服务中心", "2026年11月25日"] {
        assert!(
            find(text).contains("<w:jc w:val=\"right\" />"),
            "{text} is not right-aligned"
        );
    }
    // Footer in small print.
    assert!(find("本告知书一式两份，一份交申请人，一份存档。").contains("<w:sz w:val=\"18\" />"));

    // Bordered table, bold header row only.
    let table = elements(&xml, "w:tbl")[0];
    let borders = elements(table, "w:tblBorders");
    assert_eq!(borders.len(), 1, "{table}");
    for side in [
        "w:top",
        "w:left",
        "w:bottom",
        "w:right",
        "w:insideH",
        "w:insideV",
    ] {
        assert!(
            borders[0].contains(&format!("<{side} w:val=\"single\"")),
            "no {side} border: {}",
            borders[0]
        );
    }
    let rows = elements(table, "w:tr");
    assert_eq!(elements(rows[0], "w:tc").len(), 3);
    assert_eq!(rows[0].matches("<w:b />").count(), 3, "{}", rows[0]);
    for row in &rows[1..] {
        assert!(!row.contains("<w:b />"), "{row}");
    }
}

#[test]
fn no_table_no_closing_no_footer() {
    let n = NoticeDoc {
        title: s("受理通知书"),
        table: None,
        closing: vec![],
        footer: None,
        paragraphs: vec![s(
            "您申请的“企业设立登记”事项，申请材料齐全、符合法定形式，决定予以受理。",
        )],
        ..one_time_notice()
    };
    let xml = document_xml(&n);
    assert_eq!(
        paragraph_texts(&xml),
        strings(&[
            "受理通知书",
            "泉行服告〔2026〕000123号",
            "张**：",
            "您申请的“企业设立登记”事项，申请材料齐全、符合法定形式，决定予以受理。",
            "泉州市行政服务中心",
            "2026年11月25日",
        ])
    );
    assert!(!xml.contains("<w:tbl>"));
}

#[test]
fn empty_notice_and_empty_tables() {
    // Everything empty: still a valid package, no text at all.
    let bytes = notice_docx(&NoticeDoc::default()).unwrap();
    let xml = part(&bytes, "word/document.xml");
    assert_eq!(paragraph_texts(&xml), Vec::<String>::new());

    // A table without headers or rows prints nothing.
    for table in [
        NoticeTable::default(),
        NoticeTable {
            headers: vec![],
            rows: vec![vec![], vec![]],
        },
    ] {
        let n = NoticeDoc {
            table: Some(table),
            ..one_time_notice()
        };
        assert!(!document_xml(&n).contains("<w:tbl>"));
    }

    // Headers without rows: the header row alone.
    let n = NoticeDoc {
        table: Some(NoticeTable {
            headers: strings(&["序号", "材料名称"]),
            rows: vec![],
        }),
        ..one_time_notice()
    };
    assert_eq!(
        table_rows(&document_xml(&n)),
        vec![strings(&["序号", "材料名称"])]
    );

    // Rows without headers: no header row.
    let n = NoticeDoc {
        table: Some(NoticeTable {
            headers: vec![],
            rows: vec![strings(&["1", "身份证"])],
        }),
        ..one_time_notice()
    };
    let xml = document_xml(&n);
    assert_eq!(table_rows(&xml), vec![strings(&["1", "身份证"])]);
    assert!(!elements(&xml, "w:tbl")[0].contains("<w:b />"));
}

#[test]
fn short_rows_are_padded() {
    let n = NoticeDoc {
        table: Some(NoticeTable {
            headers: strings(&["序号", "材料名称", "补正要求"]),
            rows: vec![
                strings(&["1", "公司章程"]),
                vec![],
                strings(&["3", "身份证明", "原件", "备注"]),
            ],
        }),
        ..one_time_notice()
    };
    let xml = document_xml(&n);
    // The widest row sets the number of columns; nothing is dropped.
    assert_eq!(
        table_rows(&xml),
        vec![
            strings(&["序号", "材料名称", "补正要求", ""]),
            strings(&["1", "公司章程", "", ""]),
            strings(&["", "", "", ""]),
            strings(&["3", "身份证明", "原件", "备注"]),
        ]
    );
    // Four grid columns filling the 9026-twip text width.
    let grid = elements(&xml, "w:tblGrid");
    assert_eq!(grid.len(), 1);
    assert_eq!(grid[0].matches("<w:gridCol ").count(), 4, "{}", grid[0]);
}

#[test]
fn line_breaks_markup_and_control_characters() {
    let n = NoticeDoc {
        title: s("不予受理\n通知书"),
        recipient: s("<w:p>&\"'\u{1}某某公司："),
        paragraphs: vec![s("第一行\r\n第二行")],
        table: Some(NoticeTable {
            headers: strings(&["事项"]),
            rows: vec![strings(&["甲\n乙"])],
        }),
        ..one_time_notice()
    };
    let xml = document_xml(&n);
    assert!(xml.contains("&lt;w:p&gt;&amp;"));
    assert!(!xml.contains('\u{1}'));
    let texts = paragraph_texts(&xml);
    assert_eq!(
        &texts[..5],
        strings(&[
            "不予受理",
            "通知书",
            "泉行服告〔2026〕000123号",
            "<w:p>&\"'某某公司：",
            "第一行"
        ])
    );
    assert_eq!(texts[5], "第二行");
    assert_eq!(table_rows(&xml)[1], strings(&["甲\n乙"]));
}

fn note(msg: &str) {
    writeln!(std::io::stderr().lock(), "note: {msg}").unwrap();
}

/// `libreoffice` or `soffice` on `PATH`, if any.
fn libreoffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["libreoffice", "soffice"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Convert `docx` to PDF with LibreOffice headless, in its own profile; the PDF's path.
fn convert_to_pdf(soffice: &Path, docx: &Path, dir: &Path) -> PathBuf {
    let profile = dir.join("profile");
    let mut child = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.to_str().unwrap()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir)
        .arg(docx)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            assert!(
                status.success(),
                "LibreOffice failed ({status}): {} {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            break;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("LibreOffice did not finish the conversion within 180 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    docx.with_extension("pdf")
        .file_name()
        .map(|f| dir.join(f))
        .unwrap()
}

#[test]
fn libreoffice_converts_to_pdf() {
    let Some(soffice) = libreoffice() else {
        note("neither libreoffice nor soffice is on PATH, skipping the DOCX -> PDF check");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("notice.docx");
    std::fs::write(&docx, notice_docx(&one_time_notice()).unwrap()).unwrap();
    let pdf = convert_to_pdf(&soffice, &docx, dir.path());
    let bytes =
        std::fs::read(&pdf).unwrap_or_else(|e| panic!("{} was not written: {e}", pdf.display()));
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF: {}", pdf.display());
}
