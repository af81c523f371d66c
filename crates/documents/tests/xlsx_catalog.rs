#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Catalog spreadsheet: exact round trip, problem reports, staff edits, office-reader check.

mod common;

use std::io::Write;

use calamine::Data;
use common::book::Book;
use onewindow_documents::{DocumentError, ImportProblem, catalog_xlsx, read_catalog_xlsx};
use onewindow_domain::catalog::{CaseKind, MaterialSource, ServiceGuide};
use proptest::prelude::*;

fn export(items: &[ServiceGuide]) -> Vec<u8> {
    catalog_xlsx(items).expect("export")
}

fn problems(bytes: &[u8]) -> Vec<ImportProblem> {
    match read_catalog_xlsx(bytes) {
        Ok(g) => panic!("expected problems, got {} guides", g.len()),
        Err(p) => p,
    }
}

fn has(p: &[ImportProblem], sheet: &str, row: usize, field: &str) -> bool {
    p.iter()
        .any(|x| x.sheet == sheet && x.row == row && x.field == field)
}

#[test]
fn round_trip_is_exact() {
    let items = common::all();
    let back = read_catalog_xlsx(&export(&items)).unwrap();
    assert_eq!(back, items);

    let mut reversed = items.clone();
    reversed.reverse();
    assert_eq!(read_catalog_xlsx(&export(&reversed)).unwrap(), reversed);

    assert_eq!(read_catalog_xlsx(&export(&[])).unwrap(), vec![]);
}

#[test]
fn tricky_text_round_trips() {
    let tricky = [
        "_x0041_",
        "a_x005F_x0041_b",
        "_x0041_x0042_",
        "_X0041_ _x004_ _x00411_",
        "\u{1}\u{8}\u{B}\u{C}\u{1F}控制字符",
        "line 1\r\nline 2\rline 3\n",
        "\tTabbed\t",
        "  padded  ",
        "\u{3000}全角空格开头",
        "=SUM(A1:A2)",
        "'leading apostrophe",
        "+86 595 12345",
        "0012",
        "TRUE",
        "1e5",
        "《行政许可法》第四十五条；“引号”、（括号）……——",
        "😀 emoji 𠀀 CJK Ext-B",
        "\u{FFFE}\u{FFFF}",
        "<b>&amp;</b>",
    ];
    let marks = "0123456789ABCDEFGHJKLMN";
    let mut items = Vec::new();
    for (t, mark) in tricky.iter().zip(marks.chars()) {
        let mut g = common::temporary_assistance();
        g.task_code = format!("11350503003020015C{mark}000105002000");
        g.name = (*t).to_string();
        g.conditions = format!("{t}\n{t}");
        g.materials[0].note = Some((*t).to_string());
        g.steps[0].description = (*t).to_string();
        g.handle_item_code = Some(format!("{t}{mark}"));
        items.push(g);
    }
    assert!(items.iter().all(|g| g.validate().is_empty()));
    assert_eq!(read_catalog_xlsx(&export(&items)).unwrap(), items);
}

#[test]
fn workbook_layout() {
    let mut b = Book::read(&export(&common::all()));
    let names: Vec<&str> = b.sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "事项",
            "材料",
            "收费",
            "流程",
            "特别程序",
            "常见问题",
            "情形"
        ]
    );
    assert_eq!(
        b.grid("事项")[0][0],
        Data::String("实施编码 (task_code)".into())
    );
    assert_eq!(
        b.get("事项", 1, "name"),
        Data::String("事项名称 (name)".into())
    );
    assert_eq!(b.get("事项", 2, "case_kind"), Data::String("承诺件".into()));
    assert_eq!(b.get("事项", 2, "statutory_days"), Data::Float(15.0));
    assert_eq!(
        b.get("事项", 2, "express_delivery"),
        Data::String("是".into())
    );
    assert_eq!(
        b.get("事项", 2, "service_objects"),
        Data::String("法人；自然人".into())
    );
    assert_eq!(
        b.get("事项", 2, "review_standards.technical"),
        Data::String(
            "名称符合《企业名称登记管理规定》\n经营范围按规范表述填写\n注册资本、出资方式、出资期限符合章程"
                .into()
        )
    );
    // 4 + 3 + 1 materials after the header, source kinds as three columns.
    assert_eq!(b.grid("材料").len(), 9);
    assert_eq!(b.get("材料", 4, "source.kind"), Data::String("证照".into()));
    assert_eq!(
        b.get("材料", 4, "source.license_type_code"),
        Data::String("11100000000019991T002".into())
    );
    assert_eq!(b.get("材料", 5, "source.kind"), Data::String("部门".into()));
    assert_eq!(b.get("材料", 2, "source.name"), Data::Empty);
    assert_eq!(b.grid("收费").len(), 3);
    assert_eq!(b.get("特别程序", 3, "max_days"), Data::Empty);
}

#[test]
fn bad_rows_are_all_reported_and_nothing_is_imported() {
    let mut b = Book::read(&export(&common::all()));
    // Row 2 = 企业设立登记, row 3 = 施工许可 (statutory 15).
    b.set("事项", 2, "case_kind", Data::String("随便".into()));
    b.set("事项", 3, "promised_days", Data::Float(30.0));
    // A material of an item that does not exist, appended at the end of 材料.
    let orphan = b.duplicate_row("材料", 2);
    b.set(
        "材料",
        orphan,
        "task_code",
        Data::String("11350500003010159F1000101039999".into()),
    );
    let p = problems(&b.write());

    assert!(has(&p, "事项", 2, "case_kind"), "{p:#?}");
    let kind = p.iter().find(|x| x.field == "case_kind").unwrap();
    assert!(
        kind.zh.contains("随便") && kind.zh.contains("即办件"),
        "{}",
        kind.zh
    );
    assert!(kind.en.contains("promised"), "{}", kind.en);

    assert!(has(&p, "事项", 3, "promised_days"), "{p:#?}");
    let days = p.iter().find(|x| x.field == "promised_days").unwrap();
    assert!(days.zh.contains("承诺时限"), "{}", days.zh);

    assert!(has(&p, "材料", orphan, "task_code"), "{p:#?}");
    assert_eq!(orphan, 10);
    // Nothing else: the other cells are fine.
    assert_eq!(p.len(), 3, "{p:#?}");
}

#[test]
fn cell_problems_name_sheet_row_and_field() {
    let mut b = Book::read(&export(&common::all()));
    b.set("事项", 4, "statutory_days", Data::String("十五".into()));
    b.set("事项", 4, "hours", Data::String("   ".into()));
    b.set("事项", 2, "express_delivery", Data::String("可以".into()));
    b.set(
        "事项",
        3,
        "channels",
        Data::String("窗口办理；飞鸽传书".into()),
    );
    b.set("材料", 3, "copies", Data::String("两份".into()));
    b.set("材料", 5, "source.name", Data::Empty); // 部门 without its name
    b.set("收费", 2, "waivable", Data::Empty);
    b.set("特别程序", 2, "max_days", Data::Float(2.5));
    b.set("情形", 2, "authority", Data::String("市长".into()));
    let p = problems(&b.write());
    for (sheet, row, field) in [
        ("事项", 4, "statutory_days"),
        ("事项", 4, "hours"),
        ("事项", 2, "express_delivery"),
        ("事项", 3, "channels"),
        ("材料", 3, "copies"),
        ("材料", 5, "source.name"),
        ("收费", 2, "waivable"),
        ("特别程序", 2, "max_days"),
        ("情形", 2, "authority"),
    ] {
        assert!(has(&p, sheet, row, field), "{sheet} {row} {field}: {p:#?}");
    }
    // Bad child rows do not cause made-up validation findings such as "materials: at least
    // one" or shifted indices; items with bad rows are not validated at all.
    assert_eq!(p.len(), 9, "{p:#?}");
    for x in &p {
        assert!(!x.zh.is_empty() && !x.en.is_empty());
    }
}

#[test]
fn validation_findings_land_on_the_item_row() {
    let mut items = common::all();
    items[1].materials[1].source = MaterialSource::License {
        license_type_code: "123".into(),
    };
    items[2].online_depth = 4; // depth 4 needs 0 visits; this item has 1
    let mut b = Book::read(&export(&items));
    b.set("事项", 2, "region_code", Data::String("35050".into()));
    let p = problems(&b.write());
    assert!(has(&p, "事项", 2, "region_code"), "{p:#?}");
    assert!(has(&p, "事项", 3, "materials[1].source"), "{p:#?}");
    assert!(has(&p, "事项", 4, "visits_required"), "{p:#?}");
    assert_eq!(p.len(), 3, "{p:#?}");
}

#[test]
fn duplicates_unknown_and_missing_columns() {
    let mut b = Book::read(&export(&common::all()));
    let dup = b.duplicate_row("事项", 3);
    let p = problems(&b.write());
    assert!(has(&p, "事项", dup, "task_code"), "{p:#?}");
    assert!(p.iter().any(|x| x.zh.contains("第 3 行重复")), "{p:#?}");
    assert_eq!(p.len(), 1, "{p:#?}");

    let mut b = Book::read(&export(&common::all()));
    let c = b.col("事项", "hall");
    b.grid("事项")[0][c] = Data::String("所在大厅 (hall_name)".into());
    let p = problems(&b.write());
    assert!(
        has(&p, "事项", 1, "所在大厅 (hall_name)"),
        "unknown column: {p:#?}"
    );
    assert!(
        has(&p, "事项", 1, "hall"),
        "missing required column: {p:#?}"
    );
    assert_eq!(p.len(), 2, "one report per column, not per row: {p:#?}");

    let mut b = Book::read(&export(&common::all()));
    b.sheets.retain(|(n, _)| n != "事项");
    let p = problems(&b.write());
    assert_eq!((p[0].sheet.as_str(), p[0].row), ("事项", 0));

    let p = problems(b"not a spreadsheet");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].sheet, "");
}

#[test]
fn staff_edits_that_mean_the_same_are_accepted() {
    let items = common::all();
    let mut b = Book::read(&export(&items));
    // Machine names instead of labels, digits as text, booleans as TRUE/FALSE, list
    // separators typed differently, padding around list elements.
    b.set("事项", 2, "case_kind", Data::String("promised".into()));
    b.set("事项", 2, "statutory_days", Data::String(" 15 ".into()));
    b.set("事项", 2, "express_delivery", Data::Bool(true));
    b.set(
        "事项",
        2,
        "service_objects",
        Data::String("legal_person、自然人".into()),
    );
    b.set(
        "事项",
        2,
        "keywords",
        Data::String(" 营业执照；公司注册 ；；e 窗通".into()),
    );
    b.set("事项", 3, "level", Data::String("city".into()));
    b.set("材料", 2, "required", Data::String("是".into()));
    b.set("材料", 2, "copies", Data::Int(1));
    // A code typed as a number comes back as its digits.
    b.set("事项", 2, "region_code", Data::Float(350500.0));
    // Columns in another order, a blank row in the middle and a notes sheet.
    for row in b.grid("流程").iter_mut() {
        row.swap(1, 2);
    }
    b.grid("收费").insert(2, vec![Data::Empty; 6]);
    b.sheets
        .push(("填表说明".into(), vec![vec![Data::String("说明".into())]]));
    assert_eq!(read_catalog_xlsx(&b.write()).unwrap(), items);
}

#[test]
fn export_refuses_what_would_not_come_back() {
    let mut items = common::all();
    items[0].materials[1].basis = Some(String::new());
    match catalog_xlsx(&items) {
        Err(DocumentError::Unrepresentable {
            task_code, field, ..
        }) => {
            assert_eq!(task_code, items[0].task_code);
            assert_eq!(field, "materials[1].basis");
        }
        other => panic!("{other:?}"),
    }

    let mut items = common::all();
    items[2].keywords = vec!["低保；救助".into()];
    assert!(matches!(
        catalog_xlsx(&items),
        Err(DocumentError::Unrepresentable { field, .. }) if field == "keywords[0]"
    ));

    let mut items = common::all();
    items[2].task_code = items[0].task_code.clone();
    assert!(matches!(
        catalog_xlsx(&items),
        Err(DocumentError::Unrepresentable { field, .. }) if field == "task_code"
    ));
}

/// Text that is not blank (blank required text cannot be exported by design).
fn text() -> impl Strategy<Value = String> {
    raw_text().prop_filter("not blank", |s| !s.trim().is_empty())
}

/// Any Unicode, or text made of the characters that trip spreadsheets up: control characters,
/// CR/LF, tabs, spaces (ASCII and ideographic), Excel's `_xHHHH_` escape syntax, formula and
/// quote prefixes, the list separator, non-characters and astral characters.
fn raw_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1F _xX0-9A-Fa-f=+'\"；;、\u{3000}\u{00A0}\u{FFFE}\u{FFFF}中文😀]{0,24}",
    ]
}

/// A list element: trimmed, not blank, without the separator.
fn element(sep: &'static str) -> impl Strategy<Value = String> {
    raw_text()
        .prop_map(move |s| s.replace(sep, "").trim().to_string())
        .prop_filter("not blank", |s| !s.is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any text survives export and import unchanged: control characters, CR/LF, Excel
    /// escape syntax, surrounding whitespace, any Unicode.
    #[test]
    fn arbitrary_text_round_trips(
        name in text(),
        conditions in text(),
        note in proptest::option::of(text()),
        step in text(),
        keywords in proptest::collection::vec(element("；"), 0..4),
        technical in proptest::collection::vec(element("\n"), 0..4),
        escape in "[_x0-9A-Fa-f]{0,12}",
        copies in 0u32..=20,
        max_days in proptest::option::of(any::<u32>()),
        immediate in any::<bool>(),
    ) {
        let mut items = common::all();
        let g = &mut items[0];
        g.name = name;
        g.conditions = format!("{conditions}{escape}");
        g.materials[0].note = note;
        g.materials[0].copies = copies;
        g.steps[0].description = step;
        g.keywords = keywords;
        g.review_standards.technical = technical;
        items[1].special_procedures[1].max_days = max_days;
        if immediate {
            items[1].case_kind = CaseKind::Immediate;
            items[1].promised_days = 0;
        }
        // Only round-trip exactness is checked here, not validity: import reports validation
        // findings, so compare against what validation says.
        let bytes = catalog_xlsx(&items).unwrap();
        let expected_valid = items.iter().all(|g| g.validate().is_empty());
        match read_catalog_xlsx(&bytes) {
            Ok(back) => prop_assert_eq!(back, items),
            Err(p) => {
                prop_assert!(!expected_valid, "valid items were refused: {:#?}", p);
                prop_assert!(p.iter().all(|x| x.sheet == "事项" && x.row == 2), "{:#?}", p);
            }
        }
    }
}

fn python_has(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn openpyxl_reads_the_workbook() {
    if !python_has("openpyxl") {
        writeln!(
            std::io::stderr().lock(),
            "note: openpyxl not installed, skipping office-reader check"
        )
        .unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.xlsx");
    std::fs::write(&path, export(&common::all())).unwrap();
    let script = r#"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
print("|".join(wb.sheetnames))
ws = wb["事项"]
print(ws["A1"].value)
print(ws["B2"].value)
print(ws.freeze_panes)
print(wb["材料"]["B3"].value)
print(ws["K2"].value)
print(len(ws.data_validations.dataValidation))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "事项|材料|收费|流程|特别程序|常见问题|情形");
    assert_eq!(lines[1], "实施编码 (task_code)");
    assert_eq!(lines[2], "企业设立登记");
    assert_eq!(lines[3], "C2");
    assert_eq!(lines[4], "公司章程");
    assert_eq!(lines[5], "15", "法定办结时限 is a number cell");
    assert_eq!(
        lines[6], "9",
        "drop-down lists on the single-choice columns of 事项"
    );
}
