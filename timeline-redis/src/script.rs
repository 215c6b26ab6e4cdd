//! The budget's Lua script (`budget.lua`) and its calls: EVALSHA, and the
//! script loaded again when the server answers NOSCRIPT (after a restart or
//! `SCRIPT FLUSH`).

use redis::aio::ConnectionLike;
use redis::{RedisResult, Script};
use timeline_core::AccountId;
use timeline_core::RateLimit;

use crate::sliding_log::LONGEST_ADOPTED_INTERVAL_MICROS;

/// What the script answers a request that wants to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Logged at this instant (µs of the server's clock).
    Admitted { at: u64 },
    /// Ask again after this many µs.
    Wait { micros: u64 },
}

/// What a permit tells the account's log after it was handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Feedback {
    /// The request ended: its entry is dated now.
    Release { account: AccountId, name: String, started: u64 },
    /// An answer's rate-limit headers.
    Observe { account: AccountId, prefix: String, remaining: u64, max: u64, interval_millis: u64, sent_at: u64 },
    /// A 429 of the rolling limit.
    Saturate { account: AccountId, prefix: String, retry_after_micros: u64 },
}

/// The script, the key prefix and the configured limit.
#[derive(Clone)]
pub(crate) struct BudgetScript {
    script: Script,
    prefix: String,
    max: u64,
    window_micros: u64,
}

impl BudgetScript {
    pub(crate) fn new(prefix: String, limit: RateLimit) -> Self {
        BudgetScript {
            script: Script::new(include_str!("budget.lua")),
            prefix,
            max: u64::from(limit.max_requests()),
            window_micros: u64::try_from(limit.window().as_micros()).unwrap_or(u64::MAX),
        }
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// One call of the script for `account`'s keys in `mode`, at the server's
    /// clock or at `now`; `name`, then `extra` follow.
    async fn call(
        &self,
        connection: &mut impl ConnectionLike,
        account: AccountId,
        mode: &str,
        now: Option<u64>,
        name: &str,
        extra: &[u64],
    ) -> RedisResult<Vec<u64>> {
        let mut invocation = self.script.key(format!("{}:{{{account}}}:log", self.prefix));
        invocation
            .key(format!("{}:{{{account}}}:blocked", self.prefix))
            .key(format!("{}:{{{account}}}:window", self.prefix))
            .arg(mode)
            .arg(self.max)
            .arg(self.window_micros)
            .arg(now.map(|now| now.to_string()).unwrap_or_default())
            .arg(name);
        for value in extra {
            invocation.arg(*value);
        }
        invocation.invoke_async(connection).await
    }

    /// Asks whether the request `name` of `account` may start now (on the
    /// server's clock).
    pub(crate) async fn acquire(
        &self,
        connection: &mut impl ConnectionLike,
        account: AccountId,
        name: &str,
    ) -> RedisResult<Answer> {
        self.acquire_at(connection, account, name, None).await
    }

    /// [`acquire`](Self::acquire) at `now` when given.
    pub(crate) async fn acquire_at(
        &self,
        connection: &mut impl ConnectionLike,
        account: AccountId,
        name: &str,
        now: Option<u64>,
    ) -> RedisResult<Answer> {
        let answer = self.call(connection, account, "acquire", now, name, &[]).await?;
        match answer.as_slice() {
            [1, at, _] => Ok(Answer::Admitted { at: *at }),
            [_, _, wait] => Ok(Answer::Wait { micros: *wait }),
            _ => Err(unexpected(&answer)),
        }
    }

    /// The entries of `account`'s log in its window now (on the server's
    /// clock), the window's maximum and its length in µs; writes nothing.
    pub(crate) async fn usage(
        &self,
        connection: &mut impl ConnectionLike,
        account: AccountId,
    ) -> RedisResult<(u64, u64, u64)> {
        let answer = self.call(connection, account, "usage", None, "", &[]).await?;
        match answer.as_slice() {
            [used, max, window] => Ok((*used, *max, *window)),
            _ => Err(unexpected(&answer)),
        }
    }

    /// Applies a permit's feedback, at `now` when given.
    pub(crate) async fn feedback(
        &self,
        connection: &mut impl ConnectionLike,
        feedback: &Feedback,
        now: Option<u64>,
    ) -> RedisResult<()> {
        match feedback {
            Feedback::Release { account, name, started } => {
                self.call(connection, *account, "release", now, name, &[*started]).await?;
            }
            Feedback::Observe { account, prefix, remaining, max, interval_millis, sent_at } => {
                let extra = [*remaining, *max, *interval_millis, *sent_at, LONGEST_ADOPTED_INTERVAL_MICROS];
                self.call(connection, *account, "observe", now, prefix, &extra).await?;
            }
            Feedback::Saturate { account, prefix, retry_after_micros } => {
                self.call(connection, *account, "saturate", now, prefix, &[*retry_after_micros]).await?;
            }
        }
        Ok(())
    }
}

fn unexpected(answer: &[u64]) -> redis::RedisError {
    redis::RedisError::from((
        redis::ErrorKind::UnexpectedReturnType,
        "the budget script answered an unexpected shape",
        format!("{answer:?}"),
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::sliding_log::{Decision, Observed, SlidingLog};

    const WINDOW_MICROS: u64 = 10_000_000;
    const MAX: u32 = 5;

    async fn connection(redis: &timeline_testkit::RedisServer) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(redis.url()).unwrap();
        client.get_multiplexed_async_connection().await.unwrap()
    }

    fn decision(answer: Answer) -> Decision {
        match answer {
            Answer::Admitted { at } => Decision::Admitted { at },
            Answer::Wait { micros } => Decision::Wait { micros },
        }
    }

    /// The same requests, answers, 429s and ends, at the same instants, to
    /// the script (its clock driven) and to the mirror: the same decisions.
    #[tokio::test]
    async fn the_script_and_its_mirror_decide_alike() {
        let Some(redis) = timeline_testkit::RedisServer::start() else {
            return;
        };
        let mut connection = connection(&redis).await;
        let script = BudgetScript::new("mirror".to_owned(), RateLimit::new(MAX, Duration::from_micros(WINDOW_MICROS)));
        let mut rng = fastrand::Rng::with_seed(13);
        let mut logs = [SlidingLog::new(u64::from(MAX), WINDOW_MICROS), SlidingLog::new(u64::from(MAX), WINDOW_MICROS)];
        let mut in_flight: Vec<(AccountId, String, u64)> = Vec::new();
        let mut now = 1_764_000_000_000_000u64; // the server's clock is in this range
        let (mut admitted, mut waited) = (0, 0);
        for step in 0..600 {
            now += rng.u64(0..WINDOW_MICROS / 8);
            let account = AccountId::new(rng.u64(0..2));
            let log = &mut logs[account.get() as usize];
            let what = rng.u32(0..20);
            if what < 12 {
                let name = format!("r{step}");
                let answer = script.acquire_at(&mut connection, account, &name, Some(now)).await.unwrap();
                let expected = log.acquire(now, &name);
                assert_eq!(decision(answer), expected, "step {step}: acquire of account {account}");
                match expected {
                    Decision::Admitted { at } => {
                        admitted += 1;
                        in_flight.push((account, name, at));
                    }
                    Decision::Wait { .. } => waited += 1,
                }
            } else if what < 17 {
                let Some(index) = (!in_flight.is_empty()).then(|| rng.usize(0..in_flight.len())) else {
                    continue;
                };
                let (account, name, started) = in_flight.swap_remove(index);
                let feedback = Feedback::Release { account, name: name.clone(), started };
                script.feedback(&mut connection, &feedback, Some(now)).await.unwrap();
                logs[account.get() as usize].release(now, &name, started);
            } else if what < 19 {
                let sent_at = in_flight.first().map_or(now, |(_, _, started)| *started);
                let answer = Observed {
                    remaining: rng.u64(0..u64::from(MAX)),
                    max: [0, 3, 5, 9][rng.usize(0..4)],
                    interval_millis: [0, 5_000, 15_000, 120_000][rng.usize(0..4)],
                    sent_at,
                };
                let prefix = format!("o{step}");
                let feedback = Feedback::Observe {
                    account,
                    prefix: prefix.clone(),
                    remaining: answer.remaining,
                    max: answer.max,
                    interval_millis: answer.interval_millis,
                    sent_at,
                };
                script.feedback(&mut connection, &feedback, Some(now)).await.unwrap();
                log.observe(now, &prefix, answer);
            } else {
                let retry_after = [0, 500_000, 3_000_000][rng.usize(0..3)];
                let prefix = format!("s{step}");
                let feedback = Feedback::Saturate { account, prefix: prefix.clone(), retry_after_micros: retry_after };
                script.feedback(&mut connection, &feedback, Some(now)).await.unwrap();
                log.saturate(now, &prefix, Some(retry_after));
            }
        }
        assert!(admitted > 50 && waited > 50, "both outcomes were compared: {admitted} admitted, {waited} waits");
    }

    #[tokio::test]
    async fn the_script_uses_the_server_clock_when_no_instant_is_given() {
        let Some(redis) = timeline_testkit::RedisServer::start() else {
            return;
        };
        let mut connection = connection(&redis).await;
        let script = BudgetScript::new("clock".to_owned(), RateLimit::new(1, Duration::from_secs(10)));
        let (seconds, micros): (u64, u64) = redis::cmd("TIME").query_async(&mut connection).await.unwrap();
        let Answer::Admitted { at } = script.acquire(&mut connection, AccountId::new(7), "first").await.unwrap() else {
            panic!("an empty window admits");
        };
        let server_now = seconds * 1_000_000 + micros;
        assert!(at >= server_now && at - server_now < 60_000_000, "{at} is the server's clock ({server_now})");
        let Answer::Wait { micros } = script.acquire(&mut connection, AccountId::new(7), "second").await.unwrap()
        else {
            panic!("a full window does not admit");
        };
        assert!(micros > 0 && micros <= 10_000_000, "the wait is until the first entry leaves: {micros} µs");
        let ttl: i64 = redis::cmd("PTTL").arg("clock:{7}:log").query_async(&mut connection).await.unwrap();
        assert!(ttl > 0 && ttl <= 11_000, "the log expires about a window after its last change: {ttl} ms");
    }
}
