//! Approval plans: the stages a case runs through, and the department tasks of each stage.
//!
//! A plan is a versioned definition. A single item is the degenerate plan (one stage, one lead
//! task); a "一件事" bundle has several stages run one after another, and in each stage one task
//! per department, run in parallel ("1+N": the lead department consolidates the co-reviewers'
//! opinions and decides; 行政许可法 art. 26 ¶2 联合办理 / 集中办理).

use serde::{Deserialize, Serialize};

use crate::catalog::{GuideProblem, ServiceGuide};

labelled_enum!(
    /// A department's part in a stage.
    TaskRole {
        /// 牵头部门: decides after the co-reviewers.
        Lead = ("lead", "牵头"),
        /// 配合部门: gives an opinion (and its own result, where it has one).
        Co = ("co", "配合"),
    }
);

/// One department's task in a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDef {
    /// Department name (as in the organisation).
    pub department: String,
    /// 实施编码 of the catalog item this task decides, if it decides one.
    #[serde(default)]
    pub task_code: Option<String>,
    /// What the department does, e.g. 营业执照.
    pub name: String,
    /// Lead or co-review.
    pub role: TaskRole,
    /// Working days the department has once the stage opens (defaults to the item's promised
    /// limit, 1 without an item).
    #[serde(default)]
    pub days: Option<u32>,
}

/// One stage: parallel tasks, exactly one of them the lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageDef {
    /// Stage name, e.g. 立项用地规划许可.
    pub name: String,
    /// The tasks.
    pub tasks: Vec<TaskDef>,
}

impl StageDef {
    /// The lead task.
    pub fn lead(&self) -> Option<&TaskDef> {
        self.tasks.iter().find(|t| t.role == TaskRole::Lead)
    }
}

/// A plan definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanDef {
    /// Stable code, e.g. `qykb` (企业开办) or `item:<实施编码>` for a single item.
    pub code: String,
    /// Name shown to applicants, e.g. 企业开办“一件事”.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// 承诺办结时限 of the whole case, working days.
    pub promised_days: u32,
    /// 法定办结时限 of the whole case, working days.
    pub statutory_days: u32,
    /// Whether this is a bundle (联合办理): its statutory limit and extension follow
    /// 行政许可法 art. 42 ¶2 instead of ¶1.
    #[serde(default)]
    pub bundle: bool,
    /// Stages, in order.
    pub stages: Vec<StageDef>,
}

/// 行政许可法 art. 42 ¶1: a decision within 20 days, extendable by 10 with the agency head's
/// approval.
pub const SINGLE_EXTENSION_DAYS: u32 = 10;
/// 行政许可法 art. 42 ¶2: unified, joint or centralised handling within 45 days.
pub const JOINT_STATUTORY_DAYS: u32 = 45;
/// 行政许可法 art. 42 ¶2: extendable by 15 days with the approval of the government head.
pub const JOINT_EXTENSION_DAYS: u32 = 15;

fn problem(field: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> GuideProblem {
    GuideProblem {
        field: field.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

impl PlanDef {
    /// The degenerate plan of one catalog item: one stage, one lead task by the implementing
    /// department.
    pub fn single(g: &ServiceGuide) -> PlanDef {
        PlanDef {
            code: format!("item:{}", g.task_code),
            name: g.name.clone(),
            description: String::new(),
            promised_days: g.promised_days,
            statutory_days: g.statutory_days,
            bundle: false,
            stages: vec![StageDef {
                name: g.name.clone(),
                tasks: vec![TaskDef {
                    department: g.department.clone(),
                    task_code: Some(g.task_code.clone()),
                    name: g.result_name.clone(),
                    role: TaskRole::Lead,
                    days: Some(g.promised_days),
                }],
            }],
        }
    }

    /// Working days an approved extension adds (行政许可法 art. 42).
    pub fn extension_days(&self) -> u32 {
        if self.bundle {
            JOINT_EXTENSION_DAYS
        } else {
            SINGLE_EXTENSION_DAYS
        }
    }

    /// The shortest time the plan can take if every department uses its full allowance: the
    /// sum over stages of the longest task (`days_of` gives a task's working days).
    pub fn critical_path_days(&self, days_of: impl Fn(&TaskDef) -> u32) -> u32 {
        self.stages
            .iter()
            .map(|s| s.tasks.iter().map(&days_of).max().unwrap_or(0))
            .sum()
    }

    /// Every problem with the definition.
    pub fn validate(&self) -> Vec<GuideProblem> {
        let mut p = Vec::new();
        if self.code.trim().is_empty() || self.code.chars().count() > 80 {
            p.push(problem(
                "code",
                "编码不能为空且不超过 80 个字符",
                "code: 1–80 characters",
            ));
        }
        if self.name.trim().is_empty() {
            p.push(problem("name", "名称不能为空", "name: required"));
        }
        if self.promised_days > self.statutory_days {
            // 承诺时限 may not exceed the statutory limit (国办发〔2018〕45号 practice).
            p.push(problem(
                "promised_days",
                "承诺时限不得超过法定时限",
                "promised_days: may not exceed statutory_days",
            ));
        }
        if self.bundle && self.statutory_days > JOINT_STATUTORY_DAYS {
            p.push(problem(
                "statutory_days",
                "联合办理的法定时限不得超过 45 个工作日（行政许可法第四十二条）",
                "statutory_days: joint handling is limited to 45 working days (Licensing Law art. 42)",
            ));
        }
        if self.stages.is_empty() {
            p.push(problem(
                "stages",
                "至少需要一个阶段",
                "stages: at least one stage",
            ));
        }
        for (i, s) in self.stages.iter().enumerate() {
            if s.name.trim().is_empty() {
                p.push(problem(
                    format!("stages[{i}].name"),
                    "阶段名称不能为空",
                    "stage name: required",
                ));
            }
            let leads = s.tasks.iter().filter(|t| t.role == TaskRole::Lead).count();
            if leads != 1 {
                p.push(problem(
                    format!("stages[{i}].tasks"),
                    format!("阶段“{}”须有且只有一个牵头部门（现有 {leads} 个）", s.name),
                    format!(
                        "stage “{}”: exactly one lead task is required ({leads} found)",
                        s.name
                    ),
                ));
            }
            let mut seen = std::collections::HashSet::new();
            for (j, t) in s.tasks.iter().enumerate() {
                if t.department.trim().is_empty() {
                    p.push(problem(
                        format!("stages[{i}].tasks[{j}].department"),
                        "部门不能为空",
                        "department: required",
                    ));
                }
                if !seen.insert(t.department.as_str()) {
                    p.push(problem(
                        format!("stages[{i}].tasks[{j}].department"),
                        format!("部门“{}”在同一阶段出现两次", t.department),
                        format!("department “{}” appears twice in one stage", t.department),
                    ));
                }
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::sample_guide;

    fn task(dept: &str, role: TaskRole, days: u32) -> TaskDef {
        TaskDef {
            department: dept.into(),
            task_code: None,
            name: dept.into(),
            role,
            days: Some(days),
        }
    }

    fn bundle() -> PlanDef {
        PlanDef {
            code: "qykb".into(),
            name: "企业开办".into(),
            description: String::new(),
            promised_days: 5,
            statutory_days: 20,
            bundle: true,
            stages: vec![StageDef {
                name: "企业开办".into(),
                tasks: vec![
                    task("市场监管", TaskRole::Lead, 1),
                    task("公安", TaskRole::Co, 0),
                    task("税务", TaskRole::Co, 0),
                    task("人民银行", TaskRole::Co, 1),
                ],
            }],
        }
    }

    #[test]
    fn single_plan_is_one_stage_one_lead() {
        let g = sample_guide();
        let p = PlanDef::single(&g);
        assert!(p.validate().is_empty(), "{:?}", p.validate());
        assert_eq!(p.stages.len(), 1);
        assert_eq!(p.stages[0].lead().unwrap().department, g.department);
        assert_eq!(p.extension_days(), SINGLE_EXTENSION_DAYS);
    }

    #[test]
    fn bundle_critical_path_fits_its_promise() {
        let p = bundle();
        assert!(p.validate().is_empty());
        assert_eq!(p.critical_path_days(|t| t.days.unwrap_or(1)), 1);
        assert_eq!(p.extension_days(), JOINT_EXTENSION_DAYS);
    }

    #[test]
    fn validation_names_each_problem() {
        let mut p = bundle();
        p.promised_days = 50;
        p.statutory_days = 46;
        p.stages[0].tasks[1].role = TaskRole::Lead;
        p.stages[0].tasks[2].department = "公安".into();
        let fields: Vec<String> = p.validate().into_iter().map(|x| x.field).collect();
        assert_eq!(
            fields,
            vec![
                "promised_days",
                "statutory_days",
                "stages[0].tasks",
                "stages[0].tasks[2].department"
            ]
        );
    }
}
