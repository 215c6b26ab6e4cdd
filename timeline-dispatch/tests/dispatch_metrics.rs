//! The `metrics` feature: a recorder installed for this test binary sees
//! the dispatcher's counters, gauges and the budget's waits.

mod dispatch_support;

use hubspot_timeline::Client;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dispatch_support::*;
use hubspot_timeline::App;
use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};
use hubspot_timeline::budget::{LocalRateBudget, RateLimit};
use metrics::{Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, SharedString, Unit};
use timeline_dispatch::{MemoryOutbox, MeteredBudget};

/// Every value recorded, by metric name: counters summed, gauges last set,
/// histograms as their number of samples.
#[derive(Default)]
struct Values(Mutex<BTreeMap<String, f64>>);

/// One metric's handle.
struct Handle {
    name: String,
    values: Arc<Values>,
}

impl Handle {
    fn add(&self, value: f64) {
        *self.values.0.lock().unwrap().entry(self.name.clone()).or_default() += value;
    }
}

impl CounterFn for Handle {
    fn increment(&self, value: u64) {
        self.add(value as f64);
    }

    fn absolute(&self, value: u64) {
        self.values.0.lock().unwrap().insert(self.name.clone(), value as f64);
    }
}

impl GaugeFn for Handle {
    fn increment(&self, value: f64) {
        self.add(value);
    }

    fn decrement(&self, value: f64) {
        self.add(-value);
    }

    fn set(&self, value: f64) {
        self.values.0.lock().unwrap().insert(self.name.clone(), value);
    }
}

impl HistogramFn for Handle {
    fn record(&self, _value: f64) {
        self.add(1.0);
    }
}

struct Recorder(Arc<Values>);

impl Recorder {
    fn handle(&self, key: &Key) -> Arc<Handle> {
        Arc::new(Handle { name: key.name().to_owned(), values: Arc::clone(&self.0) })
    }
}

impl metrics::Recorder for Recorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.handle(key))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.handle(key))
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.handle(key))
    }
}

#[tokio::test]
async fn the_dispatcher_counts_what_it_queues_delivers_fails_and_waits_for() {
    let values = Arc::new(Values::default());
    metrics::set_global_recorder(Recorder(Arc::clone(&values))).unwrap();
    let value = |name: &str| values.0.lock().unwrap().get(name).copied().unwrap_or_default();

    let sandbox = sandbox().start().await.unwrap();
    let store = MemoryTokenStore::new();
    store.insert(101, AccountTokens::new(token_of(101), chrono::Utc::now() + chrono::Duration::days(1), "refresh"));
    let budget = LocalRateBudget::new(RateLimit::new(100_000, Duration::from_millis(20))).unwrap();
    let app = App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(Arc::new(store))
        .client(Client::builder().base_url(sandbox.url()).retry(client_retry()))
        .rate_budget(Arc::new(MeteredBudget::new(Arc::new(budget))))
        .build()
        .unwrap();
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app, Arc::new(MemoryOutbox::new()), &outcomes).spawn().unwrap();
    let mut bad = signup(101, 4);
    bad.plan = Plan::Legacy;
    for event in signups(101, 4).into_iter().chain([bad]) {
        dispatcher.emit(101, &event).await.unwrap();
    }
    dispatcher.flush().await.unwrap();
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");

    assert_eq!(value("timeline_dispatch_queued_total"), 5.0);
    assert_eq!(value("timeline_dispatch_delivered_total"), 4.0);
    assert_eq!(value("timeline_dispatch_failed_total"), 1.0);
    assert_eq!(value("timeline_dispatch_retried_total"), 0.0);
    assert!(value("timeline_dispatch_budget_wait_seconds") >= 1.0, "a permit's wait was recorded");
    assert!(values.0.lock().unwrap().contains_key("timeline_dispatch_outbox_depth"));
    assert!(values.0.lock().unwrap().contains_key("timeline_dispatch_oldest_pending_seconds"));
}
