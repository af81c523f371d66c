//! Disclosure on application (依申请公开): requests, letters, files, consultations, appeals and
//! the process log.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::db::{H, on};
use crate::{StoreError, now};

/// A stored request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RequestRow {
    /// Key.
    pub id: i64,
    /// Request number (申请编号), also the tracking number.
    pub request_no: String,
    /// The agency asked (a department); `None` = the centre itself.
    pub department_id: Option<i64>,
    /// Channel machine name.
    pub channel: String,
    /// 收到申请之日.
    pub received_on: NaiveDate,
    /// Requester kind machine name.
    pub requester_kind: String,
    /// Applicant's name.
    pub applicant_name: String,
    /// Resident ID or credit code, normalised.
    pub id_number: String,
    /// Online applicant account, if any.
    pub applicant_id: Option<i64>,
    /// 法定代表人.
    pub legal_rep: Option<String>,
    /// 联系人.
    pub contact_name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// What is asked for.
    pub description: String,
    /// 文号 / 索引号 given by the applicant.
    pub doc_ref: Option<String>,
    /// Form machine name.
    pub info_form: String,
    /// Way of obtaining machine name.
    pub obtain: String,
    /// The applicant accepts another form if the one asked for is impossible.
    pub accept_other_form: bool,
    /// Hash of the query password (online tracking without an account).
    pub query_password_hash: Option<String>,
    /// Status machine name.
    pub status: String,
    /// Clock events (JSON).
    pub clock_events: String,
    /// Reply due date (`None` while the clock is stopped).
    pub due_date: Option<NaiveDate>,
    /// A 补正 notice went out.
    pub correction_asked: bool,
    /// The applicant's deadline for the 补正.
    pub correction_due: Option<NaiveDate>,
    /// 信息处理费 in yuan, when a fee notice went out.
    pub fee_amount: Option<i64>,
    /// Payment deadline.
    pub fee_due: Option<NaiveDate>,
    /// Day the fee was paid.
    pub fee_paid_on: Option<NaiveDate>,
    /// The reply period was extended.
    pub extended: bool,
    /// Outcome machine name (when replied).
    pub outcome: Option<String>,
    /// The officer's reasons in the reply.
    pub reply_reason: Option<String>,
    /// Day of the reply.
    pub replied_on: Option<NaiveDate>,
    /// Staff user who entered it (`None`: online).
    pub created_by: Option<i64>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const REQ_COLS: &str = "id, request_no, department_id, channel, received_on, requester_kind, \
    applicant_name, id_number, applicant_id, legal_rep, contact_name, phone, email, address, \
    description, doc_ref, info_form, obtain, accept_other_form, query_password_hash, status, \
    clock_events, due_date, correction_asked, correction_due, fee_amount, fee_due, fee_paid_on, \
    extended, outcome, reply_reason, replied_on, created_by, version, created_at, updated_at";

/// Store a new request; returns it with its key.
pub async fn insert_request(h: H<'_>, r: &RequestRow) -> Result<RequestRow, StoreError> {
    let t = now();
    let sql = format!(
        "insert into disclosure_requests (request_no, department_id, channel, received_on, \
         requester_kind, applicant_name, id_number, applicant_id, legal_rep, contact_name, phone, \
         email, address, description, doc_ref, info_form, obtain, accept_other_form, \
         query_password_hash, status, clock_events, due_date, correction_asked, correction_due, \
         fee_amount, fee_due, fee_paid_on, extended, outcome, reply_reason, replied_on, created_by, \
         version, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, \
         $30, $31, $32, 1, $33, $33) returning {REQ_COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(&r.request_no)
    .bind(r.department_id)
    .bind(&r.channel)
    .bind(r.received_on)
    .bind(&r.requester_kind)
    .bind(&r.applicant_name)
    .bind(&r.id_number)
    .bind(r.applicant_id)
    .bind(&r.legal_rep)
    .bind(&r.contact_name)
    .bind(&r.phone)
    .bind(&r.email)
    .bind(&r.address)
    .bind(&r.description)
    .bind(&r.doc_ref)
    .bind(&r.info_form)
    .bind(&r.obtain)
    .bind(r.accept_other_form)
    .bind(&r.query_password_hash)
    .bind(&r.status)
    .bind(&r.clock_events)
    .bind(r.due_date)
    .bind(r.correction_asked)
    .bind(r.correction_due)
    .bind(r.fee_amount)
    .bind(r.fee_due)
    .bind(r.fee_paid_on)
    .bind(r.extended)
    .bind(&r.outcome)
    .bind(&r.reply_reason)
    .bind(r.replied_on)
    .bind(r.created_by)
    .bind(t)
    .fetch_one(&mut *c)
    .await)?)
}

/// Save the mutable part of a request, guarded by its version; returns the new version.
pub async fn save_request(h: H<'_>, r: &RequestRow) -> Result<i64, StoreError> {
    let n = on!(h, |c| sqlx::query(
        "update disclosure_requests set status = $3, clock_events = $4, due_date = $5, \
         correction_asked = $6, correction_due = $7, fee_amount = $8, fee_due = $9, \
         fee_paid_on = $10, extended = $11, outcome = $12, reply_reason = $13, replied_on = $14, \
         received_on = $15, version = version + 1, updated_at = $16 \
         where id = $1 and version = $2"
    )
    .bind(r.id)
    .bind(r.version)
    .bind(&r.status)
    .bind(&r.clock_events)
    .bind(r.due_date)
    .bind(r.correction_asked)
    .bind(r.correction_due)
    .bind(r.fee_amount)
    .bind(r.fee_due)
    .bind(r.fee_paid_on)
    .bind(r.extended)
    .bind(&r.outcome)
    .bind(&r.reply_reason)
    .bind(r.replied_on)
    .bind(r.received_on)
    .bind(now())
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "request {} changed since it was read",
            r.request_no
        )));
    }
    Ok(r.version + 1)
}

/// One request.
pub async fn get_request(h: H<'_>, id: i64) -> Result<RequestRow, StoreError> {
    let sql = format!("select {REQ_COLS} from disclosure_requests where id = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// A request by its number.
pub async fn find_request(h: H<'_>, request_no: &str) -> Result<Option<RequestRow>, StoreError> {
    let sql = format!("select {REQ_COLS} from disclosure_requests where request_no = $1");
    Ok(on!(h, |c| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(request_no)
    .fetch_optional(&mut *c)
    .await)?)
}

/// Requests, newest first: `pending` only those awaiting a reply.
pub async fn list_requests(
    h: H<'_>,
    pending: bool,
    limit: i64,
) -> Result<Vec<RequestRow>, StoreError> {
    let sql = format!(
        "select {REQ_COLS} from disclosure_requests {} order by id desc limit $1",
        if pending {
            "where status <> 'replied'"
        } else {
            ""
        }
    );
    Ok(on!(h, |c| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(limit)
    .fetch_all(&mut *c)
    .await)?)
}

/// Requests received in a date range (inclusive), and those received earlier and still
/// pending or replied after `from` (the carry-over of a report year).
pub async fn requests_between(
    h: H<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<RequestRow>, StoreError> {
    let sql = format!(
        "select {REQ_COLS} from disclosure_requests where received_on <= $2 \
         and (received_on >= $1 or replied_on is null or replied_on >= $1) order by id"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *c)
    .await)?)
}

/// Every pending request (for recomputing clocks after a calendar change).
pub async fn pending_ids(h: H<'_>) -> Result<Vec<i64>, StoreError> {
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        "select id from disclosure_requests where status <> 'replied' order by id"
    )
    .fetch_all(&mut *c)
    .await)?)
}

/// Count an applicant's requests received in a month (for 按件计收 fees).
pub async fn count_in_month(
    h: H<'_>,
    id_number: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<i64, StoreError> {
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        "select count(*) from disclosure_requests where id_number = $1 \
         and received_on >= $2 and received_on <= $3"
    )
    .bind(id_number)
    .bind(first)
    .bind(last)
    .fetch_one(&mut *c)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Process log, letters, files

/// One entry of a request's process log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EventRow {
    /// Key.
    pub id: i64,
    /// Request.
    pub request_id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (display).
    pub actor: String,
    /// What (machine name).
    pub kind: String,
    /// Details (JSON).
    pub detail: String,
}

/// Append to the process log.
pub async fn insert_event(
    h: H<'_>,
    request_id: i64,
    actor: &str,
    kind: &str,
    detail: &serde_json::Value,
) -> Result<(), StoreError> {
    on!(h, |c| {
        sqlx::query(
        "insert into disclosure_events (request_id, at, actor, kind, detail) values ($1, $2, $3, $4, $5)"
    )
    .bind(request_id)
    .bind(now())
    .bind(actor)
    .bind(kind)
    .bind(detail.to_string())
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A request's process log, oldest first.
pub async fn events_of(h: H<'_>, request_id: i64) -> Result<Vec<EventRow>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, EventRow>(
        "select id, request_id, at, actor, kind, detail from disclosure_events \
         where request_id = $1 order by id"
    )
    .bind(request_id)
    .fetch_all(&mut *c)
    .await)?)
}

/// A numbered letter (答复书, 补正告知书, 延期告知书, 征求意见函, 收费通知书).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LetterRow {
    /// Key.
    pub id: i64,
    /// Request.
    pub request_id: i64,
    /// Kind machine name.
    pub kind: String,
    /// Document number.
    pub number: String,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Content (JSON).
    pub body: String,
}

/// Store a letter.
pub async fn insert_letter(
    h: H<'_>,
    request_id: i64,
    kind: &str,
    number: &str,
    body: &serde_json::Value,
) -> Result<LetterRow, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, LetterRow>(
        "insert into disclosure_letters (request_id, kind, number, issued_at, body) \
         values ($1, $2, $3, $4, $5) returning id, request_id, kind, number, issued_at, body"
    )
    .bind(request_id)
    .bind(kind)
    .bind(number)
    .bind(now())
    .bind(body.to_string())
    .fetch_one(&mut *c)
    .await)?)
}

/// A request's letters, oldest first.
pub async fn letters_of(h: H<'_>, request_id: i64) -> Result<Vec<LetterRow>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, LetterRow>(
        "select id, request_id, kind, number, issued_at, body from disclosure_letters \
         where request_id = $1 order by id"
    )
    .bind(request_id)
    .fetch_all(&mut *c)
    .await)?)
}

/// One letter.
pub async fn get_letter(h: H<'_>, id: i64) -> Result<LetterRow, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, LetterRow>(
        "select id, request_id, kind, number, issued_at, body from disclosure_letters where id = $1"
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?)
}

/// A file of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FileRow {
    /// Key.
    pub id: i64,
    /// Request.
    pub request_id: i64,
    /// `identity`, `scan` or `released`.
    pub purpose: String,
    /// Original or generated name.
    pub filename: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 (its name in the file store).
    pub sha256: String,
    /// Stored.
    pub uploaded_at: DateTime<Utc>,
}

/// Record a stored file.
pub async fn insert_file(h: H<'_>, f: &FileRow) -> Result<i64, StoreError> {
    Ok(on!(h, |c| sqlx::query_scalar::<_, i64>(
        "insert into disclosure_files (request_id, purpose, filename, media_type, size, sha256, \
         uploaded_at) values ($1, $2, $3, $4, $5, $6, $7) returning id"
    )
    .bind(f.request_id)
    .bind(&f.purpose)
    .bind(&f.filename)
    .bind(&f.media_type)
    .bind(f.size)
    .bind(&f.sha256)
    .bind(now())
    .fetch_one(&mut *c)
    .await)?)
}

/// A request's files.
pub async fn files_of(h: H<'_>, request_id: i64) -> Result<Vec<FileRow>, StoreError> {
    Ok(on!(h, |c| sqlx::query_as::<_, FileRow>(
        "select id, request_id, purpose, filename, media_type, size, sha256, uploaded_at \
         from disclosure_files where request_id = $1 order by id"
    )
    .bind(request_id)
    .fetch_all(&mut *c)
    .await)?)
}

// ---------------------------------------------------------------------------------------------
// Consultations and appeals

/// A consultation of a third party or another agency (条例 arts. 32, 34).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ConsultationRow {
    /// Key.
    pub id: i64,
    /// Request.
    pub request_id: i64,
    /// Who is consulted.
    pub party: String,
    /// `third_party` or `agency`.
    pub party_kind: String,
    /// Letter sent.
    pub sent_on: NaiveDate,
    /// Answer due (15 working days).
    pub due_on: NaiveDate,
    /// `agree`, `object` or `none` (no answer in time).
    pub answer: Option<String>,
    /// What they said.
    pub answer_note: Option<String>,
    /// Answered (or closed for silence).
    pub answered_on: Option<NaiveDate>,
}

const CONS_COLS: &str =
    "id, request_id, party, party_kind, sent_on, due_on, answer, answer_note, answered_on";

/// Record a consultation.
pub async fn insert_consultation(
    h: H<'_>,
    c0: &ConsultationRow,
) -> Result<ConsultationRow, StoreError> {
    let sql = format!(
        "insert into disclosure_consultations (request_id, party, party_kind, sent_on, due_on) \
         values ($1, $2, $3, $4, $5) returning {CONS_COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, ConsultationRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(c0.request_id)
    .bind(&c0.party)
    .bind(&c0.party_kind)
    .bind(c0.sent_on)
    .bind(c0.due_on)
    .fetch_one(&mut *c)
    .await)?)
}

/// Record the answer to a consultation (only once).
pub async fn answer_consultation(
    h: H<'_>,
    id: i64,
    answer: &str,
    note: Option<&str>,
    on_day: NaiveDate,
) -> Result<(), StoreError> {
    let n = on!(h, |c| sqlx::query(
        "update disclosure_consultations set answer = $2, answer_note = $3, answered_on = $4 \
         where id = $1 and answer is null"
    )
    .bind(id)
    .bind(answer)
    .bind(note)
    .bind(on_day)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "consultation {id} is already answered"
        )));
    }
    Ok(())
}

/// A request's consultations.
pub async fn consultations_of(
    h: H<'_>,
    request_id: i64,
) -> Result<Vec<ConsultationRow>, StoreError> {
    let sql = format!(
        "select {CONS_COLS} from disclosure_consultations where request_id = $1 order by id"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, ConsultationRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(request_id)
    .fetch_all(&mut *c)
    .await)?)
}

/// A reconsideration or lawsuit about a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AppealRow {
    /// Key.
    pub id: i64,
    /// Request.
    pub request_id: i64,
    /// Kind machine name.
    pub kind: String,
    /// Filed.
    pub filed_on: NaiveDate,
    /// Result machine name (`pending` until decided).
    pub result: String,
    /// Decided.
    pub decided_on: Option<NaiveDate>,
    /// Notes.
    pub note: Option<String>,
}

const APPEAL_COLS: &str = "id, request_id, kind, filed_on, result, decided_on, note";

/// Record an appeal.
pub async fn insert_appeal(h: H<'_>, a: &AppealRow) -> Result<AppealRow, StoreError> {
    let sql = format!(
        "insert into disclosure_appeals (request_id, kind, filed_on, result, decided_on, note) \
         values ($1, $2, $3, $4, $5, $6) returning {APPEAL_COLS}"
    );
    Ok(on!(h, |c| sqlx::query_as::<_, AppealRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(a.request_id)
    .bind(&a.kind)
    .bind(a.filed_on)
    .bind(&a.result)
    .bind(a.decided_on)
    .bind(&a.note)
    .fetch_one(&mut *c)
    .await)?)
}

/// Record an appeal's result.
pub async fn decide_appeal(
    h: H<'_>,
    id: i64,
    result: &str,
    decided_on: Option<NaiveDate>,
    note: Option<&str>,
) -> Result<(), StoreError> {
    let n = on!(h, |c| {
        sqlx::query(
        "update disclosure_appeals set result = $2, decided_on = $3, note = coalesce($4, note) where id = $1"
    )
    .bind(id)
    .bind(result)
    .bind(decided_on)
    .bind(note)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A request's appeals.
pub async fn appeals_of(h: H<'_>, request_id: i64) -> Result<Vec<AppealRow>, StoreError> {
    let sql =
        format!("select {APPEAL_COLS} from disclosure_appeals where request_id = $1 order by id");
    Ok(on!(h, |c| sqlx::query_as::<_, AppealRow>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(request_id)
    .fetch_all(&mut *c)
    .await)?)
}
