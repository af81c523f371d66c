//! The catalog spreadsheet (事项库 Excel): layout shared by export and import. The layout is
//! described in the crate documentation.

mod export;
mod import;

pub use export::catalog_xlsx;
pub use import::{ImportProblem, read_catalog_xlsx};

/// Sheet of the items.
pub(crate) const ITEMS: &str = "事项";
/// Sheet of the materials.
pub(crate) const MATERIALS: &str = "材料";
/// Sheet of the fees.
pub(crate) const FEES: &str = "收费";
/// Sheet of the process steps.
pub(crate) const STEPS: &str = "流程";
/// Sheet of the special procedures.
pub(crate) const SPECIAL: &str = "特别程序";
/// Sheet of the questions and answers.
pub(crate) const FAQ: &str = "常见问题";
/// Sheet of the situations.
pub(crate) const SITUATIONS: &str = "情形";

/// Separator of short lists (服务对象, 办理形式, 所属一件事, 检索关键词).
pub(crate) const LIST_SEP: &str = "；";
/// Separator of the review standards (one per line).
pub(crate) const LINE_SEP: &str = "\n";

/// One column of a sheet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col {
    /// Machine name: the field name, or a path such as `source.kind`.
    pub key: &'static str,
    /// Chinese title.
    pub zh: &'static str,
    /// Column width in Excel character units.
    pub width: f64,
    /// Whether the cell must not be blank (and the column must exist).
    pub required: bool,
}

const fn c(key: &'static str, zh: &'static str, width: f64, required: bool) -> Col {
    Col {
        key,
        zh,
        width,
        required,
    }
}

/// The key column of every sheet.
pub(crate) const KEY: &str = "task_code";
const KEY_COL: Col = c(KEY, "实施编码", 34.0, true);

pub(crate) const ITEM_COLS: &[Col] = &[
    KEY_COL,
    c("name", "事项名称", 28.0, true),
    c("catalog_code", "基本编码", 16.0, true),
    c("handle_item_code", "业务办理项编码", 20.0, false),
    c("item_type", "事项类型", 14.0, true),
    c("level", "行使层级", 10.0, true),
    c("region_code", "行政区划代码", 14.0, true),
    c("department", "实施主体", 26.0, true),
    c("service_objects", "服务对象", 16.0, false),
    c("case_kind", "办件类型", 10.0, true),
    c("statutory_days", "法定办结时限（工作日）", 12.0, true),
    c("promised_days", "承诺办结时限（工作日）", 12.0, true),
    c("visits_required", "到办事现场次数", 10.0, true),
    c("online_depth", "网上办理深度", 10.0, true),
    c("channels", "办理形式", 24.0, false),
    c("express_delivery", "是否支持物流快递", 10.0, true),
    c("online_payment", "是否支持网上支付", 10.0, true),
    c("appointment", "是否支持预约办理", 10.0, true),
    c("address", "办理地点", 30.0, true),
    c("hours", "办理时间", 26.0, true),
    c("consult_contact", "咨询方式", 20.0, true),
    c("complaint_contact", "监督投诉方式", 20.0, true),
    c("legal_basis", "设定依据", 40.0, true),
    c("conditions", "受理条件", 40.0, true),
    c("result_type", "审批结果类型", 10.0, true),
    c("result_name", "审批结果名称", 20.0, true),
    c("result_license_type", "结果证照类型代码", 24.0, false),
    c("discretion", "自由裁量类别", 12.0, true),
    c("authority", "审批权限", 14.0, true),
    c("hall", "主题厅", 10.0, true),
    c("life_events", "所属一件事", 20.0, false),
    c("keywords", "检索关键词", 20.0, false),
    c("review_standards.technical", "技术审查标准", 36.0, false),
    c("review_standards.expert", "专家评审标准", 36.0, false),
    c("review_standards.inspection", "现场踏勘标准", 36.0, false),
];

pub(crate) const MATERIAL_COLS: &[Col] = &[
    KEY_COL,
    c("name", "材料名称", 30.0, true),
    c("required", "必要性", 8.0, true),
    c("form", "材料形式", 12.0, true),
    c("copies", "份数", 6.0, true),
    c("medium", "载体", 10.0, true),
    c("source.kind", "来源类型", 10.0, true),
    c("source.name", "来源部门", 20.0, false),
    c("source.license_type_code", "证照类型代码", 24.0, false),
    c("blank_form", "空白表格", 20.0, false),
    c("sample", "示例样表", 20.0, false),
    c("acceptance_standard", "受理标准", 36.0, true),
    c("basis", "材料依据", 30.0, false),
    c("note", "备注", 30.0, false),
];

pub(crate) const FEE_COLS: &[Col] = &[
    KEY_COL,
    c("name", "收费项目", 24.0, true),
    c("standard", "收费标准", 30.0, true),
    c("basis", "收费依据", 36.0, true),
    c("waivable", "是否允许减免", 10.0, true),
    c("waiver_basis", "减免依据", 30.0, false),
];

pub(crate) const STEP_COLS: &[Col] = &[
    KEY_COL,
    c("name", "环节名称", 16.0, true),
    c("description", "办理内容", 60.0, true),
];

pub(crate) const SPECIAL_COLS: &[Col] = &[
    KEY_COL,
    c("kind", "特别程序种类", 14.0, true),
    c("max_days", "时限（工作日）", 12.0, false),
    c("description", "说明", 60.0, true),
];

pub(crate) const FAQ_COLS: &[Col] = &[
    KEY_COL,
    c("question", "问题", 40.0, true),
    c("answer", "答案", 60.0, true),
];

pub(crate) const SITUATION_COLS: &[Col] = &[
    KEY_COL,
    c("name", "情形名称", 30.0, true),
    c("class", "自由裁量类别", 14.0, true),
    c("authority", "审批权限", 14.0, true),
];

/// Header text of a column: `中文标题 (machine_name)`.
pub(crate) fn header_text(col: &Col) -> String {
    format!("{} ({})", col.zh, col.key)
}

/// Every labelled enumeration of the catalog, for import and export alike.
pub(crate) trait Label: Copy + 'static {
    fn all() -> &'static [Self];
    fn zh_label(self) -> &'static str;
    fn machine(self) -> &'static str;
    fn parse_any(s: &str) -> Option<Self>;
}

macro_rules! label_impl {
    ($($t:ty),+ $(,)?) => {$(
        impl Label for $t {
            fn all() -> &'static [Self] { <$t>::ALL }
            fn zh_label(self) -> &'static str { self.zh() }
            fn machine(self) -> &'static str { self.as_str() }
            fn parse_any(s: &str) -> Option<Self> { <$t>::parse(s) }
        }
    )+};
}

use onewindow_domain::catalog::{
    Authority, CaseKind, Channel, DiscretionClass, Hall, ItemType, MaterialForm, Medium,
    ServiceObject, SpecialProcedureKind,
};
use onewindow_domain::region::AdminLevel;

label_impl!(
    ItemType,
    ServiceObject,
    CaseKind,
    Hall,
    DiscretionClass,
    Authority,
    Channel,
    MaterialForm,
    Medium,
    SpecialProcedureKind,
);

impl Label for AdminLevel {
    fn all() -> &'static [Self] {
        &AdminLevel::ALL
    }
    fn zh_label(self) -> &'static str {
        self.zh()
    }
    fn machine(self) -> &'static str {
        self.as_str()
    }
    fn parse_any(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// Label of a boolean: 是 / 否.
pub(crate) fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// Label of a material's necessity: 必要 / 非必要.
pub(crate) fn necessity(required: bool) -> &'static str {
    if required { "必要" } else { "非必要" }
}

/// Labels of a material's source kind: 申请人 / 部门 / 证照.
pub(crate) const SOURCE_APPLICANT: &str = "申请人";
pub(crate) const SOURCE_DEPARTMENT: &str = "部门";
pub(crate) const SOURCE_LICENSE: &str = "证照";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_per_sheet() {
        for cols in [
            ITEM_COLS,
            MATERIAL_COLS,
            FEE_COLS,
            STEP_COLS,
            SPECIAL_COLS,
            FAQ_COLS,
            SITUATION_COLS,
        ] {
            assert_eq!(cols[0].key, KEY);
            let mut keys: Vec<&str> = cols.iter().map(|c| c.key).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), cols.len());
        }
    }
}
