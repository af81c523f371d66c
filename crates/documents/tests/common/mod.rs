//! Realistic catalog items shared by the integration tests.
#![allow(dead_code)]

use onewindow_domain::catalog::{
    Authority, CaseKind, Channel, DiscretionClass, Faq, FeeItem, Hall, ItemType, Material,
    MaterialForm, MaterialSource, Medium, ReviewStandards, ServiceGuide, ServiceObject, Situation,
    SpecialProcedure, SpecialProcedureKind, Step,
};
use onewindow_domain::region::AdminLevel;

fn s(x: &str) -> String {
    x.to_string()
}

fn step(name: &str, description: &str) -> Step {
    Step {
        name: s(name),
        description: s(description),
    }
}

/// 企业设立登记 (city market regulator): every material source kind, FAQ, situations, review
/// standards, no fees, optional fields set, tricky text (line breaks, CRLF, Excel escape syntax,
/// leading `=` and apostrophe, surrounding spaces).
pub fn company_registration() -> ServiceGuide {
    ServiceGuide {
        name: s("企业设立登记"),
        catalog_code: s("000109001000"),
        task_code: s("1135050000301005241000109001000"),
        handle_item_code: Some(s("113505000030100524100010900100001")),
        item_type: ItemType::Licensing,
        legal_basis: s(
            "1.《中华人民共和国市场主体登记管理条例》第三条、第二十一条；\n2.《中华人民共和国公司法》第二十九条。",
        ),
        level: AdminLevel::City,
        region_code: s("350500"),
        department: s("泉州市市场监督管理局"),
        service_objects: vec![ServiceObject::LegalPerson, ServiceObject::NaturalPerson],
        case_kind: CaseKind::Promised,
        statutory_days: 15,
        promised_days: 1,
        conditions: s(
            "1. 申请材料齐全、符合法定形式；\n2. 名称已经自主申报且不与他人重复；\n3. 住所（经营场所）真实、合法。",
        ),
        steps: vec![
            step("申请", "申请人通过“e 窗通”平台或综合窗口提交申请。"),
            step(
                "受理",
                "综合窗口对材料进行形式审查，材料齐全的当场受理，出具《受理通知书》。",
            ),
            step("审查", "审批人员对申请材料进行审查。"),
            step(
                "决定",
                "准予登记的，核发营业执照；不予登记的，出具《不予登记通知书》并说明理由。",
            ),
        ],
        channels: vec![
            Channel::Window,
            Channel::Online,
            Channel::Express,
            Channel::Mobile,
        ],
        address: s("泉州市丰泽区北清东路 8 号 泉州市行政服务中心二楼市场准入厅 A01–A12 窗口"),
        hours: s(
            "工作日 上午 8:30—12:00，下午 14:30—17:30（夏令时 15:00—18:00）\n周六上午 9:00—12:00 延时服务",
        ),
        fees: vec![],
        consult_contact: s("0595-22132218"),
        complaint_contact: s(
            "12345 政务服务便民热线；\n泉州市行政服务中心管委会监督科 0595-22132000",
        ),
        visits_required: 0,
        online_depth: 4,
        express_delivery: true,
        online_payment: false,
        appointment: true,
        result_type: s("证照"),
        result_name: s("营业执照"),
        result_license_type: Some(s("11100000000013127D001")),
        special_procedures: vec![],
        faq: vec![
            Faq {
                question: s("公司名称可以和别人重复吗？"),
                answer: s(
                    "不可以。同一登记机关辖区内，同行业的企业名称不得相同或者近似。\n可先通过企业名称自主申报系统查询。",
                ),
            },
            Faq {
                question: s("没有纸质身份证，可以办理吗？"),
                answer: s("可以。已领取电子身份证的，窗口通过电子证照库调取，无需提交复印件。"),
            },
        ],
        materials: vec![
            Material {
                name: s("公司登记（备案）申请书"),
                required: true,
                form: MaterialForm::Original,
                copies: 1,
                medium: Medium::Either,
                source: MaterialSource::Applicant,
                blank_form: Some(s("https://zwfw.quanzhou.gov.cn/forms/gsdjsqs.docx")),
                sample: Some(s("https://zwfw.quanzhou.gov.cn/forms/gsdjsqs-sample.pdf")),
                acceptance_standard: s("1. 法定代表人签字；\n2. 内容完整、准确，与其他材料一致。"),
                basis: Some(s(
                    "《中华人民共和国市场主体登记管理条例实施细则》第二十五条",
                )),
                note: Some(s("=请勿手写涂改，表格中 _x0041_ 为示例占位符")),
            },
            Material {
                name: s("公司章程"),
                required: true,
                form: MaterialForm::Original,
                copies: 1,
                medium: Medium::Paper,
                source: MaterialSource::Applicant,
                blank_form: None,
                sample: Some(s("'参考样本：有限责任公司章程（范本）")),
                acceptance_standard: s("全体股东签名（盖章）"),
                basis: None,
                note: None,
            },
            Material {
                name: s("法定代表人身份证明"),
                required: true,
                form: MaterialForm::OriginalAndCopy,
                copies: 2,
                medium: Medium::Electronic,
                source: MaterialSource::License {
                    license_type_code: s("11100000000019991T002"),
                },
                blank_form: None,
                sample: None,
                acceptance_standard: s("在有效期内"),
                basis: None,
                note: Some(s("  电子证照库可调取的，免于提交  ")),
            },
            Material {
                name: s("住所（经营场所）使用证明"),
                required: false,
                form: MaterialForm::Copy,
                copies: 1,
                medium: Medium::Either,
                source: MaterialSource::Department {
                    name: s("泉州市自然资源和规划局（不动产登记信息）"),
                },
                blank_form: None,
                sample: None,
                acceptance_standard: s("与申请书填写的住所一致\r\n（可容缺后补）"),
                basis: None,
                note: None,
            },
        ],
        discretion: DiscretionClass::Encouraged,
        authority: Authority::WindowOfficer,
        situations: vec![
            Situation {
                name: s("有限责任公司设立"),
                class: DiscretionClass::Encouraged,
                authority: Authority::WindowOfficer,
            },
            Situation {
                name: s("外商投资企业设立（涉及负面清单）"),
                class: DiscretionClass::Restricted,
                authority: Authority::SectionChief,
            },
        ],
        review_standards: ReviewStandards {
            technical: vec![
                s("名称符合《企业名称登记管理规定》"),
                s("经营范围按规范表述填写"),
                s("注册资本、出资方式、出资期限符合章程"),
            ],
            expert: vec![],
            inspection: vec![s("住所与申报一致（仅限抽查件）")],
        },
        hall: Hall::MarketAccess,
        life_events: vec![s("开办企业"), s("开办餐饮店")],
        keywords: vec![s("营业执照"), s("公司注册"), s("e 窗通")],
    }
}

/// 建筑工程施工许可 (city housing bureau): fees, special procedures, restricted, no FAQ.
pub fn construction_permit() -> ServiceGuide {
    ServiceGuide {
        name: s("建筑工程施工许可证核发"),
        catalog_code: s("000101030000"),
        task_code: s("11350500003010159F1000101030000"),
        handle_item_code: None,
        item_type: ItemType::Licensing,
        legal_basis: s(
            "《中华人民共和国建筑法》第七条；《建筑工程施工许可管理办法》（住房和城乡建设部令第 18 号）",
        ),
        level: AdminLevel::City,
        region_code: s("350500"),
        department: s("泉州市住房和城乡建设局"),
        service_objects: vec![ServiceObject::LegalPerson],
        case_kind: CaseKind::Promised,
        statutory_days: 15,
        promised_days: 5,
        conditions: s(
            "依法应当办理用地批准手续的，已经办理；已取得建设工程规划许可证；施工场地已经基本具备施工条件；已确定施工企业；有满足施工需要的资金安排、施工图纸及技术资料。",
        ),
        steps: vec![
            step("受理", "投资建设厅综合窗口收件。"),
            step("审核", "业务科室审核，必要时组织现场踏勘。"),
            step("决定", "分管副局长签发。"),
            step("送达", "窗口领取或免费邮寄。"),
        ],
        channels: vec![Channel::Window, Channel::Online],
        address: s("泉州市行政服务中心三楼投资建设厅 C05 窗口"),
        hours: s("工作日 8:30—12:00，14:30—17:30"),
        fees: vec![
            FeeItem {
                name: s("城市基础设施配套费"),
                standard: s("按建筑面积每平方米 100 元"),
                basis: s("《福建省城市基础设施配套费征收管理规定》"),
                waivable: true,
                waiver_basis: Some(s("保障性住房项目免征（闽政〔2015〕1 号）")),
            },
            FeeItem {
                name: s("工本费"),
                standard: s("每证 10 元"),
                basis: s("闽价费〔2010〕1 号"),
                waivable: false,
                waiver_basis: None,
            },
        ],
        consult_contact: s("0595-22500000"),
        complaint_contact: s("12345"),
        visits_required: 1,
        online_depth: 3,
        express_delivery: false,
        online_payment: true,
        appointment: false,
        result_type: s("证照"),
        result_name: s("建筑工程施工许可证"),
        result_license_type: Some(s("111000000000123437001")),
        special_procedures: vec![
            SpecialProcedure {
                kind: SpecialProcedureKind::SiteSurvey,
                max_days: Some(5),
                description: s("对施工场地是否具备施工条件进行现场踏勘。"),
            },
            SpecialProcedure {
                kind: SpecialProcedureKind::ExpertReview,
                max_days: None,
                description: s("超过一定规模的危险性较大的分部分项工程，组织专家论证。"),
            },
        ],
        faq: vec![],
        materials: vec![
            Material {
                name: s("建筑工程施工许可申请表"),
                required: true,
                form: MaterialForm::Original,
                copies: 3,
                medium: Medium::Paper,
                source: MaterialSource::Applicant,
                blank_form: Some(s("附件 1")),
                sample: None,
                acceptance_standard: s("建设单位盖章"),
                basis: None,
                note: None,
            },
            Material {
                name: s("建设工程规划许可证"),
                required: true,
                form: MaterialForm::Copy,
                copies: 1,
                medium: Medium::Electronic,
                source: MaterialSource::License {
                    license_type_code: s("111000000000123437002"),
                },
                blank_form: None,
                sample: None,
                acceptance_standard: s("证载项目与申请一致"),
                basis: None,
                note: None,
            },
            Material {
                name: s("中标通知书"),
                required: true,
                form: MaterialForm::Copy,
                copies: 1,
                medium: Medium::Either,
                source: MaterialSource::Department {
                    name: s("泉州市公共资源交易中心"),
                },
                blank_form: None,
                sample: None,
                acceptance_standard: s("依法必须招标的项目提供"),
                basis: Some(s("《中华人民共和国招标投标法》")),
                note: None,
            },
        ],
        discretion: DiscretionClass::Restricted,
        authority: Authority::DeputyDirector,
        situations: vec![Situation {
            name: s("新建"),
            class: DiscretionClass::Restricted,
            authority: Authority::DeputyDirector,
        }],
        review_standards: ReviewStandards {
            technical: vec![s("施工图审查合格")],
            expert: vec![s("专家论证意见明确"), s("论证专家不少于 5 名")],
            inspection: vec![s("场地已完成“三通一平”"), s("现场围挡符合要求")],
        },
        hall: Hall::Investment,
        life_events: vec![s("工程建设项目审批")],
        keywords: vec![s("施工许可"), s("开工")],
    }
}

/// 临时救助申请 (township, on the spot): the minimum — every optional field empty.
pub fn temporary_assistance() -> ServiceGuide {
    ServiceGuide {
        name: s("临时救助申请"),
        catalog_code: s("000105002000"),
        task_code: s("11350503003020015C2000105002000"),
        handle_item_code: None,
        item_type: ItemType::Payment,
        legal_basis: s("《社会救助暂行办法》第四十七条"),
        level: AdminLevel::Township,
        region_code: s("350503001"),
        department: s("泉州市丰泽区民政局"),
        service_objects: vec![ServiceObject::NaturalPerson],
        case_kind: CaseKind::Immediate,
        statutory_days: 0,
        promised_days: 0,
        conditions: s(
            "因火灾、交通事故等意外事件，家庭成员突发重大疾病等原因，导致基本生活暂时出现严重困难的家庭或个人。",
        ),
        steps: vec![step(
            "受理并审批",
            "街道便民服务中心当场受理、当场审批、当场发放。",
        )],
        channels: vec![Channel::Window],
        address: s(" 丰泽街道便民服务中心 "),
        hours: s("工作日 8:00—12:00，14:30—17:30"),
        fees: vec![],
        consult_contact: s("0595-22000000"),
        complaint_contact: s("12345"),
        visits_required: 1,
        online_depth: 1,
        express_delivery: false,
        online_payment: false,
        appointment: false,
        result_type: s("其他"),
        result_name: s("临时救助金"),
        result_license_type: None,
        special_procedures: vec![],
        faq: vec![],
        materials: vec![Material {
            name: s("临时救助申请书"),
            required: true,
            form: MaterialForm::Original,
            copies: 0,
            medium: Medium::Paper,
            source: MaterialSource::Applicant,
            blank_form: None,
            sample: None,
            acceptance_standard: s("申请人签字或按手印"),
            basis: None,
            note: None,
        }],
        discretion: DiscretionClass::Encouraged,
        authority: Authority::WindowOfficer,
        situations: vec![],
        review_standards: ReviewStandards::default(),
        hall: Hall::Livelihood,
        life_events: vec![],
        keywords: vec![],
    }
}

/// All three.
pub fn all() -> Vec<ServiceGuide> {
    vec![
        company_registration(),
        construction_permit(),
        temporary_assistance(),
    ]
}

pub mod book;
pub mod package;
