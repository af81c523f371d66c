#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Behaviour of the search index on realistic government-service texts.

use std::collections::BTreeSet;
use std::sync::Arc;

use onewindow_search::{Hit, IndexDoc, MAX_LIMIT, SearchIndex, SearchQuery, SearchResults};

const CATALOG: &str = "catalog";
const DISCLOSURE: &str = "disclosure";

fn doc(kind: &str, id: i64, title: &str, body: &str, facets: &[(&str, &str)]) -> IndexDoc {
    IndexDoc {
        kind: kind.to_owned(),
        id,
        title: title.to_owned(),
        body: body.to_owned(),
        facets: facets
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        date: None,
        url: format!("/{kind}/{id}"),
    }
}

fn catalog() -> Vec<IndexDoc> {
    let market = [
        ("hall", "市场准入"),
        ("department", "泉州市市场监督管理局"),
        ("level", "city"),
    ];
    let police = [
        ("hall", "公安服务"),
        ("department", "泉州市公安局"),
        ("level", "city"),
    ];
    let land = [
        ("hall", "不动产登记"),
        ("department", "泉州市自然资源和规划局"),
        ("level", "city"),
    ];
    vec![
        doc(
            CATALOG,
            1,
            "企业设立登记",
            "申请人办理开办企业业务，可通过“企业开办一网通办”平台一次提交设立登记、公章刻制、\
             发票申领等材料，审核通过后当场领取营业执照。",
            &market,
        ),
        doc(
            CATALOG,
            2,
            "开办企业一件事",
            "将企业设立登记、公章刻制备案、涉税事项办理、员工参保登记等事项整合为“一件事”，\
             开办企业全流程压缩至1个工作日内办结。",
            &market,
        ),
        doc(
            CATALOG,
            3,
            "公章刻制备案",
            "新开办企业首套印章免费刻制，公安机关在开办企业环节同步完成公章刻制备案，申请人无需另行跑腿。",
            &police,
        ),
        doc(
            CATALOG,
            4,
            "不动产转移登记",
            "因买卖、赠与、继承等导致不动产权利转移的，当事人可申请转移登记，\
             需提交不动产权证书、身份证明、转移合同等材料。",
            &land,
        ),
        doc(
            CATALOG,
            5,
            "不动产抵押登记",
            "以房屋等不动产设定抵押的，抵押人与抵押权人可共同向登记机构申请抵押登记。",
            &land,
        ),
        doc(
            CATALOG,
            6,
            "普通护照签发",
            "中国公民因前往外国定居、探亲、学习、就业、旅行等非公务原因出国的，\
             可向出入境管理机构申请普通护照，全国通办。",
            &police,
        ),
        doc(
            CATALOG,
            7,
            "营业执照遗失补领",
            "企业或个体工商户遗失证照的，可在线申请补领，无需登报声明。",
            &market,
        ),
        doc(
            CATALOG,
            8,
            "食品经营许可",
            "申请食品经营许可证应当提交营业执照复印件、法定代表人身份证明、经营场所平面图等材料；\
             营业执照经营范围应包含食品销售。",
            &market,
        ),
        doc(
            CATALOG,
            9,
            "户口迁移",
            "本人持居民户口簿、居民身份证到迁入地派出所申请，户籍迁移审批一般在3个工作日内办结。",
            &police,
        ),
        doc(
            CATALOG,
            10,
            "工程建设项目施工许可",
            "工程建设项目审批制度改革后，建筑工程施工许可审批时限压缩至5个工作日。",
            &[
                ("hall", "工程建设"),
                ("department", "泉州市住房和城乡建设局"),
            ],
        ),
    ]
}

fn disclosure() -> Vec<IndexDoc> {
    let mut docs = vec![
        doc(
            DISCLOSURE,
            1,
            "泉州市人民政府办公室关于进一步优化开办企业服务的通知",
            "为进一步优化营商环境，现就开办企业“一网通办”有关事项通知如下……",
            &[
                ("column", "政策文件"),
                ("year", "2026"),
                ("department", "泉州市人民政府办公室"),
            ],
        ),
        doc(
            DISCLOSURE,
            2,
            "《关于进一步优化开办企业服务的通知》政策解读",
            "一、出台背景。二、主要内容：开办企业时间压缩至1个工作日……",
            &[
                ("column", "政策解读"),
                ("year", "2026"),
                ("department", "泉州市市场监督管理局"),
            ],
        ),
        doc(
            DISCLOSURE,
            3,
            "泉州市2025年政府信息公开工作年度报告",
            "本报告依据《中华人民共和国政府信息公开条例》编制，全文包括总体情况、主动公开政府信息情况等。",
            &[("column", "年度报告"), ("year", "2025")],
        ),
    ];
    for (d, date) in docs
        .iter_mut()
        .zip([1_767_225_600, 1_767_312_000, 1_740_000_000])
    {
        d.date = Some(date);
    }
    docs
}

fn fixture() -> SearchIndex {
    let index = SearchIndex::in_ram().unwrap();
    index.upsert_many(&catalog()).unwrap();
    index.upsert_many(&disclosure()).unwrap();
    index
}

fn search(index: &SearchIndex, kind: &str, text: &str) -> SearchResults {
    index.search(&SearchQuery::new(kind, text)).unwrap()
}

fn ids(hits: &[Hit]) -> Vec<i64> {
    hits.iter().map(|h| h.id).collect()
}

fn id_set(hits: &[Hit]) -> BTreeSet<i64> {
    hits.iter().map(|h| h.id).collect()
}

#[test]
fn kaiban_qiye_finds_business_startup_services_only() {
    let index = fixture();
    for text in ["开办企业", "企业开办", "开办 企业", "开办企业？"] {
        let r = search(&index, CATALOG, text);
        assert_eq!(id_set(&r.hits), BTreeSet::from([1, 2, 3]), "{text}");
        assert_eq!(r.total, 3, "{text}");
    }
    // The title that *is* the query ranks first.
    assert_eq!(search(&index, CATALOG, "开办企业").hits[0].id, 2);
    let r = search(&index, CATALOG, "开办企业");
    assert!(r.hits.iter().all(|h| h.kind == CATALOG));
    assert_eq!(r.hits[0].url, "/catalog/2");
}

#[test]
fn budongchan_ranks_real_estate_registrations_first() {
    let index = fixture();
    let r = search(&index, CATALOG, "不动产");
    assert!(r.total >= 2);
    assert_eq!(id_set(&r.hits[..2]), BTreeSet::from([4, 5]));
    assert!(!id_set(&r.hits).contains(&6));
    // A multi-word query: every word is required.
    let r = search(&index, CATALOG, "不动产抵押");
    assert_eq!(ids(&r.hits), [5]);
    let r = search(&index, CATALOG, "不动产登记");
    assert_eq!(id_set(&r.hits), BTreeSet::from([4, 5]));
}

#[test]
fn title_match_ranks_above_body_only_match() {
    let index = fixture();
    let r = search(&index, CATALOG, "营业执照");
    let order = ids(&r.hits);
    assert_eq!(order[0], 7, "{order:?}");
    let pos = |id| order.iter().position(|&x| x == id).unwrap();
    assert!(pos(7) < pos(8), "{order:?}");
    assert!(pos(7) < pos(1), "{order:?}");
    assert_eq!(r.total, 3);
    assert!(r.hits[0].score > r.hits[1].score);
}

#[test]
fn two_character_words() {
    let index = fixture();
    assert_eq!(ids(&search(&index, CATALOG, "护照").hits), [6]);
    assert_eq!(ids(&search(&index, CATALOG, "户籍").hits), [9]);
    assert_eq!(
        id_set(&search(&index, CATALOG, "审批").hits),
        BTreeSet::from([9, 10])
    );
    assert_eq!(ids(&search(&index, CATALOG, "公章").hits).len(), 3);
}

#[test]
fn words_not_substrings() {
    let index = fixture();
    // Substrings that are no dictionary words are no terms (no n-grams).
    assert_eq!(search(&index, CATALOG, "业执").total, 0);
    assert_eq!(search(&index, CATALOG, "通护").total, 0);
    // Dictionary words inside a longer word are indexed: 执照 is found inside 营业执照,
    // and so is a dictionary word across the default cut's boundaries (普通|护照|签发 holds
    // 照签, a word of jieba's dictionary).
    assert_eq!(search(&index, CATALOG, "照签").total, 1);
    assert_eq!(
        id_set(&search(&index, CATALOG, "执照").hits),
        BTreeSet::from([1, 7, 8])
    );
    // Latin text is case-insensitive.
    index
        .upsert(&doc(CATALOG, 50, "ICP备案", "网站ICP备案办理指南", &[]))
        .unwrap();
    assert_eq!(ids(&search(&index, CATALOG, "icp").hits), [50]);
}

#[test]
fn kind_and_facet_filters() {
    let index = fixture();
    // Kind separates the two features.
    let r = search(&index, DISCLOSURE, "开办企业");
    assert_eq!(id_set(&r.hits), BTreeSet::from([1, 2]));
    assert!(r.hits.iter().all(|h| h.kind == DISCLOSURE));

    let mut q = SearchQuery::new(DISCLOSURE, "开办企业");
    q.filters = vec![("column".into(), "政策解读".into())];
    assert_eq!(ids(&index.search(&q).unwrap().hits), [2]);

    q.filters = vec![
        ("year".into(), "2026".into()),
        ("department".into(), "泉州市人民政府办公室".into()),
    ];
    assert_eq!(ids(&index.search(&q).unwrap().hits), [1]);

    q.filters = vec![("year".into(), "2025".into())];
    assert_eq!(index.search(&q).unwrap().total, 0);

    let mut q = SearchQuery::new(CATALOG, "开办企业");
    q.filters = vec![("department".into(), "泉州市公安局".into())];
    assert_eq!(ids(&index.search(&q).unwrap().hits), [3]);
    // Facet values are exact: no segmentation, no prefix match.
    q.filters = vec![("department".into(), "公安局".into())];
    assert_eq!(index.search(&q).unwrap().total, 0);
    // Unknown facet names simply match nothing.
    q.filters = vec![("nosuch".into(), "x".into())];
    assert_eq!(index.search(&q).unwrap().total, 0);
    // Unknown kind.
    assert_eq!(search(&index, "nosuch", "开办企业").total, 0);
}

#[test]
fn pagination_and_total() {
    let index = SearchIndex::in_ram().unwrap();
    let docs: Vec<IndexDoc> = (1..=25)
        .map(|i| {
            let mut d = doc(
                "paging",
                i,
                &format!("社会保障卡申领（第{i}号窗口）"),
                "持居民身份证到社会保障卡服务网点申领社会保障卡。",
                &[],
            );
            d.date = Some(1_700_000_000 + i);
            d
        })
        .collect();
    index.upsert_many(&docs).unwrap();
    assert_eq!(index.count("paging").unwrap(), 25);

    let page = |offset, limit| {
        let mut q = SearchQuery::new("paging", "社会保障卡");
        q.offset = offset;
        q.limit = limit;
        index.search(&q).unwrap()
    };
    let mut seen = Vec::new();
    for offset in [0, 10, 20] {
        let r = page(offset, 10);
        assert_eq!(r.total, 25);
        assert_eq!(r.hits.len(), if offset == 20 { 5 } else { 10 });
        seen.extend(ids(&r.hits));
    }
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(seen.len(), 25);
    assert_eq!(unique, (1..=25).collect());
    // Equal scores: newest first.
    assert_eq!(ids(&page(0, 3).hits), [25, 24, 23]);

    let r = page(0, 10_000);
    assert_eq!((r.total, r.hits.len()), (25, 25));
    let r = page(0, 0);
    assert_eq!((r.total, r.hits.len()), (25, 0));
    let r = page(30, 10);
    assert_eq!((r.total, r.hits.len()), (25, 0));
    let r = page(usize::MAX, usize::MAX);
    assert_eq!((r.total, r.hits.len()), (25, 0));

    // The limit is capped.
    let many: Vec<IndexDoc> = (1..=150)
        .map(|i| doc("cap", i, "公积金提取", "住房公积金提取", &[]))
        .collect();
    index.upsert_many(&many).unwrap();
    let mut q = SearchQuery::new("cap", "公积金");
    q.limit = 1000;
    let r = index.search(&q).unwrap();
    assert_eq!((r.total, r.hits.len()), (150, MAX_LIMIT));
}

#[test]
fn upsert_replaces_remove_and_clear_kind() {
    let index = fixture();
    let catalog_count = index.count(CATALOG).unwrap();
    assert_eq!(catalog_count, 10);
    assert_eq!(index.count(DISCLOSURE).unwrap(), 3);

    // Replace: same (kind, id), new content, no duplicate.
    let mut changed = doc(CATALOG, 6, "电子普通护照签发", "护照到期换发、补发", &[]);
    index.upsert(&changed).unwrap();
    index.upsert(&changed).unwrap();
    assert_eq!(index.count(CATALOG).unwrap(), catalog_count);
    let r = search(&index, CATALOG, "护照");
    assert_eq!(ids(&r.hits), [6]);
    assert_eq!(r.hits[0].title, "电子普通护照签发");
    assert_eq!(search(&index, CATALOG, "定居").total, 0);

    // Same id in another kind is another document.
    changed.kind = DISCLOSURE.into();
    index.upsert(&changed).unwrap();
    assert_eq!(search(&index, DISCLOSURE, "护照").total, 1);
    assert_eq!(search(&index, CATALOG, "护照").total, 1);

    // Last one wins inside a batch.
    let a = doc(CATALOG, 70, "住房公积金提取", "", &[]);
    let b = doc(CATALOG, 70, "住房公积金贷款", "", &[]);
    index.upsert_many(&[a, b]).unwrap();
    let r = search(&index, CATALOG, "公积金");
    assert_eq!(ids(&r.hits), [70]);
    assert_eq!(r.hits[0].title, "住房公积金贷款");

    // Remove is visible to the very next search.
    index.remove(CATALOG, 6).unwrap();
    assert_eq!(search(&index, CATALOG, "护照").total, 0);
    assert_eq!(search(&index, DISCLOSURE, "护照").total, 1);
    index.remove(CATALOG, 12345).unwrap(); // absent: fine

    // Clear one kind only.
    index.clear_kind(DISCLOSURE).unwrap();
    assert_eq!(index.count(DISCLOSURE).unwrap(), 0);
    assert_eq!(search(&index, DISCLOSURE, "开办企业").total, 0);
    assert_eq!(index.count(CATALOG).unwrap(), catalog_count); // -6, +70
    assert_eq!(search(&index, CATALOG, "开办企业").total, 3);

    // Reindex after clear.
    index.upsert_many(&disclosure()).unwrap();
    assert_eq!(index.count(DISCLOSURE).unwrap(), 3);
}

#[test]
fn invalid_documents_are_rejected_and_nothing_is_written() {
    let index = SearchIndex::in_ram().unwrap();
    let good = doc(CATALOG, 1, "护照", "", &[]);
    let empty_kind = doc("", 2, "护照", "", &[]);
    let bad_facet = doc(CATALOG, 3, "护照", "", &[("a=b", "c")]);
    for bad in [empty_kind, bad_facet] {
        let err = index.upsert_many(&[good.clone(), bad]).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid search document"),
            "{err}"
        );
    }
    assert_eq!(index.count(CATALOG).unwrap(), 0);
    index.upsert_many(&[]).unwrap();
}

#[test]
fn highlighting_marks_matches_and_escapes_everything_else() {
    let index = SearchIndex::in_ram().unwrap();
    index
        .upsert(&doc(
            CATALOG,
            1,
            "营业执照<b>补领</b> & 换发",
            "注意：<script>alert(\"营业执照\")</script> 申请人遗失营业执照的，可在线申请补领。",
            &[],
        ))
        .unwrap();
    let hit = &search(&index, CATALOG, "营业执照").hits[0];
    assert_eq!(
        hit.title_html,
        "<mark>营业执照</mark>&lt;b&gt;补领&lt;/b&gt; &amp; 换发"
    );
    assert_eq!(hit.title, "营业执照<b>补领</b> & 换发");
    let s = &hit.snippet_html;
    assert!(s.contains("<mark>营业执照</mark>"), "{s}");
    assert!(
        s.contains("&lt;script&gt;alert(&quot;<mark>营业执照</mark>&quot;)"),
        "{s}"
    );
    assert!(!s.contains("<script"), "{s}");
    assert!(!s.contains("<b>"), "{s}");

    // A word inside a longer word is marked inside it.
    let hit = &search(&index, CATALOG, "执照").hits[0];
    assert!(
        hit.title_html.starts_with("营业<mark>执照</mark>"),
        "{}",
        hit.title_html
    );

    // Both words of a two-word query are marked.
    let hit = &search(&index, CATALOG, "补领营业执照").hits[0];
    assert!(
        hit.snippet_html.contains("<mark>补领</mark>"),
        "{}",
        hit.snippet_html
    );
    assert!(
        hit.title_html.contains("<mark>补领</mark>"),
        "{}",
        hit.title_html
    );

    // Adjacent matches are one mark.
    let index = fixture();
    let hit = &search(&index, CATALOG, "开办企业").hits[0];
    assert_eq!(hit.title_html, "<mark>开办企业</mark>一件事");
}

#[test]
fn snippets_are_short_and_fall_back_to_the_start_of_the_body() {
    let index = SearchIndex::in_ram().unwrap();
    let filler = "本机关依法履行政府信息公开职责，按照规定程序办理。".repeat(20);
    let body = format!("{filler}申请人可在政务服务中心办理居住证签注。{filler}");
    index
        .upsert(&doc(DISCLOSURE, 1, "居住证办理指南", &body, &[]))
        .unwrap();
    let hit = &search(&index, DISCLOSURE, "签注").hits[0];
    let s = &hit.snippet_html;
    assert!(s.contains("<mark>签注</mark>"), "{s}");
    assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
    let visible = s.replace("<mark>", "").replace("</mark>", "");
    assert!(
        visible.chars().count() <= 125,
        "{}",
        visible.chars().count()
    );

    // Title-only match: the snippet is the start of the body, escaped.
    index
        .upsert(&doc(
            DISCLOSURE,
            2,
            "居民身份证换领",
            &format!("<p>持户口簿</p>{filler}"),
            &[],
        ))
        .unwrap();
    let hit = &search(&index, DISCLOSURE, "居民身份证").hits[0];
    assert_eq!(hit.id, 2);
    assert!(
        hit.snippet_html
            .starts_with("&lt;p&gt;持户口簿&lt;/p&gt;本机关")
    );
    assert!(hit.snippet_html.ends_with('…'));
    assert_eq!(hit.snippet_html.chars().filter(|&c| c == '…').count(), 1);
    assert_eq!(hit.title_html, "<mark>居民身份证</mark>换领");

    // Empty body.
    index
        .upsert(&doc(DISCLOSURE, 3, "签注须知", "", &[]))
        .unwrap();
    let r = search(&index, DISCLOSURE, "签注");
    let hit = r.hits.iter().find(|h| h.id == 3).unwrap();
    assert_eq!(hit.snippet_html, "");
}

#[test]
fn empty_and_meaningless_queries_return_nothing() {
    let index = fixture();
    for text in [
        "",
        "   ",
        "，。！？",
        "🙂🎉",
        "\"\"",
        "()[]{}:",
        "\u{0}\u{7}",
    ] {
        let r = search(&index, CATALOG, text);
        assert_eq!(r.total, 0, "{text:?}");
        assert!(r.hits.is_empty());
    }
}

#[test]
fn query_syntax_is_plain_text() {
    let index = fixture();
    let nasty = [
        "\"开办企业",
        "title:护照",
        "护照 AND 签发",
        "护照 OR 不动产",
        "NOT 护照",
        "-护照",
        "+护照",
        "护照^100",
        "护照~2",
        "[a TO z]",
        "{开办 TO 企业}",
        "护照*",
        "(护照",
        "护照)",
        "\\",
        "/regex/",
        "🙂护照🎉",
        "护照\u{0}签发",
        "'; DROP TABLE items; --",
        "<script>alert(1)</script>",
        "IN [1 2]",
        "a:b:c",
    ];
    for text in nasty {
        let r = search(&index, CATALOG, text);
        assert!(r.total <= 10, "{text}");
    }
    // Operators are ordinary words: "护照 OR 不动产" needs both words (and "or").
    assert_eq!(search(&index, CATALOG, "护照 OR 不动产").total, 0);
    assert_eq!(
        ids(&search(&index, CATALOG, "title:护照").hits),
        Vec::<i64>::new()
    );
    assert_eq!(ids(&search(&index, CATALOG, "🙂护照🎉").hits), [6]);
    assert_eq!(ids(&search(&index, CATALOG, "(护照").hits), [6]);
}

#[test]
fn very_long_query_is_bounded() {
    let index = fixture();
    let text = "开办企业".repeat(10_000);
    let r = search(&index, CATALOG, &text);
    assert_eq!(r.total, 3);
}

#[test]
fn on_disk_index_persists_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open_or_create(&path).unwrap();
        index.upsert_many(&catalog()).unwrap();
        index.remove(CATALOG, 5).unwrap();
    }
    let index = SearchIndex::open_or_create(&path).unwrap();
    assert_eq!(index.count(CATALOG).unwrap(), 9);
    assert_eq!(ids(&search(&index, CATALOG, "不动产").hits), [4]);
    assert_eq!(search(&index, CATALOG, "开办企业").total, 3);
    let hit = &search(&index, CATALOG, "护照").hits[0];
    assert!(hit.title_html.contains("<mark>护照</mark>"));
}

#[test]
fn second_open_of_the_same_directory_is_an_error_not_a_wipe() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    index.upsert_many(&catalog()).unwrap();
    let err = SearchIndex::open_or_create(dir.path()).unwrap_err();
    assert!(err.to_string().contains("writer"), "{err}");
    assert_eq!(index.count(CATALOG).unwrap(), 10);
}

#[test]
fn on_disk_index_with_another_schema_is_recreated() {
    use tantivy::schema::{Schema, TEXT};
    let dir = tempfile::tempdir().unwrap();
    {
        let mut b = Schema::builder();
        let f = b.add_text_field("old_title", TEXT);
        let old = tantivy::Index::create_in_dir(dir.path(), b.build()).unwrap();
        let mut w = old.writer_with_num_threads(1, 15_000_000).unwrap();
        w.add_document(tantivy::doc!(f => "old")).unwrap();
        w.commit().unwrap();
    }
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(index.count(CATALOG).unwrap(), 0);
    index.upsert_many(&catalog()).unwrap();
    drop(index);
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(index.count(CATALOG).unwrap(), 10);
}

#[test]
fn corrupt_meta_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("meta.json"), b"{not json").unwrap();
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(index.count(CATALOG).unwrap(), 0);
    index.upsert(&catalog()[0]).unwrap();
    assert_eq!(index.count(CATALOG).unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tasks_share_one_index() {
    let index = Arc::new(SearchIndex::in_ram().unwrap());
    index.upsert_many(&catalog()).unwrap();
    let mut tasks = Vec::new();
    for t in 0..4_i64 {
        let index = Arc::clone(&index);
        tasks.push(tokio::task::spawn_blocking(move || {
            for i in 0..10 {
                let id = 1000 + t * 100 + i;
                index
                    .upsert(&doc("load", id, "政务服务事项", "网上办理政务服务", &[]))
                    .unwrap();
                let r = search(&index, CATALOG, "开办企业");
                assert_eq!(r.total, 3);
                let r = search(&index, "load", "政务服务");
                assert!(r.total >= 1);
            }
        }));
    }
    for _ in 0..4 {
        let index = Arc::clone(&index);
        tasks.push(tokio::spawn(async move {
            for _ in 0..20 {
                assert_eq!(search(&index, CATALOG, "护照").total, 1);
                tokio::task::yield_now().await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(index.count("load").unwrap(), 40);
}

mod prop {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::{CATALOG, MAX_LIMIT, SearchIndex, SearchQuery, fixture};

    fn shared() -> &'static SearchIndex {
        static INDEX: OnceLock<SearchIndex> = OnceLock::new();
        INDEX.get_or_init(fixture)
    }

    fn query_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "开办",
            "企业",
            "营业执照",
            "不动产",
            "护照",
            "\"",
            ":",
            "[",
            "]",
            "(",
            ")",
            "{",
            "}",
            "AND",
            "OR",
            "NOT",
            "TO",
            "*",
            "?",
            "~",
            "^",
            "+",
            "-",
            "\\",
            "/",
            "🙂",
            "🇨🇳",
            " ",
            "，",
            "。",
            "title:",
            "\u{0}",
            "\u{200b}",
            "ｅ",
            "Ⅷ",
            "㊙",
            "\n",
        ]);
        prop_oneof![
            any::<String>(),
            prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn search_never_fails(
            text in query_text(),
            offset in 0usize..50,
            limit in 0usize..200,
            filter in prop::option::of(("[a-z=]{0,6}", "\\PC{0,6}")),
        ) {
            let q = SearchQuery {
                kind: CATALOG.into(),
                text,
                filters: filter.into_iter().collect(),
                offset,
                limit,
            };
            let r = shared().search(&q).unwrap();
            prop_assert!(r.hits.len() <= limit.min(MAX_LIMIT));
            prop_assert!(r.total <= 10);
            for hit in &r.hits {
                prop_assert!(!hit.snippet_html.contains("<script"));
            }
        }
    }
}

#[test]
fn equal_hits_rank_newest_then_last_created_and_undated_last() {
    // Same title and body, so the same score: the date decides, then the id; an item
    // without a date comes after every dated one.
    let index = SearchIndex::in_ram().unwrap();
    let dated = |id: i64, date: Option<i64>| {
        let mut d = doc("ties", id, "医疗保险报销", "医疗保险报销须知", &[]);
        d.date = date;
        d
    };
    index
        .upsert_many(&[
            dated(1, Some(1_700_000_000)),
            dated(2, None),
            dated(3, Some(1_700_086_400)),
            dated(4, Some(1_700_000_000)),
            dated(5, None),
        ])
        .unwrap();
    let mut q = SearchQuery::new("ties", "医疗保险");
    q.limit = 10;
    assert_eq!(ids(&index.search(&q).unwrap().hits), [3, 4, 1, 5, 2]);
    // Pages agree with the whole list.
    q.limit = 2;
    q.offset = 2;
    assert_eq!(ids(&index.search(&q).unwrap().hits), [1, 5]);
}
