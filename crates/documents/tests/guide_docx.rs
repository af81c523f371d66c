#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Printable service guide: package structure, content, and a real office reader.

mod common;

use std::io::Write;

use common::package::part;
use onewindow_documents::{DocumentError, GuideMeta, guide_docx};
use onewindow_domain::catalog::ServiceGuide;

fn meta() -> GuideMeta {
    GuideMeta {
        site_name: "泉州市行政服务中心".into(),
        version: 3,
        published_at: Some("2026-11-25".into()),
        url: "https://zwfw.quanzhou.gov.cn/items/1135050000301005241000109001000".into(),
    }
}

fn document_xml(g: &ServiceGuide, meta: &GuideMeta) -> String {
    part(&guide_docx(g, meta).unwrap(), "word/document.xml")
}

#[test]
fn package_holds_the_guide() {
    let g = common::company_registration();
    let bytes = guide_docx(&g, &meta()).unwrap();
    assert!(bytes.starts_with(b"PK"));
    let xml = part(&bytes, "word/document.xml");
    for needle in [
        "企业设立登记",
        "实施主体：泉州市市场监督管理局",
        "第 3 版",
        "2026年11月25日",
        "一、基本信息",
        "二、受理条件",
        "三、申请材料",
        "四、办理流程",
        "五、收费标准",
        "不收费",
        "六、审批结果",
        "七、常见问题",
        "公司登记（备案）申请书",
        "部门共享：泉州市自然资源和规划局（不动产登记信息）",
        "电子证照免提交",
        "申请人提供",
        "非必要",
        "原件和复印件",
        "法定办结时限",
        "15 个工作日",
        "4 级",
        "行使层级",
        "窗口首席代表",
        "电子证照类型代码：11100000000013127D001",
        "1. 申请：",
        "公司名称可以和别人重复吗？",
        "有限责任公司设立",
        "w:eastAsia=\"黑体\"",
        "w:eastAsia=\"仿宋\"",
        // A4 portrait.
        "w:w=\"11906\" w:h=\"16838\"",
    ] {
        assert!(xml.contains(needle), "document.xml lacks {needle}");
    }
    // No 特别程序 section for this item, and no numbering gap.
    assert!(!xml.contains("特别程序"));
    // The URL is in the page footer and at the end of the text.
    assert!(xml.contains(&meta().url));
    let footer = part(&bytes, "word/footer1.xml");
    assert!(footer.contains(&meta().url));
    let header = part(&bytes, "word/header1.xml");
    assert!(header.contains("泉州市行政服务中心"));
}

#[test]
fn fees_and_special_procedures() {
    let g = common::construction_permit();
    let xml = document_xml(&g, &meta());
    for needle in [
        "五、收费标准",
        "城市基础设施配套费",
        "是否可减免",
        "是（保障性住房项目免征（闽政〔2015〕1 号））",
        "六、特别程序",
        "以下程序所需时间不计入办理时限（《行政许可法》第四十五条）",
        "现场踏勘（时限：5 个工作日）",
        "专家评审：",
        "七、审批结果",
        "建筑工程施工许可证",
    ] {
        assert!(xml.contains(needle), "document.xml lacks {needle}");
    }
    assert!(!xml.contains("不收费"));
    assert!(!xml.contains("常见问题"));
}

#[test]
fn minimal_item_and_draft() {
    let g = common::temporary_assistance();
    let draft = GuideMeta {
        published_at: None,
        ..meta()
    };
    let xml = document_xml(&g, &draft);
    assert!(xml.contains("临时救助申请书"));
    assert!(xml.contains("不收费"));
    assert!(xml.contains("0 个工作日（当场办结）"));
    assert!(xml.contains("即办件"));
    assert!(xml.contains("六、审批结果"));
    assert!(!xml.contains("发布日期"));
    assert!(!xml.contains("电子证照类型代码"));
}

#[test]
fn markup_and_control_characters_are_safe() {
    let mut g = common::temporary_assistance();
    g.name = "<w:p>&\"'\u{1}名称".into();
    let bytes = guide_docx(&g, &meta()).unwrap();
    let xml = part(&bytes, "word/document.xml");
    assert!(xml.contains("&lt;w:p&gt;&amp;"));
    assert!(!xml.contains('\u{1}'));
}

#[test]
fn bad_publication_date() {
    let bad = GuideMeta {
        published_at: Some("25/11/2026".into()),
        ..meta()
    };
    assert!(matches!(
        guide_docx(&common::company_registration(), &bad),
        Err(DocumentError::InvalidMeta {
            field: "published_at",
            ..
        })
    ));
}

fn python_has(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// All paragraph and table text of a DOCX as python-docx sees it, or `None` (with a note on
/// stderr) when python-docx is not installed.
fn python_docx_text(bytes: &[u8]) -> Option<String> {
    if !python_has("docx") {
        writeln!(
            std::io::stderr().lock(),
            "note: python-docx not installed, skipping office-reader check"
        )
        .unwrap();
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("guide.docx");
    std::fs::write(&path, bytes).unwrap();
    let script = r#"
import sys, docx
d = docx.Document(sys.argv[1])
s = d.sections[0]
print("PAGE", s.page_width.twips, s.page_height.twips)
for p in d.paragraphs:
    print("P", p.text)
for t in d.tables:
    for r in t.rows:
        print("R", " | ".join(c.text for c in r.cells))
for p in s.footer.paragraphs:
    print("F", p.text)
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
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn python_docx_reads_the_guide() {
    let g = common::company_registration();
    let Some(text) = python_docx_text(&guide_docx(&g, &meta()).unwrap()) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "PAGE 11906 16838");
    assert_eq!(lines[1], "P 企业设立登记");
    assert!(lines.contains(&"P 一、基本信息"), "{text}");
    assert!(lines.contains(&"P 五、收费标准"), "{text}");
    assert!(lines.contains(&"P 不收费"), "{text}");
    assert!(lines.contains(&"R 事项类型 | 行政许可"), "{text}");
    assert!(lines.contains(&"R 行使层级 | 市"), "{text}");
    assert!(lines.contains(&"R 是否支持快递 | 是"), "{text}");
    assert!(
        lines.contains(&"R 序号 | 材料名称 | 必要性 | 材料形式 | 份数 | 载体 | 来源 | 受理标准"),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("R 1 | 公司登记（备案）申请书 | 必要 | 原件 | 1 | 纸质或电子 | 申请人提供 | 1. 法定代表人签字；")),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "R 3 | 法定代表人身份证明 | 必要 | 原件和复印件 | 2 | 电子 | 电子证照免提交"
        )),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("F ") && l.contains(&meta().url)),
        "{text}"
    );

    let fees =
        python_docx_text(&guide_docx(&common::construction_permit(), &meta()).unwrap()).unwrap();
    assert!(
        fees.lines()
            .any(|l| l == "R 工本费 | 每证 10 元 | 闽价费〔2010〕1 号 | 否"),
        "{fees}"
    );
    assert!(fees.contains("P 六、特别程序"), "{fees}");
}
