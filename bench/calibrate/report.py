#!/usr/bin/env python3
"""Aggregate bench/calibrate/run.sh results into the detection / false-alarm table.

For every run JSON (perfgate run --json) and every targeted case it asks: did
the verdict path fire? Paths:
  work        work_regressed, or plan changed with more work (status fail
              without a latency reason)
  committed   latency_confirmed against committed baselines (signal + re-run)
  paired      latency_confirmed in a same-run comparison (--base)
Alternative paired thresholds are evaluated from the same data (ratio, p).
"""
import glob, json, os, sys

out, cases = sys.argv[1], set(sys.argv[2].split(","))


def load(pattern):
    runs = []
    pattern = pattern.replace("-*.json", "-[0-9]*.json")
    for path in sorted(glob.glob(os.path.join(out, pattern))):
        try:
            runs.append(json.load(open(path)))
        except (OSError, ValueError):
            runs.append(None)  # a run that produced no JSON counts as not detected
    return runs


def fired(case, path, limit=1.20, alpha=0.01):
    if path == "work":
        return case["work_regressed"] or (case["plan_changed"] and case["status"] == "fail"
                                          and not case["latency_confirmed"])
    if path == "committed":
        return case["latency_confirmed"]
    if path == "paired":
        return case.get("paired", False) and case["latency_confirmed"]
    if path.startswith("paired"):
        # An alternative limit, evaluated from the same measurements.
        ratio = case.get("latency", {}).get("ratio", 0)
        p = case.get("latency", {}).get("p_value", 1)
        return case.get("paired", False) and ratio > limit and p < alpha
    return False


def rate(runs, path, only=None, **kw):
    hit = total = 0
    for r in runs:
        targets = [c for c in (r or {}).get("cases", []) if only is None or f"{c['group']}/{c['name']}" in only]
        if r is None:
            total += len(only or [])  # missing run: every target missed
            continue
        for c in targets:
            total += 1
            hit += bool(fired(c, path, **kw))
    return hit, total


def achieved(runs, only):
    ratios = sorted(c["latency"]["ratio"] for r in runs if r for c in r["cases"]
                    if f"{c['group']}/{c['name']}" in only and c.get("paired"))
    return ratios[len(ratios) // 2] if ratios else float("nan")


rows = []
aa_c, aa_p = load("aa-committed-*.json"), load("aa-paired-*.json")
for label, runs in (("A/A committed baselines", aa_c), ("A/A paired", aa_p)):
    failed = sum(1 for r in runs if r is None or r.get("exit_code", 1) != 0)
    rows.append((label, "whole run", f"runs that failed: {failed}/{len(runs)}"))
for label, runs in (("A/A committed baselines", aa_c), ("A/A paired", aa_p)):
    for path in ("work", "committed", "paired"):
        if (path == "committed") != ("committed" in label) and path != "work":
            continue
        h, t = rate(runs, path)
        rows.append((label, path, f"false alarms {h}/{t} case-runs ({len(runs)} runs)"))
    if "paired" in label:
        h, t = rate(runs, "paired @1.10", limit=1.10)
        rows.append((label, "paired @1.10", f"false alarms {h}/{t} case-runs"))
for pct in (10, 20, 30, 50):
    pr, cr = load(f"cpu{pct}-paired-*.json"), load(f"cpu{pct}-committed-*.json")
    if not pr and not cr:
        continue
    med = achieved(pr, cases)
    h, t = rate(pr, "paired", cases)
    rows.append((f"cpu+{pct}% (achieved median ratio {med:.2f})", "paired", f"detected {h}/{t}"))
    h, t = rate(pr, "paired @1.10", cases, limit=1.10)
    rows.append((f"cpu+{pct}%", "paired @1.10", f"detected {h}/{t}"))
    h, t = rate(cr, "committed", cases)
    rows.append((f"cpu+{pct}%", "committed", f"detected {h}/{t}"))
    h, t = rate(pr + cr, "work", cases)
    rows.append((f"cpu+{pct}%", "work", f"fired {h}/{t} (expected 0: same work)"))
# Work injections: a run detects the change when a targeted case fails on
# work (rows+25%: the edited case; drop_index: any case using the index).
for name, key, only in (("rows+25%", "rows25", {"audit/audit_recent_activity"}),
                        ("drop_index", "dropidx", None)):
    for mode in ("paired", "committed"):
        runs = load(f"{key}-{mode}-*.json")
        if not runs:
            continue
        hit = sum(1 for r in runs if r and any(
            fired(c, "work") for c in r["cases"] if only is None or f"{c['group']}/{c['name']}" in only))
        rows.append((name, f"work ({mode})", f"detected {hit}/{len(runs)} runs"))

w = max(len(r[0]) for r in rows)
print(f"{'injected change':<{w}}  {'verdict path':<15}  result")
for a, b, c in rows:
    print(f"{a:<{w}}  {b:<15}  {c}")
