#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `render_markup` and `paragraphs_to_markup`: safety rules, heading shift, tables, Chinese
//! text, and the round trip of imported plain text.

use onewindow_documents::{Rendered, paragraphs_to_markup, render_markup};
use proptest::prelude::*;

fn html(src: &str) -> String {
    render_markup(src).html
}

fn text(src: &str) -> String {
    render_markup(src).text
}

/// The tag names of an HTML fragment, in order (`/p` for an end tag).
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                .collect()
        })
        .collect()
}

#[test]
fn raw_html_blocks_are_text() {
    let src = "<script>alert('政府')</script>\n\n<div onclick=\"x()\">\n**公告**\n</div>\n\n<!-- 备注 -->";
    let out = render_markup(src);
    assert_eq!(
        tags(&out.html),
        ["p", "/p", "p", "/p", "p", "/p"],
        "{}",
        out.html
    );
    assert_eq!(
        out.html,
        "<p>&lt;script&gt;alert('政府')&lt;/script&gt;\n</p>\n\
         <p>&lt;div onclick=\"x()\"&gt;\n**公告**\n&lt;/div&gt;\n</p>\n\
         <p>&lt;!-- 备注 --&gt;</p>\n"
    );
    assert_eq!(
        out.text,
        "<script>alert('政府')</script>\n<div onclick=\"x()\">\n**公告**\n</div>\n<!-- 备注 -->"
    );
}

#[test]
fn inline_html_is_text() {
    let out = render_markup("点击<img src=x onerror=alert(1)>这里，<b>加粗</b>");
    assert_eq!(tags(&out.html), ["p", "/p"], "{}", out.html);
    assert!(
        out.html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        out.html
    );
    assert!(out.html.contains("&lt;b&gt;加粗&lt;/b&gt;"), "{}", out.html);
    assert_eq!(
        out.text,
        "点击<img src=x onerror=alert(1)>这里，<b>加粗</b>"
    );
}

#[test]
fn safe_links_are_kept() {
    for (src, href) in [
        ("[公告](/zwgk/2026/1.html)", "/zwgk/2026/1.html"),
        ("[附件](#fj)", "#fj"),
        ("[附件](fj/1.pdf)", "fj/1.pdf"),
        ("[门户](https://www.qz.gov.cn)", "https://www.qz.gov.cn"),
        ("[门户](HTTP://www.qz.gov.cn)", "HTTP://www.qz.gov.cn"),
        ("[信箱](mailto:gkb@qz.gov.cn)", "mailto:gkb@qz.gov.cn"),
        ("<https://www.qz.gov.cn>", "https://www.qz.gov.cn"),
        ("<gkb@qz.gov.cn>", "mailto:gkb@qz.gov.cn"),
    ] {
        let out = html(src);
        assert!(
            out.contains(&format!("<a href=\"{href}\">")),
            "{src}: {out}"
        );
    }
}

#[test]
fn unsafe_links_keep_only_their_text() {
    for src in [
        "[点击查看](javascript:alert(1))",
        "[点击查看](JavaScript:alert(1))",
        "[点击查看](<java\tscript:alert(1)>)",
        "[点击查看](javascript&#58;alert(1))",
        "[点击查看](&#x20;javascript:alert(1))",
        "[点击查看](vbscript:msgbox(1))",
        "[点击查看](data:text/html;base64,PHNjcmlwdD4=)",
        "[点击查看][x]\n\n[x]: javascript:alert(1)",
    ] {
        let out = render_markup(src);
        assert_eq!(tags(&out.html), ["p", "/p"], "{src}: {}", out.html);
        assert_eq!(out.html, "<p>点击查看</p>\n", "{src}");
        assert_eq!(out.text, "点击查看", "{src}");
    }
    // An autolink with a forbidden scheme stays as its text.
    let out = render_markup("<javascript:alert(1)>");
    assert_eq!(out.html, "<p>javascript:alert(1)</p>\n");
    // Emphasis inside a dropped link is kept.
    assert_eq!(
        html("[**重要**通知](javascript:x)"),
        "<p><strong>重要</strong>通知</p>\n"
    );
}

#[test]
fn images() {
    assert_eq!(
        html("![办事流程图](/img/lc.png \"流程\")"),
        "<p><img src=\"/img/lc.png\" alt=\"办事流程图\" title=\"流程\" /></p>\n"
    );
    for src in [
        "![办事流程图](data:image/svg+xml;base64,PHN2Zz4=)",
        "![办事流程图](javascript:alert(1))",
        "![办事流程图](file:///C:/流程.png)",
    ] {
        let out = render_markup(src);
        assert_eq!(out.html, "<p>办事流程图</p>\n", "{src}");
        assert_eq!(out.text, "办事流程图", "{src}");
    }
    // A safe link around an unsafe image keeps the link and the alt text.
    assert_eq!(
        html("[![图](data:x)](/a)"),
        "<p><a href=\"/a\">图</a></p>\n"
    );
    // An unsafe link around a safe image keeps the image.
    assert_eq!(
        html("[![图](/i.png)](javascript:x)"),
        "<p><img src=\"/i.png\" alt=\"图\" /></p>\n"
    );
}

#[test]
fn link_titles_are_escaped() {
    let out = html("[公告](/a \"x&quot; onmouseover=&quot;alert(1)\")");
    assert!(
        out.contains("title=\"x&quot; onmouseover=&quot;alert(1)\""),
        "{out}"
    );
}

#[test]
fn headings_are_shifted_below_the_page_title() {
    let src =
        "# 一\n\n## 二\n\n### 三\n\n#### 四\n\n##### 五\n\n###### 六\n\n标题\n===\n\n小标题\n---";
    let out = render_markup(src);
    assert_eq!(
        out.html,
        "<h2>一</h2>\n<h3>二</h3>\n<h4>三</h4>\n<h5>四</h5>\n<h6>五</h6>\n<h6>六</h6>\n<h2>标题</h2>\n<h3>小标题</h3>\n"
    );
    assert_eq!(out.text, "一\n二\n三\n四\n五\n六\n标题\n小标题");
}

#[test]
fn tables() {
    let src = "\
| 事项 | 承诺时限 |
| :--- | ---: |
| 企业设立登记 | 1 个工作日 |
| 施工许可 | 5 个工作日 |";
    let out = render_markup(src);
    assert!(out.html.starts_with("<table>"), "{}", out.html);
    assert!(
        out.html
            .contains("<th style=\"text-align: left\">事项</th>"),
        "{}",
        out.html
    );
    assert!(
        out.html
            .contains("<td style=\"text-align: right\">5 个工作日</td>"),
        "{}",
        out.html
    );
    assert_eq!(
        out.text,
        "事项\n承诺时限\n企业设立登记\n1 个工作日\n施工许可\n5 个工作日"
    );
}

#[test]
fn strikethrough() {
    let out = render_markup("本办法~~自发布之日起~~施行");
    assert_eq!(out.html, "<p>本办法<del>自发布之日起</del>施行</p>\n");
    assert_eq!(out.text, "本办法自发布之日起施行");
}

#[test]
fn chinese_body() {
    let src = "\
# 泉州市人民政府关于印发《政府信息公开工作规定》的通知

各县（市、区）人民政府，市直各单位：

  现将《泉州市政府信息公开工作规定》印发给你们，请认真贯彻执行。  
如有问题，请联系：**市政务公开办**（电话 0595-22132218）。

1. 主动公开；
2. 依申请公开。

> 本文件自2026年12月1日起施行。

```
附件：规定全文.pdf
```";
    let out = render_markup(src);
    assert!(
        out.html
            .contains("<h2>泉州市人民政府关于印发《政府信息公开工作规定》的通知</h2>"),
        "{}",
        out.html
    );
    assert!(
        out.html.contains("<strong>市政务公开办</strong>"),
        "{}",
        out.html
    );
    assert!(out.html.contains("<br />"), "{}", out.html);
    assert_eq!(
        out.text,
        "泉州市人民政府关于印发《政府信息公开工作规定》的通知\n\
         各县（市、区）人民政府，市直各单位：\n\
         现将《泉州市政府信息公开工作规定》印发给你们，请认真贯彻执行。\n\
         如有问题，请联系：市政务公开办（电话 0595-22132218）。\n\
         主动公开；\n\
         依申请公开。\n\
         本文件自2026年12月1日起施行。\n\
         附件：规定全文.pdf"
    );
}

#[test]
fn text_has_real_characters_not_entities() {
    let out = render_markup("A &amp; B &lt;C&gt; &quot;D&quot; &copy; &#20013; `<code>` \\*");
    assert!(out.html.contains("A &amp; B &lt;C&gt;"), "{}", out.html);
    assert_eq!(out.text, "A & B <C> \"D\" © 中 <code> *");
}

#[test]
fn empty_source() {
    assert_eq!(
        render_markup(""),
        Rendered {
            html: String::new(),
            text: String::new()
        }
    );
    assert_eq!(text("\n \n\t\n"), "");
}

#[test]
fn imported_paragraphs() {
    let old = "  第一条 为了规范政府信息公开工作。\r\n\r\n# 不是标题\n- 不是列表\n1. 不是编号\n2) 也不是\n> 不是引用\n<b>不是标签</b>\n**不加粗** _不斜体_ `不是代码` ~~不删除~~ [不是链接](/x) | 不是表格 |\n&amp; 不是实体 \\ 反斜杠\n---\n\u{3000}全角空格缩进\u{3000}\n";
    let markup = paragraphs_to_markup(old);
    let out = render_markup(&markup);
    assert_eq!(
        tags(&out.html).iter().filter(|t| *t == "p").count(),
        11,
        "{}",
        out.html
    );
    assert_eq!(
        out.text,
        "第一条 为了规范政府信息公开工作。\n# 不是标题\n- 不是列表\n1. 不是编号\n2) 也不是\n> 不是引用\n<b>不是标签</b>\n**不加粗** _不斜体_ `不是代码` ~~不删除~~ [不是链接](/x) | 不是表格 |\n&amp; 不是实体 \\ 反斜杠\n---\n全角空格缩进"
    );
    assert_eq!(paragraphs_to_markup(" \n\r\n "), "");
}

/// The text `render_markup(paragraphs_to_markup(t))` must give: non-blank trimmed lines.
fn expected_lines(t: &str) -> String {
    t.split(['\n', '\r'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text with Chinese, ASCII punctuation, whitespace, markdown constructs and any character but
/// U+0000 (which CommonMark reads as U+FFFD).
fn plain_texts() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(
            "#-+*>.)(0123456789\\`_[]<>&|~!=:;\"'{}^$%@/?,ab ".chars().collect::<Vec<_>>()
        ).prop_map(String::from),
        3 => prop::sample::select(
            "政府信息公开申请答复，。、；：“”（）《》【】—…\u{3000}".chars().collect::<Vec<_>>()
        ).prop_map(String::from),
        2 => prop::sample::select(vec![
            "\n", "\r\n", "\r", "\t", "\u{a0}", "\u{b}", "\u{c}", "\u{2028}", "  \n",
        ]).prop_map(String::from),
        2 => prop::sample::select(vec![
            "1. ", "1) ", "123456789. ", "# ", "###### ", "```", "~~~", "---", "***", "___",
            "===", "<div>", "<script>", "<!--", "-->", "<?", "<![CDATA[", "[a]: /b", "[^1]",
            "    ", "|a|b|", "|---|---|", "&amp;", "&#35;", "&copy", "\\", "- [ ] ", "> ",
            "[x](javascript:1)", "![i](/i.png)", "<http://a>", "<a@b.c>", "**a**", "_a_",
            "~~a~~", "$x$", "^a^", "{#id}", ": def",
        ]).prop_map(String::from),
        1 => any::<char>().prop_filter("U+0000", |c| *c != '\0').prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

/// Tags the renderer may write.
const ALLOWED_TAGS: &[&str] = &[
    "p",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "em",
    "strong",
    "del",
    "a",
    "img",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "code",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "br",
];

proptest! {
    #[test]
    fn imported_text_round_trips(t in plain_texts()) {
        let markup = paragraphs_to_markup(&t);
        let out = render_markup(&markup);
        prop_assert_eq!(&out.text, &expected_lines(&t), "markup: {:?}\nhtml: {}", markup, out.html);
        // Every line is one paragraph, nothing else.
        let expected_tags: Vec<&str> = expected_lines(&t).lines().flat_map(|_| ["p", "/p"]).collect();
        prop_assert_eq!(tags(&out.html), expected_tags, "{}", out.html);
    }

    #[test]
    fn any_source_gives_only_safe_html(src in plain_texts()) {
        let out = render_markup(&src);
        for tag in tags(&out.html) {
            let name = tag.trim_start_matches('/');
            prop_assert!(ALLOWED_TAGS.contains(&name), "<{}> in {}", tag, out.html);
        }
        for attr in ["href=\"", "src=\""] {
            for (i, _) in out.html.match_indices(attr) {
                let value = out.html[i + attr.len()..].to_ascii_lowercase();
                prop_assert!(
                    !value.starts_with("javascript:") && !value.starts_with("data:"),
                    "{}", out.html
                );
            }
        }
        prop_assert!(!out.text.lines().any(|l| l.is_empty() || l.trim() != l), "{:?}", out.text);
    }
}
