#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The annual report on government information disclosure as DOCX, XLSX and PDF.

mod common;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use common::package::{elements, paragraph_texts, part};
use onewindow_documents::{
    DocumentError, find_cjk_fonts, pdf_text, report_docx, report_pdf, report_xlsx,
};
use onewindow_domain::report::{
    Figures, Format, Narrative, ReportDoc, Table2, check, document, draft_other, draft_overview,
    seed_2018_legacy_rows, table4,
};

const BODY: &str = "泉州市行政服务中心";

/// Figures of a 2025 report in the 2021 format that satisfy every consistency rule.
fn figures_2025() -> Figures {
    let mut f = Figures::empty(Format::Y2021);
    f.table2 = Table2 {
        rules: [2, 1, 15],
        normative: [12, 3, 86],
        licensing: 45_210,
        penalty: 318,
        coercion: 12,
        fees_yuan: 123_450,
    };
    // Columns: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计.
    f.table3[0] = [95, 20, 3, 1, 2, 4, 125]; // r1 本年新收
    f.table3[1] = [4, 1, 0, 0, 0, 0, 5]; // r2 上年结转
    f.table3[2] = [60, 12, 2, 1, 1, 2, 78]; // r3 予以公开
    f.table3[3] = [10, 3, 0, 0, 0, 1, 14]; // r4 部分公开
    f.table3[4] = [1, 0, 0, 0, 0, 0, 1]; // r5 属于国家秘密
    f.table3[12] = [15, 3, 1, 0, 1, 1, 21]; // r13 本机关不掌握
    f.table3[15] = [5, 1, 0, 0, 0, 0, 6]; // r16 信访举报投诉类申请
    f.table3[22] = [2, 0, 0, 0, 0, 0, 2]; // r23 其他
    f.table3[23] = [93, 19, 3, 1, 2, 4, 122]; // r24 总计
    f.table3[24] = [6, 2, 0, 0, 0, 0, 8]; // r25 结转下年度
    f.table4 = table4([(0, 0), (0, 1), (1, 0), (2, 3)]);
    f.fees_collected_yuan = 0;
    f
}

fn report_2025() -> ReportDoc {
    let f = figures_2025();
    let n = Narrative {
        overview: draft_overview(BODY, 2025, &f, 1786),
        problems: "一是主动公开的深度和广度还需拓展，部分栏目更新不够及时；二是依申请公开答复的规范化水平有待提高。\n\
                   下一步，中心将严格落实《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号要求，\
                   完善“一窗通办”OneWindow平台的信息发布流程（含 HTTPS 接口与 API 说明），加强业务培训。"
            .into(),
        other: draft_other(&f),
    };
    let findings = check(&f, None, &n.overview);
    assert!(findings.is_empty(), "{findings:?}");
    document(BODY, 2025, &f, &n, BODY, "2026年1月20日", &|key| {
        Some(format!("/admin/reports/2025/figures/{key}"))
    })
}

fn report_2018() -> ReportDoc {
    let mut f = Figures::empty(Format::Legacy);
    f.legacy = seed_2018_legacy_rows();
    let n = Narrative {
        overview: "2018年，中心认真贯彻落实《中华人民共和国政府信息公开条例》，进一步完善政府信息公开工作机制。\n\
                   中心通过政府网站主动公开各类信息1104条，其中在信息公开平台主动公开信息23条。"
            .into(),
        problems: "政府信息公开工作还存在信息更新不够及时等问题，下一步将加强培训、完善制度。".into(),
        other: "无其他需要说明的事项。".into(),
    };
    document(BODY, 2018, &f, &n, BODY, "2019年1月25日", &|_| None)
}

fn grids(doc: &ReportDoc) -> usize {
    doc.sections.iter().filter(|s| s.grid.is_some()).count()
}

/// Say why a check is skipped. CI installs the fonts, poppler and LibreOffice and sets
/// `ONEWINDOW_DOC_TOOLS=1`: there a missing tool fails the test instead (python-docx stays
/// optional).
fn note(msg: &str) {
    if std::env::var("ONEWINDOW_DOC_TOOLS").as_deref() == Ok("1")
        && msg.contains("skipping")
        && !msg.contains("python-docx")
    {
        panic!("{msg} (ONEWINDOW_DOC_TOOLS=1: the document tools must be installed)");
    }
    writeln!(std::io::stderr().lock(), "note: {msg}").unwrap();
}

// ---------------------------------------------------------------------------------------
// DOCX

#[test]
fn docx_has_the_text_and_the_merged_tables() {
    let doc = report_2025();
    let bytes = report_docx(&doc).unwrap();
    assert!(bytes.starts_with(b"PK"));
    let xml = part(&bytes, "word/document.xml");
    // A4 portrait.
    assert!(xml.contains("w:w=\"11906\" w:h=\"16838\""));
    let texts = paragraph_texts(&xml);
    assert_eq!(texts[0], doc.title);
    for needle in [
        &doc.title,
        "申请人情况",
        "三、本年度办理结果",
        "2026年1月20日",
    ] {
        assert!(xml.contains(needle), "{needle} missing");
    }
    assert!(xml.contains("<w:gridSpan w:val=\"7\" />"), "no gridSpan");
    assert!(xml.contains("<w:vMerge w:val=\"restart\" />"), "no vMerge");
    let tables = elements(&xml, "w:tbl");
    assert_eq!(tables.len(), grids(&doc));
    assert_eq!(xml.matches("<w:tbl>").count(), grids(&doc));

    // Table 三: every row covers the 10 grid columns, and there is one continuation cell
    // per row below the first of each row span.
    let g3 = doc.sections[2].grid.as_ref().unwrap();
    assert_eq!((g3.rows, g3.cols), (28, 10));
    let t3 = tables[1];
    assert_eq!(
        elements(t3, "w:tblGrid")[0].matches("<w:gridCol ").count(),
        10
    );
    let rows = elements(t3, "w:tr");
    assert_eq!(rows.len(), 28);
    for (r, row) in rows.iter().enumerate() {
        let covered: usize = elements(row, "w:tc")
            .iter()
            .map(|tc| {
                tc.split("<w:gridSpan w:val=\"")
                    .nth(1)
                    .map_or(1, |rest| rest[..rest.find('"').unwrap()].parse().unwrap())
            })
            .sum();
        assert_eq!(covered, 10, "row {r} covers {covered} columns");
    }
    let continued: usize = g3.cells.iter().map(|c| c.rowspan - 1).sum();
    assert_eq!(
        t3.matches("<w:vMerge w:val=\"continue\" />").count(),
        continued
    );
    let restarts = g3.cells.iter().filter(|c| c.rowspan > 1).count();
    assert_eq!(
        t3.matches("<w:vMerge w:val=\"restart\" />").count(),
        restarts
    );
    // The r1 总计 figure is in row 4 (after three header rows), last cell.
    let r1 = elements(rows[3], "w:tc");
    assert_eq!(paragraph_texts(r1.last().unwrap()), ["125"]);
    // Column heads bold and shaded, figures centred.
    let head = elements(rows[0], "w:tc")[1];
    assert!(
        head.contains("<w:b />") && head.contains("w:fill=\"D9D9D9\""),
        "{head}"
    );
    assert!(r1.last().unwrap().contains("<w:jc w:val=\"center\" />"));

    // Signature flush right.
    let ps = elements(&xml, "w:p");
    let date = ps
        .iter()
        .rev()
        .find(|p| p.contains("2026年1月20日"))
        .unwrap();
    assert!(date.contains("<w:jc w:val=\"right\" />"));
}

#[test]
fn docx_text_of_the_legacy_report() {
    let doc = report_2018();
    let bytes = report_docx(&doc).unwrap();
    let xml = part(&bytes, "word/document.xml");
    assert_eq!(xml.matches("<w:tbl>").count(), 1);
    insta::assert_snapshot!(paragraph_texts(&xml).join("\n"));
}

#[test]
fn overlapping_cells_are_refused_by_every_writer() {
    let mut doc = report_2018();
    let grid = doc.sections[2].grid.as_mut().unwrap();
    let mut dup = grid.cells[5].clone();
    dup.text = "重叠".into();
    grid.cells.push(dup);
    assert!(matches!(
        report_docx(&doc),
        Err(DocumentError::InvalidGrid { .. })
    ));
    assert!(matches!(
        report_xlsx(&doc),
        Err(DocumentError::InvalidGrid { .. })
    ));
    // The PDF refuses it too, before looking at the fonts.
    assert!(matches!(
        report_pdf(&doc, &[]),
        Err(DocumentError::InvalidGrid { .. })
    ));
}

/// Whether `python3` can import `module`.
fn python_has(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn python_docx_sees_the_merged_cells() {
    if !python_has("docx") {
        note("python-docx not installed, skipping office-reader check");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.docx");
    std::fs::write(&path, report_docx(&report_2025()).unwrap()).unwrap();
    // python-docx gives the same cell object for every slot of a merged cell.
    let script = r#"
import sys, docx
t = docx.Document(sys.argv[1]).tables[1]
print(len(t.rows), len(t.columns))
print(t.cell(0, 0)._tc is t.cell(2, 2)._tc, t.cell(0, 3)._tc is t.cell(0, 9)._tc)
print(t.cell(5, 0)._tc is t.cell(26, 0)._tc, t.cell(5, 0).text)
print(t.cell(3, 9).text, t.cell(27, 9).text)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python-docx failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "28 10\nTrue True\nTrue 三、本年度办理结果\n125 8\n"
    );
}

// ---------------------------------------------------------------------------------------
// XLSX

fn workbook(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes)).expect("an XLSX workbook")
}

#[test]
fn xlsx_has_one_sheet_per_table_with_numbers_and_merges() {
    let doc = report_2025();
    let mut wb = workbook(report_xlsx(&doc).unwrap());
    assert_eq!(wb.sheet_names(), ["报告", "表二", "表三", "表四"]);

    let contents = wb.worksheet_range("报告").unwrap();
    assert_eq!(
        contents.get_value((0, 0)),
        Some(&Data::String(doc.title.clone()))
    );
    assert_eq!(
        contents.get_value((2, 0)),
        Some(&Data::String("2026年1月20日".into()))
    );
    for (i, s) in doc.sections.iter().enumerate() {
        assert_eq!(
            contents.get_value((5 + i as u32, 0)),
            Some(&Data::String(s.heading.clone()))
        );
    }
    assert_eq!(
        contents.get_value((7, 1)),
        Some(&Data::String("表三".into()))
    );

    // Sheet 表三: title row, then the grid from row 2 (1-based); r1 总计 at grid (3, 9).
    let t3 = wb.worksheet_range("表三").unwrap();
    assert_eq!(
        t3.get_value((0, 0)),
        Some(&Data::String("三、收到和处理政府信息公开申请情况".into()))
    );
    assert_eq!(t3.get_value((4, 9)), Some(&Data::Float(125.0)));
    assert_eq!(t3.get_value((4, 3)), Some(&Data::Float(95.0)));
    // r25 结转下年度继续办理 in the last row.
    assert_eq!(t3.get_value((28, 9)), Some(&Data::Float(8.0)));
    assert_eq!(
        t3.get_value((1, 3)),
        Some(&Data::String("申请人情况".into()))
    );
    let merged = wb.merge_cells_by_sheet_name("表三").unwrap();
    let has = |start: (u32, u32), end: (u32, u32)| {
        merged.iter().any(|d| d.start == start && d.end == end)
    };
    assert!(has((1, 3), (1, 9)), "申请人情况 not merged: {merged:?}");
    assert!(has((1, 0), (3, 2)), "corner not merged: {merged:?}");
    assert!(
        has((6, 0), (27, 0)),
        "三、本年度办理结果 not merged: {merged:?}"
    );
    assert!(has((0, 0), (0, 9)), "title not merged: {merged:?}");

    // 万元 with decimals stays a number; a merged figure keeps its value.
    let t2 = wb.worksheet_range("表二").unwrap();
    let fees = (0..t2.height() as u32)
        .find(|r| t2.get_value((*r, 0)) == Some(&Data::String("行政事业性收费".into())))
        .unwrap();
    assert_eq!(t2.get_value((fees, 1)), Some(&Data::Float(12.345)));
    let t4 = wb.worksheet_range("表四").unwrap();
    assert_eq!(t4.get_value((4, 4)), Some(&Data::Float(2.0)));
}

#[test]
fn xlsx_of_the_legacy_report() {
    let doc = report_2018();
    let mut wb = workbook(report_xlsx(&doc).unwrap());
    assert_eq!(wb.sheet_names(), ["报告", "附表"]);
    let t = wb.worksheet_range("附表").unwrap();
    assert_eq!(t.get_value((1, 2)), Some(&Data::String("2018年".into())));
    assert_eq!(
        t.get_value((2, 0)),
        Some(&Data::String("主动公开文件数".into()))
    );
    assert_eq!(t.get_value((2, 3)), Some(&Data::Float(14949.0)));
}

// ---------------------------------------------------------------------------------------
// PDF

/// The bytes of the system's Chinese fonts, or `None` (with a note) if there are none.
fn cjk_fonts() -> Option<Vec<Vec<u8>>> {
    let paths = find_cjk_fonts();
    if paths.is_empty() {
        note("no CJK font in /usr/share/fonts (install fonts-noto-cjk), skipping the PDF check");
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

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn pdf_embeds_the_fonts_and_keeps_the_text() {
    let Some(fonts) = cjk_fonts() else { return };
    for doc in [report_2025(), report_2018()] {
        let started = Instant::now();
        let bytes = report_pdf(&doc, &fonts).unwrap();
        let took = started.elapsed();
        assert!(bytes.starts_with(b"%PDF-"));
        // Subsets, not the 20 MB font files.
        assert!(bytes.len() < 2_000_000, "{} bytes", bytes.len());
        note(&format!(
            "report_pdf: {} bytes in {took:?} ({})",
            bytes.len(),
            doc.title
        ));

        // Our own extractor reads it back (ToUnicode maps).
        let text = squeeze(&pdf_text(&bytes).unwrap());
        assert!(text.contains(&squeeze(&doc.title)), "{text}");
        for s in &doc.sections {
            assert!(text.contains(&squeeze(&s.heading)), "{} missing", s.heading);
        }
        assert!(text.contains(&squeeze(&doc.date)));

        let Some(pdftotext) = on_path("pdftotext") else {
            note("pdftotext is not on PATH (apt-get install poppler-utils), skipping that check");
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.pdf");
        std::fs::write(&file, &bytes).unwrap();
        let out = std::process::Command::new(pdftotext)
            .arg(&file)
            .arg("-")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let flat = squeeze(&text);
        assert!(flat.contains(&squeeze(&doc.title)), "{text}");
        if doc.sections.len() > 3 {
            assert!(flat.contains("申请人情况"), "{text}");
            assert!(flat.contains("三、本年度办理结果"), "{text}");
        } else {
            assert!(flat.contains("主动公开文件数"), "{text}");
            assert!(flat.contains("14949"), "{text}");
        }
    }
}

#[test]
fn pdf_needs_a_chinese_font() {
    let doc = report_2018();
    assert!(matches!(
        report_pdf(&doc, &[]),
        Err(DocumentError::PdfWrite(_))
    ));
    assert!(matches!(
        report_pdf(&doc, &[b"not a font".to_vec()]),
        Err(DocumentError::PdfWrite(_))
    ));
}

#[test]
fn pdf_long_texts_stay_on_the_page() {
    let Some(fonts) = cjk_fonts() else { return };
    let mut doc = report_2025();
    // A paragraph of 4000 characters, a long unbreakable token, and a table cell with a
    // long text: everything must still be there, over several pages.
    let long = "依申请公开工作规范有序，".repeat(330);
    doc.sections[0].paragraphs.push(long.clone());
    doc.sections[0]
        .paragraphs
        .push(format!("https://zwfw.quanzhou.gov.cn/{}", "x".repeat(300)));
    let g = doc.sections[2].grid.as_mut().unwrap();
    let cell = g.cells.iter_mut().find(|c| c.text == "2.重复申请").unwrap();
    cell.text = "2.重复申请（说明：".to_string() + &"同一申请人".repeat(60) + "）";
    let bytes = report_pdf(&doc, &fonts).unwrap();
    let pages = lopdf::Document::load_mem(&bytes).unwrap().get_pages().len();
    assert!(pages >= 4, "{pages} pages");
    // The page numbers at the foot of each page interrupt the text; leave them out.
    let mut text = squeeze(&pdf_text(&bytes).unwrap());
    for n in 1..=pages {
        text = text.replacen(&format!("—{n}—"), "", 1);
    }
    assert!(text.contains(&squeeze(&long)));
    assert!(text.contains(&"x".repeat(300)));
    assert!(text.contains(&"同一申请人".repeat(60)));

    // Every word inside the margins (2.5 cm of an A4 page), the page numbers aside.
    let Some(pdftotext) = on_path("pdftotext") else {
        note("pdftotext is not on PATH (apt-get install poppler-utils), skipping the margin check");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.pdf");
    std::fs::write(&file, &bytes).unwrap();
    let out = std::process::Command::new(pdftotext)
        .arg("-bbox")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let html = String::from_utf8(out.stdout).unwrap();
    let (left, right, top, bottom) = (
        70.866 - 0.5,
        595.276 - 70.866 + 0.5,
        70.866 - 0.5,
        841.89 - 70.866 + 0.5,
    );
    let attr = |w: &str, name: &str| -> f64 {
        let at = w.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        w[at..at + w[at..].find('"').unwrap()].parse().unwrap()
    };
    let mut words = 0;
    for w in html.split("<word ").skip(1) {
        let text = &w[w.find('>').unwrap() + 1..w.find("</word>").unwrap()];
        let (x0, x1, y0, y1) = (
            attr(w, "xMin"),
            attr(w, "xMax"),
            attr(w, "yMin"),
            attr(w, "yMax"),
        );
        assert!(x0 >= left && x1 <= right, "{text} at x {x0}..{x1}");
        if y0 > bottom {
            assert!(
                text == "—" || text.parse::<usize>().is_ok(),
                "{text} below the text area"
            );
        } else {
            assert!(y0 >= top && y1 <= bottom, "{text} at y {y0}..{y1}");
        }
        words += 1;
    }
    assert!(words > 100, "{words} words");
}

#[test]
fn the_2019_trial_format_is_written_too() {
    let mut f = figures_2025();
    f.format = Format::Y2019;
    f.table2_trial.licensing = [120, -3, 45_210];
    f.table2_trial.procurement = [4, 1_234_500];
    let doc = document(
        BODY,
        2020,
        &f,
        &Narrative::default(),
        BODY,
        "2021年1月28日",
        &|_| None,
    );
    let xml = part(&report_docx(&doc).unwrap(), "word/document.xml");
    assert_eq!(xml.matches("<w:tbl>").count(), 3);
    assert!(xml.contains("（六）其他处理"));
    let mut wb = workbook(report_xlsx(&doc).unwrap());
    let t2 = wb.worksheet_range("表二").unwrap();
    let licensing = (0..t2.height() as u32)
        .find(|r| t2.get_value((*r, 0)) == Some(&Data::String("行政许可".into())))
        .unwrap();
    assert_eq!(t2.get_value((licensing, 2)), Some(&Data::Float(-3.0)));
    // 26 grid rows in the trial layout, under the title row.
    let t3 = wb.worksheet_range("表三").unwrap();
    assert_eq!(t3.get_value((26, 9)), Some(&Data::Float(8.0)));
    let Some(fonts) = cjk_fonts() else { return };
    let text = squeeze(&pdf_text(&report_pdf(&doc, &fonts).unwrap()).unwrap());
    assert!(text.contains("（六）其他处理"), "{text}");
    assert!(text.contains("123.45"), "{text}");
}

// ---------------------------------------------------------------------------------------
// LibreOffice

/// `libreoffice` or `soffice` on `PATH`, if any.
fn libreoffice() -> Option<PathBuf> {
    on_path("soffice").or_else(|| on_path("libreoffice"))
}

/// Convert `file` to PDF with LibreOffice headless, in its own profile; the PDF's path.
fn convert_to_pdf(soffice: &Path, file: &Path, dir: &Path) -> PathBuf {
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
        .arg(file)
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
    dir.join(file.with_extension("pdf").file_name().unwrap())
}

#[test]
fn libreoffice_converts_docx_and_xlsx_to_pdf() {
    let Some(soffice) = libreoffice() else {
        note(
            "neither soffice nor libreoffice is on PATH, skipping the DOCX/XLSX -> PDF conversion",
        );
        return;
    };
    let doc = report_2025();
    for (name, bytes) in [
        ("report.docx", report_docx(&doc).unwrap()),
        ("report.xlsx", report_xlsx(&doc).unwrap()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let pdf = convert_to_pdf(&soffice, &file, dir.path());
        let out = std::fs::read(&pdf)
            .unwrap_or_else(|e| panic!("{} was not written: {e}", pdf.display()));
        assert!(out.starts_with(b"%PDF-"), "not a PDF: {}", pdf.display());
    }
}

/// Snapshot of every cell of the legacy report's 附表 sheet as the workbook holds it.
#[test]
fn xlsx_snapshot_of_the_legacy_report() {
    let doc = report_2018();
    let mut wb = workbook(report_xlsx(&doc).unwrap());
    let t = wb.worksheet_range("附表").unwrap();
    let mut out = String::new();
    for row in t.rows() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Data::Empty => String::new(),
                other => other.to_string(),
            })
            .collect();
        out.push_str(&cells.join(" | "));
        out.push('\n');
    }
    insta::assert_snapshot!("xlsx_legacy_sheet", out);
}

/// Snapshot of the text `pdftotext` reads from the legacy report (the date line removed).
#[test]
fn pdf_text_snapshot_of_the_legacy_report() {
    let Some(fonts) = cjk_fonts() else { return };
    let Some(pdftotext) = on_path("pdftotext") else {
        note("pdftotext is not on PATH (apt-get install poppler-utils), skipping the PDF snapshot");
        return;
    };
    let doc = report_2018();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, report_pdf(&doc, &fonts).unwrap()).unwrap();
    let out = std::process::Command::new(pdftotext)
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text: String = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim_end())
        .filter(|l| !l.is_empty() && !l.contains(&doc.date))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("pdf_text_legacy", text);
}
