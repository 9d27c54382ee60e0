//! The WORKLOAD.md sharing workload, built once, answered by shareguard, by Cedar and by a
//! hand-written baseline, every decision compared, each engine timed over the same queries.
//!
//! Sizes come from `USERS`, `GROUPS`, `FOLDERS`, `DOCUMENTS`, `GRANTS`, `QUERIES`, `SEED` and
//! `REPETITIONS`; `ID_PAD` lengthens shareguard's ids. Progress goes to stderr; the figures,
//! one `name=value` a line, to stdout.
//! Exits 1 if any query has a mismatch.

mod baseline;
mod cedar;
mod facade;
mod guard;
mod workload;

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use workload::{Sizes, Target, Who, Workload};

/// Resident memory in bytes, from `/proc/self/status` (`VmRSS`).
fn resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Nanoseconds per query of one pass of `f` over all queries.
fn time_pass(queries: usize, mut f: impl FnMut() -> usize) -> f64 {
    let start = Instant::now();
    black_box(f());
    start.elapsed().as_nanos() as f64 / queries as f64
}

/// The same after one untimed pass: the engine is timed with its own data in the caches, not
/// with what the engine before it left there.
fn time_warm_pass(queries: usize, mut f: impl FnMut() -> usize) -> f64 {
    black_box(f());
    time_pass(queries, f)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, String> {
    let sizes = Sizes::from_env()?;
    eprintln!("sizes: {sizes:?}");
    let t = Instant::now();
    let w = Workload::generate(&sizes);
    eprintln!(
        "workload: {} shares, {} queries, {:.1?}",
        w.shares.len(),
        w.queries.len(),
        t.elapsed()
    );

    // shareguard first, so that its resident growth is not hidden in memory freed by others.
    let t = Instant::now();
    let before = resident();
    let guard = guard::Guard::build(&w)?;
    let after = resident();
    let bytes_per_share = match (before, after) {
        (Some(b), Some(a)) => a.saturating_sub(b) as f64 / w.shares.len() as f64,
        _ => f64::NAN,
    };
    eprintln!(
        "shareguard: built in {:.1?}; a Share is {} bytes inline, a Principal {}",
        t.elapsed(),
        std::mem::size_of::<shareguard::model::Share>(),
        std::mem::size_of::<shareguard::model::Principal>()
    );

    let t = Instant::now();
    let facade = facade::Facade::build(&guard)?;
    eprintln!("facade: Admin<MemoryStore, Hierarchy> built in {:.1?}", t.elapsed());

    let t = Instant::now();
    let base = baseline::Baseline::build(&w);
    eprintln!("baseline: built in {:.1?}", t.elapsed());

    // `SKIP_CEDAR=1` leaves Cedar out (for profiling the other two under callgrind).
    let cedar = if std::env::var_os("SKIP_CEDAR").is_some() {
        None
    } else {
        let t = Instant::now();
        let cedar = cedar::Cedar::build(&w)?;
        eprintln!(
            "cedar: {} share policies, {} slices, built in {:.1?}, resident {} MiB",
            cedar.share_policies,
            cedar.slices.len(),
            t.elapsed(),
            resident().unwrap_or(0) >> 20
        );
        Some(cedar)
    };

    // Every query through all three, compared.
    let perms: Vec<_> = w.queries.iter().map(|q| guard::permission(q.action)).collect();
    let needs: Vec<_> = w.queries.iter().map(|q| baseline::needed(q.action)).collect();
    let now = w.now;
    let (mut allowed, mut vs_cedar, mut vs_baseline, mut shown) = (0usize, 0usize, 0usize, 0);
    let mut vs_admin = 0usize;
    for (i, q) in w.queries.iter().enumerate() {
        let decision = guard.check(q.user, q.document, perms[i]);
        let principal = &guard.principals[q.user as usize];
        let document = &guard.documents[q.document as usize];
        match facade.check(principal, perms[i], document, &guard) {
            Ok(d) if d == decision => {}
            answer => {
                vs_admin += 1;
                if shown < 5 {
                    shown += 1;
                    eprintln!(
                        "mismatch on query {i}: Admin::check {answer:?}, Policy::check {decision:?}"
                    );
                }
            }
        }
        let c = cedar.as_ref().map_or(decision.is_allowed(), |c| c.check(i, q.document));
        let b = base.check(q.user, q.document, needs[i], now);
        allowed += usize::from(decision.is_allowed());
        vs_cedar += usize::from(decision.is_allowed() != c);
        vs_baseline += usize::from(decision.is_allowed() != b);
        vs_baseline +=
            usize::from(guard.allows(q.user, q.document, perms[i]) != decision.is_allowed());
        if (decision.is_allowed() != c || decision.is_allowed() != b) && shown < 5 {
            shown += 1;
            explain(&w, i, decision.is_allowed(), decision.reason().to_string(), c, b);
            for e in cedar.iter().flat_map(|c| c.errors(i, q.document)) {
                eprintln!("  cedar error: {e}");
            }
        }
    }
    let mismatches = vs_cedar + vs_baseline + vs_admin;
    if mismatches > 0 {
        eprintln!(
            "mismatches: {vs_cedar} against cedar, {vs_baseline} against the baseline, \
             {vs_admin} between Admin::check and Policy::check"
        );
    }

    // Timing: every engine over the same queries. The machine's speed drifts by tens of per
    // cent within seconds, so shareguard and the baseline are timed in alternating passes a
    // few milliseconds apart (`ROUNDS` of them in each repetition, each after an untimed
    // warm-up pass), and the ratio is the median of the ratios of neighbouring passes. Cedar,
    // whose one pass takes seconds, is timed once per repetition.
    let n = w.queries.len();
    let rounds = 5;
    let (mut sg, mut sa, mut cd, mut bl) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut ratios, mut allows_ratios) = (Vec::new(), Vec::new());
    let (mut ad, mut admin_ratios) = (Vec::new(), Vec::new());
    for r in 0..sizes.repetitions {
        for _ in 0..rounds {
            let check = time_warm_pass(n, || {
                w.queries
                    .iter()
                    .zip(&perms)
                    .filter(|(q, p)| guard.check(q.user, q.document, **p).is_allowed())
                    .count()
            });
            let baseline = time_warm_pass(n, || {
                w.queries
                    .iter()
                    .zip(&needs)
                    .filter(|(q, need)| base.check(q.user, q.document, **need, now))
                    .count()
            });
            let allows = time_warm_pass(n, || {
                w.queries
                    .iter()
                    .zip(&perms)
                    .filter(|(q, p)| guard.allows(q.user, q.document, **p))
                    .count()
            });
            let admin = time_warm_pass(n, || {
                w.queries
                    .iter()
                    .zip(&perms)
                    .filter(|(q, p)| {
                        let principal = &guard.principals[q.user as usize];
                        let document = &guard.documents[q.document as usize];
                        facade.check(principal, **p, document, &guard).is_ok_and(|d| d.is_allowed())
                    })
                    .count()
            });
            ratios.push(check / baseline);
            admin_ratios.push(admin / check);
            ad.push(admin);
            allows_ratios.push(allows / baseline);
            sg.push(check);
            sa.push(allows);
            bl.push(baseline);
        }
        cd.push(cedar.as_ref().map_or(f64::NAN, |cedar| {
            time_pass(n, || {
                w.queries.iter().enumerate().filter(|(i, q)| cedar.check(*i, q.document)).count()
            })
        }));
        let last = sg.len() - rounds..;
        eprintln!(
            "repetition {}: shareguard {:.0} ns (allows {:.0} ns, Admin::check {:.0} ns), \
             cedar {:.0} ns, baseline {:.0} ns (medians of {rounds} rounds)",
            r + 1,
            median(sg[last.clone()].to_vec()),
            median(sa[last.clone()].to_vec()),
            median(ad[last.clone()].to_vec()),
            cd[r],
            median(bl[last].to_vec()),
        );
    }
    let (sg, sa, cd, bl) = (median(sg), median(sa), median(cd), median(bl));
    let (ratio, allows_ratio) = (median(ratios), median(allows_ratios));
    let (ad, admin_ratio) = (median(ad), median(admin_ratios));

    println!("queries={n}");
    println!("allowed={allowed}");
    println!("mismatches={mismatches}");
    println!("shareguard_ns_per_check={sg:.0}");
    println!("cedar_ns_per_check={cd:.0}");
    println!("baseline_ns_per_check={bl:.0}");
    println!("ratio_vs_cedar={:.1}", cd / sg);
    println!("ratio_vs_baseline={ratio:.2}");
    println!("shareguard_bytes_per_share={bytes_per_share:.0}");
    // Beyond the lines: `Policy::allows`, the same answer without reason or evidence.
    println!("shareguard_allows_ns_per_check={sa:.0}");
    println!("ratio_allows_vs_baseline={allows_ratio:.2}");
    // The facade: `Admin::check` over a `MemoryStore` and a `Hierarchy`, one `block_on` a call.
    println!("admin_ns_per_check={ad:.0}");
    println!("admin_ratio_vs_cedar={:.1}", cd / ad);
    println!("admin_ratio_vs_check={admin_ratio:.2}");
    Ok(mismatches == 0)
}

/// One mismatch, with the shares on the path that reach the user.
fn explain(w: &Workload, i: usize, guard: bool, reason: String, cedar: bool, baseline: bool) {
    let q = w.queries[i];
    let folder = w.doc_folder[q.document as usize];
    eprintln!(
        "mismatch on query {i}: user u{} document d{} (folder f{folder}) action {}: \
         shareguard {guard} ({reason}), cedar {cedar}, baseline {baseline}",
        q.user,
        q.document,
        q.action.name()
    );
    let groups = w.transitive_groups(q.user);
    for (s, share) in w.shares.iter().enumerate() {
        let on_path = match share.target {
            Target::Document(d) => d == q.document,
            Target::Folder(f) => f == folder,
        };
        let reaches = match share.who {
            Who::User(u) => u == q.user,
            Who::Group(g) => groups.contains(&g),
        };
        if on_path && reaches {
            eprintln!(
                "  share s{s}: {:?} {:?} {} expires {:?} (now {})",
                share.target,
                share.who,
                share.level.map_or("restrict", |l| l.name()),
                share.expires,
                w.now
            );
        }
    }
}
