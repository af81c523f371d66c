//! Browser tests: Debian's Chromium, driven through chromedriver (WebDriver), against the app on
//! a real port on 127.0.0.1. They run when `chromedriver` is on the PATH; when it is not, they
//! say so — and fail instead when `ONEWINDOW_BROWSER_TESTS=1` (as `.ci/run` sets), so that CI
//! can never skip them silently.

// Tests fail loudly: unwrap/expect/panic are the point here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use onewindow_testkit::spawn_app;

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start chromedriver, or explain why the browser tests cannot run.
fn driver() -> Option<Driver> {
    let found = Command::new("chromedriver")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        let msg = "browser tests skipped: chromedriver is not installed \
                   (apt-get install chromium chromium-driver; bash .ci/run does)";
        if std::env::var("ONEWINDOW_BROWSER_TESTS").as_deref() == Ok("1") {
            panic!("{msg}");
        }
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "note: {msg}");
        return None;
    }
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    Some(Driver { child, port })
}

async fn browser(d: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                     "--lang=zh-CN"]
        }),
    );
    let url = format!("http://127.0.0.1:{}", d.port);
    for _ in 0..50 {
        if let Ok(c) = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not accept a session at {url}");
}

async fn save_screenshot(c: &Client, name: &str) {
    if let Ok(png) = c.screenshot().await {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_computes_a_due_date_and_checks_an_id() {
    let Some(d) = driver() else { return };
    let (addr, _t) = spawn_app().await;
    let c = browser(&d).await;
    let base = format!("http://{addr}");

    c.goto(&format!("{base}/")).await.unwrap();
    assert!(c.title().await.unwrap().contains("泉州市行政服务中心"));
    c.wait()
        .for_element(Locator::LinkText("工作日计算"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Date inputs take locale-specific typing; set the value as a person's picker would.
    c.execute(
        "document.getElementById('start').value = '2026-09-28';",
        vec![],
    )
    .await
    .unwrap();
    let days = c.wait().for_element(Locator::Id("days")).await.unwrap();
    days.send_keys("5").await.unwrap();
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let due = c
        .wait()
        .for_element(Locator::Id("due"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // 2026-09-28 + 5 working days: 29, 30, (Oct 1-7 National Day), Oct 8, 9, 10 (make-up Saturday).
    assert_eq!(due, "2026-10-10");
    save_screenshot(&c, "workdays").await;

    c.goto(&format!("{base}/tools/id-check")).await.unwrap();
    c.wait()
        .for_element(Locator::Id("value"))
        .await
        .unwrap()
        .send_keys("91110000710925462X")
        .await
        .unwrap();
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let kind = c
        .wait()
        .for_element(Locator::Id("kind"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(kind, "统一社会信用代码");
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_logs_in_creates_a_township_and_logs_out() {
    let Some(d) = driver() else { return };
    let (addr, _t) = spawn_app().await;
    let c = browser(&d).await;
    let base = format!("http://{addr}");

    c.goto(&format!("{base}/admin/org")).await.unwrap();
    // Not logged in: the login page, which brings us back afterwards.
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    c.wait()
        .for_element(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("admin")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(onewindow_app::demo::DEMO_PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_url(&format!("{base}/admin/org").parse().unwrap())
        .await
        .unwrap();
    save_screenshot(&c, "org").await;

    c.wait()
        .for_element(Locator::Id("region-code"))
        .await
        .unwrap()
        .send_keys("350582102")
        .await
        .unwrap();
    c.find(Locator::Id("region-name"))
        .await
        .unwrap()
        .send_keys("青阳街道")
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/admin/regions'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let flash = c
        .wait()
        .for_element(Locator::Css("p.flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(flash, "已保存");
    let table = c
        .find(Locator::Id("regions"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(table.contains("青阳街道") && table.contains("350582102"));

    // Switch to English and log out.
    c.find(Locator::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::XPath("//h1[contains(., 'Organisation')]"))
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        c.wait()
            .for_element(Locator::LinkText("Staff login"))
            .await
            .is_ok()
    );
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_browses_a_hall_opens_an_item_and_prints_its_guide() {
    let Some(d) = driver() else { return };
    let (addr, _t) = spawn_app().await;
    let c = browser(&d).await;
    let base = format!("http://{addr}");

    c.goto(&format!("{base}/")).await.unwrap();
    c.wait()
        .for_element(Locator::LinkText("办事指南"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::LinkText("市场准入"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let first = c
        .wait()
        .for_element(Locator::Css("#items a.item-name"))
        .await
        .unwrap();
    let name = first.text().await.unwrap();
    assert!(!name.is_empty());
    first.click().await.unwrap();
    let h1 = c
        .wait()
        .for_element(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, name);
    assert!(
        c.find(Locator::Id("materials")).await.is_ok(),
        "materials table"
    );
    save_screenshot(&c, "guide-item").await;
    c.find(Locator::Id("print-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("print-now"))
        .await
        .unwrap();
    // The print stylesheet hides the site chrome: the banner is not displayed when printing.
    let media = c
        .execute("return window.matchMedia('print').media;", vec![])
        .await
        .unwrap();
    assert_eq!(media, serde_json::json!("print"));
    assert!(c.find(Locator::Id("materials")).await.is_ok());
    save_screenshot(&c, "guide-print").await;

    // Search finds the company-opening items.
    c.goto(&format!("{base}/guide")).await.unwrap();
    c.wait()
        .for_element(Locator::Id("q"))
        .await
        .unwrap()
        .send_keys("开办企业")
        .await
        .unwrap();
    c.find(Locator::Css("form[role=search] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let hits = c
        .wait()
        .for_element(Locator::Id("items"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(hits.contains("企业设立登记"), "{hits}");
    c.close().await.unwrap();
}

/// Log in through the form and land on `next`.
async fn login_as(c: &Client, base: &str, user: &str, next: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}{next}")).await.unwrap();
    c.wait()
        .for_element(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(onewindow_app::demo::DEMO_PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_url(&format!("{base}{next}").parse().unwrap())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_bundle_from_window_to_public_status() {
    let Some(d) = driver() else { return };
    let (addr, _t) = spawn_app().await;
    let c = browser(&d).await;
    let base = format!("http://{addr}");
    let company = onewindow_domain::identity::CreditCode::synthesize("91350503", "MA2XKD8L")
        .unwrap()
        .as_str()
        .to_string();

    // The clerk looks the applicant up by 一号 and starts a 企业开办 case.
    login_as(&c, &base, "clerk", "/cases").await;
    c.find(Locator::Id("lookup"))
        .await
        .unwrap()
        .send_keys(&company)
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/cases'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("applicant"))
        .await
        .unwrap();
    c.find(Locator::Css("#bundles a[href*=qykb]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The 一号 came along; enter the name, keep every material "provided", accept.
    c.wait()
        .for_element(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("泉州市晨光贸易有限公司")
        .await
        .unwrap();
    let idv = c
        .find(Locator::Id("id_number"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(idv, company);
    save_screenshot(&c, "intake").await;
    c.find(Locator::Id("submit-intake"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let case_no = c
        .wait()
        .for_element(Locator::Id("case-no"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(case_no.len(), 20, "{case_no}");
    let case_url = c.current_url().await.unwrap();
    let case_path = case_url.path().to_string();
    assert!(
        c.find(Locator::Id("new-notice")).await.is_ok(),
        "the acceptance notice is offered for printing"
    );

    // Four reviewers, each in their own department: the three co-reviewers first, then the
    // lead (市场监管).
    for (user, dept) in [
        ("reviewer.ga", "泉州市公安局"),
        ("reviewer.sw", "国家税务总局泉州市税务局"),
        ("reviewer.rh", "中国人民银行泉州市分行"),
        ("reviewer.scjg", "泉州市市场监督管理局"),
    ] {
        login_as(&c, &base, user, "/review").await;
        let q = c
            .find(Locator::Id("queue"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(q.contains(&case_no), "{user}'s queue lists the case");
        c.find(Locator::LinkText(&case_no))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let button = c
            .wait()
            .for_element(Locator::XPath(&format!(
                "//form[contains(@class,'decide')]//button[contains(., '{dept}')]"
            )))
            .await
            .unwrap();
        // Tick every review standard shown for this task.
        let form = button.find(Locator::XPath("ancestor::form")).await.unwrap();
        for cb in form
            .find_all(Locator::Css("input[type=checkbox]"))
            .await
            .unwrap()
        {
            cb.click().await.unwrap();
        }
        button.click().await.unwrap();
        c.wait()
            .for_url(&format!("{base}{case_path}").parse().unwrap())
            .await
            .unwrap();
        save_screenshot(&c, &format!("review-{user}")).await;
    }
    let status = c
        .find(Locator::Id("case-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(status.contains("已办结"), "{status}");

    // The applicant, not logged in, checks the public status page.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/status")).await.unwrap();
    c.wait()
        .for_element(Locator::Id("no"))
        .await
        .unwrap()
        .send_keys(&case_no)
        .await
        .unwrap();
    c.find(Locator::Id("id"))
        .await
        .unwrap()
        .send_keys(&company)
        .await
        .unwrap();
    c.find(Locator::Css("#status-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let shown = c
        .wait()
        .for_element(Locator::Id("case-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        shown.contains("已办结") && shown.contains("准予"),
        "{shown}"
    );
    save_screenshot(&c, "status").await;
    c.close().await.unwrap();
}

/// 依申请公开 end to end: a citizen applies online, the officer replies 部分公开 with a
/// rebuilt release, the citizen follows the request and downloads the reply letter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_applies_officer_replies_partially_citizen_downloads_the_letter() {
    let Some(d) = driver() else { return };
    let (addr, _t) = spawn_app().await;
    let c = browser(&d).await;
    let base = format!("http://{addr}");

    // The citizen applies on the portal.
    c.goto(&format!("{base}/ysqgk/apply")).await.unwrap();
    for (id, value) in [
        ("applicant_name", "林晓"),
        ("id_number", "35050219900101123X"),
        ("phone", "13912345678"),
        ("email", "lin@example.cn"),
        // The way of obtaining preselected is post: it needs the postal address.
        ("address", "泉州市丰泽区田安路 1 号"),
        ("description", "2025年度泉州市行政服务中心部门预算"),
        ("query_password", "lin-secret-7"),
        ("query_password2", "lin-secret-7"),
    ] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    c.find(Locator::Id("ysq-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let no = c
        .wait()
        .for_element(Locator::Id("ysq-no"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(no.starts_with("YSQ"), "{no}");
    save_screenshot(&c, "ysq_applied").await;

    // The disclosure officer finds it and replies 部分公开 with the disclosable part.
    login_as(&c, &base, "disclosure", "/ysqgk/requests").await;
    c.find(Locator::LinkText(&no))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("reply-form"))
        .await
        .unwrap();
    c.find(Locator::Css("#outcome option[value=partial]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("reason"))
        .await
        .unwrap()
        .send_keys("预算明细中含有供应商的个人信息，已作区分处理")
        .await
        .unwrap();
    c.find(Locator::Id("released_text"))
        .await
        .unwrap()
        .send_keys("一、收入预算 3,210 万元\n二、支出预算 3,210 万元")
        .await
        .unwrap();
    c.find(Locator::Id("reply-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The request page before the submit has the same element: wait for the new text (the
    // old element goes stale when the page changes).
    let status = wait_text(&c, "ysq-status", "部分公开").await;
    assert!(status.contains("部分公开"), "{status}");
    save_screenshot(&c, "ysq_replied").await;

    // The citizen looks the request up and downloads the reply letter.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/ysqgk/track")).await.unwrap();
    c.wait()
        .for_element(Locator::Id("no"))
        .await
        .unwrap()
        .send_keys(&no)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("lin-secret-7")
        .await
        .unwrap();
    c.find(Locator::Id("track-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let st = c
        .wait()
        .for_element(Locator::Id("ysq-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(st.contains("部分公开"), "{st}");
    assert!(
        c.find(Locator::Id("ysq-files")).await.is_ok(),
        "the released file is listed"
    );
    let href = c
        .find(Locator::Css("#ysq-letters li:last-child a.docx"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    save_screenshot(&c, "ysq_tracked").await;
    // Download it through the same session (the browser would save it): a real DOCX.
    let url = if href.starts_with("http") {
        href
    } else {
        format!("{base}{href}")
    };
    let bytes = reqwest_get(&url).await;
    assert!(bytes.starts_with(b"PK\x03\x04"), "a DOCX (zip) file");
    let text = String::from_utf8_lossy(&unzip_document_xml(&bytes)).to_string();
    assert!(text.contains("部分公开"), "the letter says 部分公开");
}

/// The text of element `id` once it contains `needle` (or what it says after 10 s), tolerating
/// the page being replaced meanwhile.
async fn wait_text(c: &Client, id: &str, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Id(id)).await
            && let Ok(t) = e.text().await
        {
            if t.contains(needle) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    last
}

async fn reqwest_get(url: &str) -> Vec<u8> {
    // A plain HTTP/1.1 GET over a TCP socket: the link carries its own token, no cookie needed.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let u = url.trim_start_matches("http://");
    let (host, path) = u.split_at(u.find('/').unwrap());
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let at = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&buf[..at]).to_string();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    buf[at..].to_vec()
}

fn unzip_document_xml(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = z.by_name("word/document.xml").unwrap();
    let mut out = Vec::new();
    f.read_to_end(&mut out).unwrap();
    out
}

// ---------------------------------------------------------------------------------------------
// Accessibility: axe-core (WCAG 2.1 A and AA rules) run in the page.

/// The WCAG levels the portal must meet: axe-core's tags for WCAG 2.0 and 2.1, A and AA.
const AXE_TAGS: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']";

/// axe-core's `axe.min.js`, read from the file named by `AXE_CORE_JS` (`.ci/run` installs it
/// from npm and sets the variable). Unset: CI (`ONEWINDOW_BROWSER_TESTS=1`) fails; elsewhere
/// the accessibility checks alone are skipped, with a note saying so.
fn axe_source() -> Option<String> {
    match std::env::var("AXE_CORE_JS") {
        Ok(path) if !path.is_empty() => {
            let src = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!("AXE_CORE_JS={path}: cannot read axe-core ({e}); bash .ci/run installs it")
            });
            assert!(src.contains("axe"), "AXE_CORE_JS={path} is not axe-core");
            Some(src)
        }
        _ => {
            let why = "AXE_CORE_JS is not set: it names axe-core's axe.min.js \
                       (npm install --no-save --prefix ~/.cache/onewindow-axe axe-core@4.10.3, then \
                       AXE_CORE_JS=~/.cache/onewindow-axe/node_modules/axe-core/axe.min.js; \
                       bash .ci/run does both)";
            if std::env::var("ONEWINDOW_BROWSER_TESTS").as_deref() == Ok("1") {
                panic!("the accessibility (axe-core) checks cannot run: {why}");
            }
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr().lock(),
                "note: accessibility (axe-core) checks skipped, the rest of the test runs: {why}"
            );
            None
        }
    }
}

/// Runs axe-core on the pages a test visits and collects the violations of every page, so that
/// one run lists everything to fix; [`A11y::finish`] fails the test if there were any.
struct A11y {
    axe: Option<String>,
    failures: Vec<String>,
    pages: usize,
}

impl A11y {
    fn new() -> A11y {
        A11y {
            axe: axe_source(),
            failures: Vec::new(),
            pages: 0,
        }
    }

    /// Check the page the browser shows now; `label` names it in the report.
    async fn check(&mut self, c: &Client, label: &str) {
        let Some(src) = self.axe.as_deref() else {
            return;
        };
        // The app's CSP forbids inline <script>; WebDriver's script execution is not bound by
        // it, so axe is evaluated directly (it defines `window.axe`).
        let loaded = c
            .execute(
                &format!(
                    "if (typeof window.axe !== 'object') {{\n{src}\n}}\nreturn typeof window.axe;"
                ),
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            loaded,
            serde_json::json!("object"),
            "axe-core loaded on {label}"
        );
        let script = format!(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {{ runOnly: {{ type: 'tag', values: {AXE_TAGS} }}, resultTypes: ['violations'] }})
               .then(r => done({{ version: axe.version, violations: r.violations.map(v => ({{
                   id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, count: v.nodes.length,
                   nodes: v.nodes.slice(0, 4).map(n => ({{
                     target: n.target.join(' '), html: n.html.slice(0, 300),
                     summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 400) }})) }})) }}))
               .catch(e => done({{ error: String(e) }}));"
        );
        let r = c.execute_async(&script, vec![]).await.unwrap();
        if let Some(e) = r.get("error") {
            panic!("axe-core failed on {label}: {e}");
        }
        self.pages += 1;
        let url = c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let violations = r["violations"].as_array().cloned().unwrap_or_default();
        if violations.is_empty() {
            return;
        }
        save_screenshot(c, &format!("axe-{label}")).await;
        let mut out = format!(
            "{label} ({url}): {} violation(s) (axe {})",
            violations.len(),
            r["version"].as_str().unwrap_or("?")
        );
        for v in &violations {
            out.push_str(&format!(
                "\n  [{}] {}: {} ({} node(s)) {}",
                v["impact"].as_str().unwrap_or("?"),
                v["id"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                v["count"],
                v["helpUrl"].as_str().unwrap_or("")
            ));
            for n in v["nodes"].as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "\n      at {}\n         {}\n         {}",
                    n["target"].as_str().unwrap_or(""),
                    n["html"].as_str().unwrap_or(""),
                    n["summary"].as_str().unwrap_or("")
                ));
            }
        }
        self.failures.push(out);
    }

    /// Fail with every violation found, page by page.
    fn finish(self) {
        if self.axe.is_none() {
            return;
        }
        assert!(self.pages > 0, "no page was checked for accessibility");
        assert!(
            self.failures.is_empty(),
            "WCAG 2.1 AA violations (axe-core):\n{}",
            self.failures.join("\n\n")
        );
    }
}

/// Press a key once (down and up), on whatever has the focus.
async fn press(c: &Client, key: fantoccini::key::Key) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let k: char = key.into();
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    c.perform_actions(keys).await.unwrap();
}

/// `document.activeElement`, described as `tag#id.class`.
async fn focused(c: &Client) -> String {
    c.execute(
        "const e = document.activeElement;
         return e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                    (e.className ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '') : '';",
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// The page source of `path` for a visitor who is not logged in (a browser of its own).
async fn anonymous_source(v: &Client, base: &str, path: &str) -> String {
    v.goto(&format!("{base}{path}")).await.unwrap();
    v.wait().for_element(Locator::Css("main h1")).await.unwrap();
    v.source().await.unwrap()
}

/// 主动公开 end to end: the disclosure officer drafts and submits an item; until it has passed
/// both reviews no visitor can see or find it; the publishing reviewer passes 保密审查 and 内容审核;
/// a visitor then finds it by full-text search (highlighted) and reads it. Every page on the way
/// — public and staff — is checked against WCAG 2.1 AA with axe-core.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_publishes_reviewer_approves_citizen_finds_it() {
    let Some(d) = driver() else { return };
    let mut a11y = A11y::new();
    let (addr, _t) = spawn_app().await;
    let c = browser(&d).await;
    let base = format!("http://{addr}");
    let title = "关于开展2026年洛阳桥古桥保护志愿服务活动的通知";
    let word = "志愿服务";

    // The officer's desk and the editor.
    login_as(&c, &base, "disclosure", "/xxgk/admin").await;
    c.wait()
        .for_element(Locator::Id("new-item"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("item-form"))
        .await
        .unwrap();
    a11y.check(&c, "xxgk-editor").await;
    c.find(Locator::Id("title"))
        .await
        .unwrap()
        .send_keys(title)
        .await
        .unwrap();
    // 发布机构, 形成日期, 栏目 (工作通知) and 体裁 (通知) come filled in.
    let issuing = c
        .find(Locator::Id("issuing_body"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(!issuing.is_empty(), "发布机构 is filled in");
    c.find(Locator::Id("keywords"))
        .await
        .unwrap()
        .send_keys("古桥保护")
        .await
        .unwrap();
    c.find(Locator::Id("summary"))
        .await
        .unwrap()
        .send_keys("招募志愿者参与洛阳桥日常巡护和文明劝导。")
        .await
        .unwrap();
    c.find(Locator::Id("body"))
        .await
        .unwrap()
        .send_keys(
            "为保护洛阳桥等古桥文物，现面向社会招募志愿者。\n\n## 报名方式\n\n- 时间：工作日 8:30—17:30\n- 地点：行政服务中心一楼咨询台",
        )
        .await
        .unwrap();
    save_screenshot(&c, "xxgk-editor").await;
    c.find(Locator::Id("save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let state = wait_text(&c, "state", "草稿").await;
    assert!(state.contains("草稿"), "{state}");
    let path = c.current_url().await.unwrap().path().to_string();
    let id: i64 = path
        .strip_prefix("/xxgk/admin/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("the item page after saving: {path}"));
    c.find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let state = wait_text(&c, "state", "待保密审查").await;
    assert!(state.contains("待保密审查"), "{state}");
    a11y.check(&c, "xxgk-admin-item").await;
    save_screenshot(&c, "xxgk-submitted").await;
    c.goto(&format!("{base}/xxgk/admin")).await.unwrap();
    let desk = c
        .wait()
        .for_element(Locator::Id("deadlines"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        desk.contains(title),
        "the deadline dashboard lists it: {desk}"
    );
    a11y.check(&c, "xxgk-desk-officer").await;

    // Not reviewed yet: a visitor (a browser of its own, never logged in) neither sees nor finds it.
    let v = browser(&d).await;
    let list = anonymous_source(&v, &base, "/xxgk/").await;
    assert!(!list.contains(title), "not listed before review");
    let hits = anonymous_source(&v, &base, &format!("/xxgk/search?q={word}")).await;
    assert!(!hits.contains(title), "not found before review");
    let item = anonymous_source(&v, &base, &format!("/xxgk/{id}")).await;
    assert!(!item.contains(title), "no public page before review");

    // The publishing reviewer: 保密审查, then 内容审核 (publish now).
    login_as(&c, &base, "publisher", "/xxgk/admin").await;
    let queue = c
        .wait()
        .for_element(Locator::Id("queue"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        queue.contains(title),
        "the reviewer's queue lists it: {queue}"
    );
    a11y.check(&c, "xxgk-desk-reviewer").await;
    c.find(Locator::LinkText(title))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("pass-note"))
        .await
        .unwrap()
        .send_keys("不涉及国家秘密、工作秘密")
        .await
        .unwrap();
    a11y.check(&c, "xxgk-admin-review").await;
    c.find(Locator::Id("pass"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let state = wait_text(&c, "state", "待内容审核").await;
    assert!(state.contains("待内容审核"), "{state}");
    c.wait()
        .for_element(Locator::Id("pass-note"))
        .await
        .unwrap()
        .send_keys("同意发布")
        .await
        .unwrap();
    c.find(Locator::Id("pass"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let state = wait_text(&c, "state", "已发布").await;
    assert!(state.contains("已发布"), "{state}");
    save_screenshot(&c, "xxgk-published").await;
    c.close().await.unwrap();

    // The visitor searches, finds it highlighted, and opens it.
    v.goto(&format!("{base}/xxgk/search?q={word}"))
        .await
        .unwrap();
    v.wait().for_element(Locator::Id("items")).await.unwrap();
    let mut found = None;
    for a in v
        .find_all(Locator::Css("#items a.item-name"))
        .await
        .unwrap()
    {
        if a.text().await.unwrap() == title {
            found = Some(a);
        }
    }
    let link = found.unwrap_or_else(|| panic!("search for {word} finds {title}"));
    let marked = link.find_all(Locator::Css("mark")).await.unwrap().len();
    assert!(marked > 0, "the search word is highlighted with <mark>");
    let snippet = v
        .find(Locator::Css("#items .snippet"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!snippet.is_empty());
    a11y.check(&v, "xxgk-search").await;
    save_screenshot(&v, "xxgk-search").await;
    link.click().await.unwrap();
    let h1 = v
        .wait()
        .for_element(Locator::Css("main h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, title);
    assert_eq!(v.current_url().await.unwrap().path(), format!("/xxgk/{id}"));
    let meta = v
        .find(Locator::Id("item-meta"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        meta.contains(&issuing) && meta.contains("古桥保护"),
        "{meta}"
    );
    let body = v
        .find(Locator::Id("item-body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("报名方式") && body.contains("行政服务中心一楼咨询台"),
        "{body}"
    );
    a11y.check(&v, "xxgk-item").await;
    save_screenshot(&v, "xxgk-item").await;

    // Listed first (newest) on the portal; the other public pages.
    v.goto(&format!("{base}/xxgk/")).await.unwrap();
    let first = v
        .wait()
        .for_element(Locator::Css("#items a.item-name"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(first, title);
    a11y.check(&v, "xxgk-list").await;
    save_screenshot(&v, "xxgk-list").await;
    v.goto(&format!("{base}/xxgk/?column=notices"))
        .await
        .unwrap();
    v.wait().for_element(Locator::Id("total")).await.unwrap();
    a11y.check(&v, "xxgk-list-filtered").await;
    v.goto(&format!("{base}/xxgk/guide")).await.unwrap();
    v.wait().for_element(Locator::Id("guide")).await.unwrap();
    a11y.check(&v, "xxgk-guide").await;
    save_screenshot(&v, "xxgk-guide").await;
    v.goto(&format!("{base}/xxgk/withdrawn")).await.unwrap();
    v.wait().for_element(Locator::Css("main h1")).await.unwrap();
    a11y.check(&v, "xxgk-withdrawn").await;

    // A repealed notice (废止) says so above its metadata and keeps its update history; then the
    // same page and the list in English.
    v.goto(&format!("{base}/xxgk/")).await.unwrap();
    v.wait()
        .for_element(Locator::LinkText("关于调整窗口服务时间的通知"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let banner = v
        .wait()
        .for_element(Locator::Id("validity-banner"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(banner.contains("废止"), "{banner}");
    assert!(
        v.find(Locator::Id("history")).await.is_ok(),
        "update history"
    );
    a11y.check(&v, "xxgk-item-repealed").await;
    v.find(Locator::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    v.wait()
        .for_element(Locator::XPath("//th[contains(., 'Index no.')]"))
        .await
        .unwrap();
    a11y.check(&v, "xxgk-item-en").await;
    v.goto(&format!("{base}/xxgk/")).await.unwrap();
    v.wait()
        .for_element(Locator::XPath("//label[contains(., 'Search')]"))
        .await
        .unwrap();
    a11y.check(&v, "xxgk-list-en").await;
    save_screenshot(&v, "xxgk-list-en").await;
    v.close().await.unwrap();
    a11y.finish();
}

/// The portal works from the keyboard: the first Tab reaches the skip link, which is shown when
/// focused and leads into the main content; Tab order reaches the search box, where typing and
/// Enter search.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_uses_the_disclosure_portal_with_the_keyboard() {
    use fantoccini::key::Key;
    let Some(d) = driver() else { return };
    let (addr, _t) = spawn_app().await;
    let c = browser(&d).await;
    let base = format!("http://{addr}");

    c.goto(&format!("{base}/xxgk/")).await.unwrap();
    c.wait().for_element(Locator::Id("q")).await.unwrap();
    press(&c, Key::Tab).await;
    assert_eq!(
        focused(&c).await,
        "a.skip",
        "the first Tab stop is the skip link"
    );
    let shown = c
        .execute(
            "const r = document.activeElement.getBoundingClientRect();
             return r.left >= 0 && r.top >= 0 && r.width > 0 && r.height > 0;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        shown,
        serde_json::json!(true),
        "the focused skip link is on screen"
    );
    save_screenshot(&c, "xxgk-skip-link").await;
    // Following it moves the focus navigation point into <main>: the next Tab stop is there.
    press(&c, Key::Enter).await;
    press(&c, Key::Tab).await;
    let in_main = c
        .execute(
            "return document.getElementById('main').contains(document.activeElement);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        in_main,
        serde_json::json!(true),
        "after the skip link, Tab lands in the main content (on {})",
        focused(&c).await
    );

    // From the top of the page, Tab order reaches the search box.
    c.goto(&format!("{base}/xxgk/")).await.unwrap();
    c.wait().for_element(Locator::Id("q")).await.unwrap();
    let mut stops = Vec::new();
    for _ in 0..80 {
        press(&c, Key::Tab).await;
        let f = focused(&c).await;
        let done = f == "input#q";
        stops.push(f);
        if done {
            break;
        }
    }
    assert_eq!(
        stops.last().map(String::as_str),
        Some("input#q"),
        "Tab reaches the search box; stops: {stops:?}"
    );
    // Type and press Enter: the search runs.
    c.active_element()
        .await
        .unwrap()
        .send_keys("营业执照")
        .await
        .unwrap();
    press(&c, Key::Enter).await;
    c.wait()
        .for_url(
            &format!("{base}/xxgk/search?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7")
                .parse()
                .unwrap(),
        )
        .await
        .unwrap();
    let hits = c
        .wait()
        .for_element(Locator::Id("items"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(hits.contains("营业执照"), "{hits}");
    c.close().await.unwrap();
}

/// E-licences in the browser: a visitor verifies the demo company's 营业执照 by its identifier,
/// the issuing department's lead suspends it on the licence page, and the visitor's next check
/// says 暂扣. The verification and licence pages are checked with axe-core.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_verifies_a_licence_and_sees_a_suspension_at_once() {
    let Some(d) = driver() else { return };
    let (addr, t) = spawn_app().await;
    let c = browser(&d).await;
    let base = format!("http://{addr}");
    let mut a11y = A11y::new();
    let lic = onewindow_app::licenses::list(t.app(), None, Some("valid"), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.type_code == "11100000000013127D001")
        .unwrap();

    let verify = |c: Client, base: String, id: String| async move {
        c.goto(&format!("{base}/licenses/verify")).await.unwrap();
        c.wait()
            .for_element(Locator::Id("q"))
            .await
            .unwrap()
            .send_keys(&id)
            .await
            .unwrap();
        c.find(Locator::Css("#verify-form button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Id("verify-status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let shown = verify(c.clone(), base.clone(), lic.identifier.clone()).await;
    assert_eq!(shown, "有效");
    a11y.check(&c, "licence verification").await;
    save_screenshot(&c, "licence-verify").await;

    // The lead of 市场监管 suspends it.
    login_as(
        &c,
        &base,
        "lead.scjg",
        &format!("/licenses/{}", lic.identifier),
    )
    .await;
    c.wait()
        .for_element(Locator::Id("license-face"))
        .await
        .unwrap();
    a11y.check(&c, "licence page (staff)").await;
    c.find(Locator::Css("#action option[value=suspend]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("reason"))
        .await
        .unwrap()
        .send_keys("涉嫌虚假登记，立案调查")
        .await
        .unwrap();
    c.find(Locator::Css("#status-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = wait_text(&c, "license-status", "暂扣").await;
    assert!(status.contains("暂扣"), "{status}");
    save_screenshot(&c, "licence-suspended").await;

    // The visitor's next check, with no session: suspended, with the reason.
    c.delete_all_cookies().await.unwrap();
    let shown = verify(c.clone(), base.clone(), lic.identifier.clone()).await;
    assert_eq!(shown, "暂扣");
    let page = c.source().await.unwrap();
    assert!(page.contains("涉嫌虚假登记"), "the reason is shown");
    c.close().await.unwrap();
    a11y.finish();
}
