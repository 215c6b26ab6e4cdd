//! The sliding log's arithmetic against the definition of a rolling window
//! (no window of its length ever admits more than the limit, and a demand
//! above the limit gets nearly all of it) and against the in-process
//! budget's rolling window.

use std::collections::VecDeque;
use std::time::Duration;
use timeline_core::AccountId;

use hubspot_timeline::budget::{LocalRateBudget, RateBudget, RateLimit};
use proptest::prelude::*;
use timeline_redis::{Decision, Observed, SlidingLog};

/// The most requests admitted in any window-long interval `(t - window, t]`.
fn busiest_window(admitted: &[u64], window: u64) -> usize {
    admitted.iter().map(|&end| admitted.iter().filter(|&&at| at <= end && at + window > end).count()).max().unwrap_or(0)
}

/// When each of the requests arriving at `arrivals` (ms, in order, one
/// after the other, each ended at once) starts under the sliding log.
fn starts_under_the_log(max: u32, window_millis: u64, arrivals: &[u64]) -> Vec<u64> {
    let mut log = SlidingLog::new(u64::from(max), window_millis * 1_000);
    let mut now = 0;
    let mut starts = Vec::new();
    for (index, arrival) in arrivals.iter().enumerate() {
        now = now.max(arrival * 1_000);
        let name = format!("r{index}");
        loop {
            match log.acquire(now, &name) {
                Decision::Admitted { at } => {
                    log.release(at, &name, at);
                    starts.push(at / 1_000);
                    break;
                }
                Decision::Wait { micros } => now += micros,
            }
        }
    }
    starts
}

/// The same under the in-process [`LocalRateBudget`], on tokio's paused clock.
fn starts_under_the_local_budget(max: u32, window_millis: u64, arrivals: &[u64]) -> Vec<u64> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    runtime.block_on(async {
        let budget = LocalRateBudget::new(RateLimit::new(max, Duration::from_millis(window_millis))).unwrap();
        let start = tokio::time::Instant::now();
        let mut starts = Vec::new();
        for arrival in arrivals {
            tokio::time::sleep_until(start + Duration::from_millis(*arrival)).await;
            drop(budget.acquire(AccountId::new(7)).await);
            starts.push(u64::try_from(start.elapsed().as_millis()).unwrap());
        }
        starts
    })
}

proptest! {
    #[test]
    fn the_log_starts_requests_when_the_in_process_budget_does(
        max in 1u32..8,
        window_millis in 1u64..2_000,
        gaps in prop::collection::vec(0u64..500, 1..80),
    ) {
        let arrivals: Vec<u64> = gaps.iter().scan(0, |at, gap| { *at += gap; Some(*at) }).collect();
        prop_assert_eq!(
            starts_under_the_log(max, window_millis, &arrivals),
            starts_under_the_local_budget(max, window_millis, &arrivals)
        );
    }

    #[test]
    fn no_window_admits_more_than_the_limit(
        max in 1u64..12,
        window in 1_000u64..10_000_000,
        gaps in prop::collection::vec(0u64..400_000, 1..300),
        latencies in prop::collection::vec(0u64..300_000, 300),
        answers in prop::collection::vec((0u64..12, 0u64..14), 300),
    ) {
        let mut log = SlidingLog::new(max, window);
        let mut now = 0u64;
        let mut admitted = Vec::new();
        let mut ending: Vec<(u64, String, u64)> = Vec::new();
        for (index, gap) in gaps.iter().enumerate() {
            now += gap;
            ending.sort_by_key(|(end, _, _)| std::cmp::Reverse(*end));
            while let Some((end, name, started)) = ending.pop_if(|(end, _, _)| *end <= now) {
                log.release(end, &name, started);
            }
            let name = format!("r{index}");
            if let Decision::Admitted { at } = log.acquire(now, &name) {
                prop_assert_eq!(at, now);
                admitted.push(at);
                ending.push((now + latencies[index], name, at));
                let (remaining, header_max) = answers[index];
                if index % 3 == 0 {
                    let answer = Observed { remaining, max: header_max, interval_millis: 0, sent_at: at };
                    log.observe(now, &format!("o{index}"), answer);
                }
            }
        }
        prop_assert!(busiest_window(&admitted, window) <= max as usize, "{:?}", admitted);
    }

    #[test]
    fn a_demand_above_the_limit_gets_at_least_95_percent_of_it(
        max in 1u64..120,
        window in 10_000u64..10_000_000,
        overload in 1.05f64..4.0,
        latency_share in 0.0f64..0.02,
    ) {
        let mut log = SlidingLog::new(max, window);
        let gap = ((window as f64 / (max as f64 * overload)) as u64).max(1);
        let latency = (window as f64 * latency_share) as u64;
        let windows = 40;
        let end = windows * window;
        let (mut now, mut next_demand, mut admitted) = (0u64, 0u64, 0u64);
        let mut ending: VecDeque<(u64, String, u64)> = VecDeque::new();
        while now < end {
            while let Some((at, name, started)) = ending.pop_front_if(|(at, _, _)| *at <= now) {
                log.release(at, &name, started);
            }
            now = now.max(next_demand);
            let name = format!("r{admitted}");
            match log.acquire(now, &name) {
                Decision::Admitted { at } => {
                    admitted += 1;
                    next_demand += gap;
                    ending.push_back((at + latency, name, at));
                }
                Decision::Wait { micros } => {
                    prop_assert!(micros > 0, "a wait is never zero: no busy loop");
                    now += micros;
                }
            }
        }
        let allowance = max * windows;
        prop_assert!(admitted <= allowance + max, "{} of {}", admitted, allowance);
        prop_assert!(admitted as f64 >= 0.95 * allowance as f64, "{} of {}", admitted, allowance);
    }
}

#[test]
fn a_429_blocks_until_its_retry_after_and_fills_the_window() {
    let mut log = SlidingLog::new(3, 1_000_000);
    assert_eq!(log.acquire(0, "a"), Decision::Admitted { at: 0 });
    log.saturate(100, "s", Some(2_000_000));
    assert_eq!(log.len_at(100), 3);
    assert_eq!(log.acquire(1_500_000, "b"), Decision::Wait { micros: 500_100 });
    assert_eq!(log.acquire(2_000_100, "b"), Decision::Admitted { at: 2_000_100 });
}

#[test]
fn an_answer_counting_more_than_the_log_holds_fills_it_at_the_request_start() {
    let mut log = SlidingLog::new(10, 1_000_000);
    assert_eq!(log.acquire(0, "a"), Decision::Admitted { at: 0 });
    // Another replica's requests: HubSpot counted 7, the log holds 1.
    log.observe(50_000, "o", Observed { remaining: 3, max: 0, interval_millis: 0, sent_at: 0 });
    assert_eq!(log.len_at(50_000), 7);
    // The same count seen again adds nothing.
    log.observe(60_000, "p", Observed { remaining: 3, max: 0, interval_millis: 0, sent_at: 0 });
    assert_eq!(log.len_at(60_000), 7);
    // A smaller maximum and a longer interval are adopted, within bounds.
    log.observe(70_000, "q", Observed { remaining: 0, max: 8, interval_millis: 2_000, sent_at: 0 });
    assert_eq!(log.limit(), (8, 2_000_000));
    assert_eq!(log.acquire(1_500_000, "b"), Decision::Wait { micros: 500_000 });
    log.observe(80_000, "r", Observed { remaining: 0, max: 50, interval_millis: 120_000, sent_at: 0 });
    assert_eq!(log.limit(), (10, 1_000_000), "a larger maximum and an interval over a minute are not");
}
