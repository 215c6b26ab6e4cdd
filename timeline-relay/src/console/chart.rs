//! The throughput chart: one stacked bar per minute of the last hour
//! (delivered, retried, dead), as inline SVG.

use chrono::DateTime;
use maud::{Markup, html};

use crate::console::activity::Minute;

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 200;
const LEFT: u32 = 44;
const BOTTOM: u32 = 22;
const TOP: u32 = 8;
const DELIVERED: &str = "#2f9e6b";
const RETRIED: &str = "#d9822b";
const DEAD: &str = "#d64545";

/// The chart of `series` (a minute each, oldest first), labelled `label`.
/// The `svg` carries the hour's total in `data-total`.
pub(crate) fn throughput(label: &str, series: &[Minute]) -> Markup {
    let total: u64 = series.iter().map(|minute| u64::from(minute.total())).sum();
    let peak = series.iter().map(Minute::total).max().unwrap_or(0).max(1);
    let plot_height = HEIGHT - TOP - BOTTOM;
    let slot = f64::from(WIDTH - LEFT) / series.len().max(1) as f64;
    let scale = |count: u32| f64::from(count) * f64::from(plot_height) / f64::from(peak);
    let base = f64::from(HEIGHT - BOTTOM);
    html! {
        div.panel {
            div.legend {
                strong { (label) } " · " (total) " outcomes in the last hour · "
                span { i style={ "background:" (DELIVERED) } {} "delivered" }
                span { i style={ "background:" (RETRIED) } {} "retried" }
                span { i style={ "background:" (DEAD) } {} "dead" }
            }
            svg.chart xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width="100%"
                role="img" aria-label={ (label) ": outcomes per minute, last hour" } data-total=(total) {
                @for value in ticks(peak) {
                    @let y = format!("{:.1}", base - scale(value));
                    line x1=(LEFT) x2=(WIDTH) y1=(y) y2=(y) stroke="#e4e7eb" {}
                    text x=(LEFT - 6) y=(format!("{:.1}", base - scale(value) + 4.0)) text-anchor="end" font-size="11" fill="#616e7c" { (value) }
                }
                @for (index, minute) in series.iter().enumerate() {
                    @let x = f64::from(LEFT) + index as f64 * slot + 1.0;
                    @let width = (slot - 2.0).max(1.0);
                    @let (delivered, retried, dead) = (scale(minute.delivered), scale(minute.retried), scale(minute.dead));
                    g.minute {
                        title { (minute_label(minute.minute)) ": " (minute.delivered) " delivered, " (minute.retried) " retried, " (minute.dead) " dead" }
                        @if minute.delivered > 0 {
                            rect.bar x=(format!("{x:.1}")) y=(format!("{:.1}", base - delivered)) width=(format!("{width:.1}")) height=(format!("{delivered:.1}")) fill=(DELIVERED) {}
                        }
                        @if minute.retried > 0 {
                            rect.bar x=(format!("{x:.1}")) y=(format!("{:.1}", base - delivered - retried)) width=(format!("{width:.1}")) height=(format!("{retried:.1}")) fill=(RETRIED) {}
                        }
                        @if minute.dead > 0 {
                            rect.bar x=(format!("{x:.1}")) y=(format!("{:.1}", base - delivered - retried - dead)) width=(format!("{width:.1}")) height=(format!("{dead:.1}")) fill=(DEAD) {}
                        }
                    }
                }
                @for (x, anchor, text) in [(f64::from(LEFT), "start", "−60 min"), (f64::from(LEFT + WIDTH) / 2.0, "middle", "−30 min"), (f64::from(WIDTH), "end", "now")] {
                    text x=(format!("{x:.1}")) y=(HEIGHT - 6) text-anchor=(anchor) font-size="11" fill="#616e7c" { (text) }
                }
            }
        }
    }
}

/// The values the axis names: 0, the peak, and half the peak when it is a whole number.
fn ticks(peak: u32) -> Vec<u32> {
    if peak >= 2 && peak.is_multiple_of(2) { vec![0, peak / 2, peak] } else { vec![0, peak] }
}

/// A minute since the Unix epoch as `HH:MM UTC`.
fn minute_label(minute: u64) -> String {
    let seconds = i64::try_from(minute.saturating_mul(60)).unwrap_or(i64::MAX);
    DateTime::from_timestamp(seconds, 0).map_or_else(String::new, |at| at.format("%H:%M UTC").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_with_outcomes_is_a_bar_and_an_empty_one_is_none() {
        let series = [
            Minute { minute: 1, ..Minute::default() },
            Minute { minute: 2, delivered: 3, dead: 1, ..Minute::default() },
        ];
        let svg = throughput("Relay", &series).into_string();
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 2, "{svg}");
        assert!(svg.contains("data-total=\"4\""), "{svg}");
        assert!(svg.contains("00:02 UTC: 3 delivered, 0 retried, 1 dead"), "{svg}");
    }
}
