//! Plan fingerprints: what the window compares between a preview and the apply that follows
//! ("12 changes differ since the preview", "3 writes were not in the preview"). One string per
//! planned write, naming what it writes where and why, so two plans of the same pair compare
//! write by write without either being held whole.

use std::collections::HashMap;

use crate::children::ChildAction;
use crate::pair::SyncOutcome;

/// One fingerprint per planned write of the outcome, sorted.
pub fn fingerprints(outcome: &SyncOutcome) -> Vec<String> {
    let mut prints = Vec::new();
    // The contact writes by their 64-bit fingerprints (the plan is not held whole).
    for print in &outcome.contact_prints {
        prints.push(format!("{}|contact|{print:016x}", outcome.pair_name));
    }
    for op in &outcome.children {
        if op.action == ChildAction::Link {
            continue;
        }
        prints.push(format!(
            "{}|{}|{:?}|{:?}|{}|{}",
            outcome.pair_name,
            op.kind.as_str(),
            op.target,
            op.action,
            crate::rules::preview_identity(&op.source_id),
            serde_json::to_string(&op.values).unwrap_or_default()
        ));
    }
    for push in &outcome.pushes {
        prints.push(format!(
            "{}|event|{}|{}|{}",
            outcome.pair_name, push.kind, push.ghl_id, push.title
        ));
    }
    prints.sort();
    prints
}

/// How many writes differ between two plans' fingerprints (in one and not the other).
pub fn differences(before: &[String], after: &[String]) -> usize {
    balance(before, after)
        .values()
        .map(|n| n.unsigned_abs() as usize)
        .sum()
}

/// How many writes of `after` the plan `before` did not hold.
pub fn only_in_second(before: &[String], after: &[String]) -> usize {
    balance(before, after)
        .values()
        .filter(|n| **n < 0)
        .map(|n| n.unsigned_abs() as usize)
        .sum()
}

/// Each fingerprint's count in `before` less its count in `after`: a plan may hold the same
/// write twice, so the comparison is of multisets, not sets.
fn balance<'a>(before: &'a [String], after: &'a [String]) -> HashMap<&'a str, i64> {
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for p in before {
        *counts.entry(p.as_str()).or_default() += 1;
    }
    for p in after {
        *counts.entry(p.as_str()).or_default() -= 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::{differences, only_in_second};

    #[test]
    fn differences_count_writes_in_one_plan_only() {
        let a = vec!["x".to_string(), "y".to_string(), "y".to_string()];
        let b = vec!["y".to_string(), "z".to_string()];
        // x and one y only in a, z only in b.
        assert_eq!(differences(&a, &b), 3);
        assert_eq!(differences(&a, &a), 0);
        assert_eq!(only_in_second(&a, &b), 1);
        assert_eq!(only_in_second(&b, &a), 2);
    }
}
