//! The SQL of a [`PgOutbox`](crate::PgOutbox), written once per schema.
//!
//! Every statement names the table with its schema (a checked identifier,
//! quoted), so it runs the same on the outbox's pool and on a caller's
//! connection whatever its `search_path`. Times are bound from the `now` the
//! caller passes.

use std::sync::Arc;

/// The statements of one outbox schema.
#[derive(Debug)]
pub(crate) struct Statements {
    /// $1 accounts, $2 kinds, $3 event types, $4 event ids, $5 bodies, $6
    /// enqueue times, $7 the channel to notify when a row is added (NULL: none). Returns the
    /// keys added.
    pub(crate) enqueue: Arc<str>,
    /// $1 now, $2 per account, $3 total, $4 the lease's end, $5 the accounts
    /// left out. Returns the claimed rows with their account's oldest due row
    /// (`first`).
    pub(crate) claim: Arc<str>,
    /// $1 rows, $2 attempts, $3 states, $4 due times, $5 errors, $6 now,
    /// $7 may-have-landed flags (NULL: unchanged). Returns the rows
    /// changed.
    pub(crate) settle: Arc<str>,
    /// $1 rows, $2 attempts, $3 the lease's end. Returns the rows renewed.
    pub(crate) renew: Arc<str>,
    /// $1 rows, $2 attempts. Returns the rows marked.
    pub(crate) sending: Arc<str>,
    /// The earliest due time or lease end.
    pub(crate) next_due: Arc<str>,
    /// Rows per state and the oldest undelivered row's enqueue time.
    pub(crate) counts: Arc<str>,
    /// Undelivered rows and the oldest one's enqueue time.
    pub(crate) depth: Arc<str>,
    /// $1 delivered since. Each account's rows by state and its pause.
    pub(crate) account_counts: Arc<str>,
    /// $1 account or NULL, $2 limit. The dead letters' reasons, each with
    /// its count and oldest row.
    pub(crate) dead_reasons: Arc<str>,
    /// $1 state or NULL, then [`FILTERED`]'s parameters, $6 limit.
    pub(crate) list: Arc<str>,
    /// $1 now, then [`FILTERED`]'s parameters.
    pub(crate) requeue_dead: Arc<str>,
    /// $1 unused (NULL), then [`FILTERED`]'s parameters.
    pub(crate) drop_dead: Arc<str>,
    /// $1 account, $2 now, $3 reason. Returns a row when it paused.
    pub(crate) pause: Arc<str>,
    /// $1 account. Returns a row when it resumed.
    pub(crate) resume: Arc<str>,
    /// The paused accounts.
    pub(crate) paused: Arc<str>,
    /// $1 before.
    pub(crate) purge: Arc<str>,
    /// $1 before.
    pub(crate) purge_delivered: Arc<str>,
}

/// The condition of the rows a `RowFilter` takes, its state aside: $2
/// account, $3 event id, $4 row, $5 reason (each NULL: any).
const FILTERED: &str = "($2::int8 IS NULL OR account = $2) AND ($3::text IS NULL OR event_id = $3)
    AND ($4::int8 IS NULL OR id = $4) AND ($5::text IS NULL OR last_error = $5)";

/// The columns a listed row is read from.
const SUMMARY: &str =
    "ev.id, ev.account, ev.kind, ev.event_type, ev.event_id, ev.state, ev.attempts, ev.enqueued_at, ev.due_at,
    ev.last_error, ev.may_have_landed";

impl Statements {
    /// The statements over `"{schema}".events`; `schema` is a checked
    /// identifier.
    pub(crate) fn new(schema: &str) -> Self {
        let t = format!("\"{schema}\".events");
        let pauses = format!("\"{schema}\".pauses");
        let undelivered = "state IN ('pending', 'claimed')";
        // Each account with undelivered rows, once, found by skipping
        // through the (account, id) index: what a claim and the depth start
        // from.
        let undelivered_accounts = format!(
            "WITH RECURSIVE undelivered_accounts(account) AS (
                (SELECT account FROM {t} WHERE {undelivered} ORDER BY account LIMIT 1)
                UNION ALL
                SELECT (
                    SELECT ev.account FROM {t} AS ev
                    WHERE ev.{undelivered} AND ev.account > undelivered_accounts.account
                    ORDER BY ev.account
                    LIMIT 1
                )
                FROM undelivered_accounts WHERE undelivered_accounts.account IS NOT NULL
            ),"
        );
        // The state of a claimed row, for the statements that change claims
        // (settle, renew, sending): each fence's row looked up by key, one
        // after the other. Compared with a value the planner does not see
        // (a subquery run once), so no plan takes the claimed rows through
        // the partial indexes of undelivered rows (all of them, however
        // few the statistics say are claimed), and no plan needs the rows
        // named twice (`id = ANY($1)` beside the join did that, at the cost
        // of matching every fence against every row).
        let claimed = "(SELECT 'claimed')";
        Statements {
            // Ids are drawn in the caller's order (a claim takes an
            // account's rows by id: the order they were emitted in), then
            // rows are inserted in key order, so two transactions adding the
            // same keys wait for each other instead of deadlocking. The
            // sequence is looked up once per statement (an uncorrelated
            // subquery), not once per row.
            enqueue: format!(
                "WITH numbered AS (
                    SELECT nextval((SELECT pg_get_serial_sequence('{t}', 'id'))::regclass) AS id, e.*
                    FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::timestamptz[])
                        WITH ORDINALITY AS e(account, kind, event_type, event_id, body, enqueued_at, ord)
                    ORDER BY e.ord
                ),
                added AS (
                    INSERT INTO {t} (id, account, kind, event_type, event_id, body, state, attempts, enqueued_at, due_at)
                    OVERRIDING SYSTEM VALUE
                    SELECT n.id, n.account, n.kind, n.event_type, n.event_id, n.body, 'pending', 0, n.enqueued_at,
                        n.enqueued_at
                    FROM numbered AS n
                    ORDER BY n.account, n.kind, n.event_type, n.event_id
                    ON CONFLICT ON CONSTRAINT events_key DO NOTHING
                    RETURNING account, kind, event_type, event_id
                ),
                woken AS (
                    SELECT pg_notify($7::text, '') FROM (SELECT 1 FROM added LIMIT 1) AS any_added
                    WHERE $7::text IS NOT NULL
                )
                SELECT added.account, added.kind, added.event_type, added.event_id
                FROM added LEFT JOIN woken ON true"
            )
            .into(),
            // The accounts with undelivered rows, found by skipping through
            // the (account, id) index one account at a time; each account's
            // oldest due row; the oldest `total` of those accounts; how many
            // due rows each has (up to `per_account`), and so each one's
            // share of `total` in that order; then each share locked with
            // `FOR UPDATE SKIP LOCKED` (a row another claim holds is skipped,
            // not waited for, and the next one taken instead). So a claim
            // locks only rows it takes, never more than `total`.
            claim: format!(
                "{undelivered_accounts}
                accounts AS (
                    SELECT undelivered_accounts.account, oldest.id AS first
                    FROM undelivered_accounts CROSS JOIN LATERAL (
                        SELECT ev.id FROM {t} AS ev
                        WHERE ev.account = undelivered_accounts.account AND ev.{undelivered} AND ev.due_at <= $1
                        ORDER BY ev.id
                        LIMIT 1
                    ) AS oldest
                    WHERE undelivered_accounts.account <> ALL($5::int8[])
                        AND NOT EXISTS (SELECT 1 FROM {pauses} AS paused WHERE paused.account = undelivered_accounts.account)
                    ORDER BY oldest.id
                    LIMIT $3
                ),
                sized AS (
                    SELECT accounts.account, accounts.first, due.rows
                    FROM accounts CROSS JOIN LATERAL (
                        SELECT count(*) AS rows FROM (
                            SELECT 1 FROM {t} AS ev
                            WHERE ev.account = accounts.account AND ev.{undelivered} AND ev.due_at <= $1
                            ORDER BY ev.id
                            LIMIT $2
                        ) AS due_rows
                    ) AS due
                ),
                shares AS (
                    SELECT account, first, GREATEST(0, LEAST(rows, $3 - COALESCE(sum(rows) OVER (
                        ORDER BY first ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                    ), 0)))::int8 AS take
                    FROM sized
                ),
                picked AS (
                    SELECT shares.first, share.id
                    FROM shares CROSS JOIN LATERAL (
                        SELECT ev.id FROM {t} AS ev
                        WHERE ev.account = shares.account AND ev.{undelivered} AND ev.due_at <= $1
                        ORDER BY ev.id
                        LIMIT shares.take
                        FOR UPDATE SKIP LOCKED
                    ) AS share
                )
                UPDATE {t} AS ev SET state = 'claimed', attempts = ev.attempts + 1, due_at = $4
                FROM picked WHERE ev.id = picked.id
                RETURNING picked.first, ev.id, ev.attempts, ev.account, ev.kind, ev.event_type, ev.event_id,
                    ev.body, ev.enqueued_at, ev.may_have_landed"
            )
            .into(),
            settle: format!(
                "UPDATE {t} AS ev SET
                    state = outcome.state,
                    due_at = outcome.due_at,
                    settled_at = CASE WHEN outcome.state IN ('delivered', 'dead') THEN $6 END,
                    last_error = coalesce(outcome.error, ev.last_error),
                    may_have_landed = coalesce(outcome.may_have_landed, ev.may_have_landed),
                    body = CASE WHEN outcome.state = 'delivered' THEN NULL ELSE ev.body END
                FROM unnest($1::int8[], $2::int4[], $3::text[], $4::timestamptz[], $5::text[], $7::bool[])
                    AS outcome(id, attempt, state, due_at, error, may_have_landed)
                WHERE ev.id = outcome.id AND ev.attempts = outcome.attempt AND ev.state = {claimed}
                RETURNING ev.id, ev.attempts"
            )
            .into(),
            renew: format!(
                "UPDATE {t} AS ev SET due_at = $3
                FROM unnest($1::int8[], $2::int4[]) AS fence(id, attempt)
                WHERE ev.id = fence.id AND ev.attempts = fence.attempt AND ev.state = {claimed}
                RETURNING ev.id, ev.attempts"
            )
            .into(),
            sending: format!(
                "UPDATE {t} AS ev SET may_have_landed = true
                FROM unnest($1::int8[], $2::int4[]) AS fence(id, attempt)
                WHERE ev.id = fence.id AND ev.attempts = fence.attempt AND ev.state = {claimed}
                RETURNING ev.id, ev.attempts"
            )
            .into(),
            // In due order through `events_undelivered_due`, passing over
            // the paused accounts' rows (none while no account is paused).
            next_due: format!(
                "SELECT (
                    SELECT due_at FROM {t} WHERE {undelivered} AND account <> ALL(ARRAY(SELECT account FROM {pauses}))
                    ORDER BY due_at LIMIT 1
                )"
            )
            .into(),
            counts: format!(
                "SELECT
                    count(*) FILTER (WHERE state = 'pending'),
                    count(*) FILTER (WHERE state = 'claimed'),
                    count(*) FILTER (WHERE state = 'delivered'),
                    count(*) FILTER (WHERE state = 'dead'),
                    min(enqueued_at) FILTER (WHERE {undelivered})
                FROM {t}"
            )
            .into(),
            // The oldest undelivered row: each account's first, found by
            // skipping through the (account, id) index as a claim does.
            depth: format!(
                "{undelivered_accounts}
                oldest AS (
                    SELECT min(first.id) AS id
                    FROM undelivered_accounts CROSS JOIN LATERAL (
                        SELECT ev.id FROM {t} AS ev
                        WHERE ev.account = undelivered_accounts.account AND ev.{undelivered}
                        ORDER BY ev.id
                        LIMIT 1
                    ) AS first
                )
                SELECT (SELECT count(*) FROM {t} WHERE {undelivered}),
                    (SELECT enqueued_at FROM {t} WHERE id = (SELECT id FROM oldest))"
            )
            .into(),
            account_counts: format!(
                "WITH counted AS (
                    SELECT account,
                        count(*) FILTER (WHERE state = 'pending') AS pending,
                        count(*) FILTER (WHERE state = 'claimed') AS claimed,
                        count(*) FILTER (WHERE state = 'dead') AS dead,
                        count(*) FILTER (WHERE state = 'delivered') AS delivered,
                        min(enqueued_at) FILTER (WHERE {undelivered}) AS oldest
                    FROM {t}
                    WHERE state IN ('pending', 'claimed', 'dead') OR (state = 'delivered' AND settled_at >= $1)
                    GROUP BY account
                )
                SELECT coalesce(counted.account, paused.account) AS account, coalesce(counted.pending, 0) AS pending,
                    coalesce(counted.claimed, 0) AS claimed, coalesce(counted.dead, 0) AS dead,
                    coalesce(counted.delivered, 0) AS delivered, counted.oldest, paused.since, paused.reason
                FROM counted FULL JOIN {pauses} AS paused ON paused.account = counted.account"
            )
            .into(),
            // Reasons in byte order, as the other outboxes order them.
            dead_reasons: format!(
                "WITH groups AS (
                    SELECT coalesce(last_error, '') AS reason, count(*) AS rows, min(id) AS first
                    FROM {t}
                    WHERE state = 'dead' AND ($1::int8 IS NULL OR account = $1)
                    GROUP BY 1
                    ORDER BY count(*) DESC, coalesce(last_error, '') COLLATE \"C\"
                    LIMIT $2
                )
                SELECT {SUMMARY}, groups.reason AS reason, groups.rows AS rows, ev.body AS body
                FROM groups JOIN {t} AS ev ON ev.id = groups.first
                ORDER BY groups.rows DESC, groups.reason COLLATE \"C\""
            )
            .into(),
            list: format!(
                "SELECT {SUMMARY} FROM {t} AS ev
                WHERE ($1::text IS NULL OR state = $1) AND {FILTERED}
                ORDER BY id
                LIMIT $6"
            )
            .into(),
            requeue_dead: format!(
                "UPDATE {t} SET state = 'pending', due_at = $1, settled_at = NULL WHERE state = 'dead' AND {FILTERED}"
            )
            .into(),
            drop_dead: format!("DELETE FROM {t} WHERE $1::int8 IS NULL AND state = 'dead' AND {FILTERED}").into(),
            pause: format!(
                "INSERT INTO {pauses} (account, since, reason) VALUES ($1, $2, $3)
                ON CONFLICT (account) DO NOTHING
                RETURNING account"
            )
            .into(),
            resume: format!("DELETE FROM {pauses} WHERE account = $1 RETURNING account").into(),
            paused: format!("SELECT account, since, reason FROM {pauses} ORDER BY account").into(),
            purge: format!("DELETE FROM {t} WHERE state IN ('delivered', 'dead') AND settled_at < $1").into(),
            // Through `events_settled`: the dead rows it also holds are few.
            purge_delivered: format!("DELETE FROM {t} WHERE state = 'delivered' AND settled_at < $1").into(),
        }
    }
}
