#!/usr/bin/env python3
"""The tables of bench/calibrate/instructions.sh: detection of CPU-only
injections per size and case, and for the A/A runs the false alarms and the
run-to-run spread (max/min - 1) of every case's instructions per execution
and of every RLS pair's instruction ratio."""
import glob, json, os, sys

out, sizes = sys.argv[1], sys.argv[2].split()
targets = ["rls/timeline_page_patient", "documents/documents_search"]


def load(prefix):
    runs = []
    for path in sorted(glob.glob(os.path.join(out, prefix + "-[0-9]*.json"))):
        try:
            runs.append(json.load(open(path)))
        except (OSError, ValueError):
            runs.append(None)
    return runs


def cases(run):
    return {f"{c['group']}/{c['name']}": c for c in (run or {}).get("cases", [])}


record = cases(json.load(open(os.path.join(out, "record.json"))))
print("## CPU-only injections against committed baselines\n")
print("| size | case | instructions (baseline → injected) | measured | caught | other metrics |")
print("|---|---|---|---:|---:|---|")
for pct in sizes:
    for inj, t in (("policy", targets[0]), ("search", targets[1])):
        runs = load(f"cpu{pct}-{inj}")
        caught, deltas, others = 0, [], set()
        for r in runs:
            c = cases(r).get(t)
            if c is None:
                continue
            ins = c.get("instructions", {})
            if c["status"] == "fail" and ins.get("regressed"):
                caught += 1
            if "delta_pct" in ins:
                deltas.append(ins["delta_pct"])
            others.add("work regressed" if c["work_regressed"] else "work =")
            others.add("plan changed" if c["plan_changed"] else "plan =")
        base = record[t]["instructions"]["per_execution"]
        injected = cases(runs[0]).get(t, {}).get("instructions", {}).get("per_execution", 0) if runs else 0
        meas = f"{min(deltas):+.2f}%..{max(deltas):+.2f}%" if deltas else "–"
        print(f"| +{pct}% | `{t}` | {base:,} → {injected:,} | {meas} | {caught}/{len(runs)} | {', '.join(sorted(others))} |")

aa = load("aa")
print(f"\n## A/A: {len(aa)} unchanged runs against the same baselines\n")
alarms, failed_runs, instr_alarms_rls = 0, 0, 0
per_case = {}
pairs = {}
for r in aa:
    if r is None or r.get("exit_code") != 0:
        failed_runs += 1
    for name, c in cases(r).items():
        ins = c.get("instructions", {})
        if ins.get("regressed"):
            alarms += 1
        if "per_execution" in ins:
            per_case.setdefault(name, []).append(ins["per_execution"])
    for p in (r or {}).get("rls", {}).get("overhead", []):
        io = p.get("instructions")
        if io:
            pairs.setdefault(p.get("name", "?"), []).append(io["ratio"])
    for chk in (r or {}).get("rls", {}).get("checks", []):
        if chk.get("family") == "overhead" and chk.get("status") == "fail" and "instructions" in chk.get("message", ""):
            instr_alarms_rls += 1
print(f"instruction false alarms: {alarms} case-runs, {instr_alarms_rls} RLS pair-runs; "
      f"runs that did not exit 0: {failed_runs}/{len(aa)}\n")
print("| case | runs | min | max | spread (max/min − 1) | baseline |")
print("|---|---:|---:|---:|---:|---:|")
worst = 0.0
for name in sorted(per_case):
    v = per_case[name]
    spread = max(v) / min(v) - 1 if min(v) > 0 else 0
    worst = max(worst, spread)
    b = record.get(name, {}).get("instructions", {}).get("per_execution", 0)
    print(f"| `{name}` | {len(v)} | {min(v):,} | {max(v):,} | {100 * spread:.3f}% | {b:,} |")
for name in sorted(pairs):
    v = pairs[name]
    spread = max(v) / min(v) - 1 if min(v) > 0 else 0
    worst = max(worst, spread)
    print(f"| RLS pair `{name}` (ratio) | {len(v)} | {min(v):.4f} | {max(v):.4f} | {100 * spread:.3f}% | |")
print(f"\nlargest spread: {100 * worst:.3f}%")

phase = sorted(r["phases_ms"].get("instructions", 0) / 1000 for r in aa if r)
total = sorted(r["phases_ms"].get("total", 0) / 1000 for r in aa if r)
if phase:
    med = phase[len(phase) // 2]
    print(f"\ninstruction phase (restarts included): median {med:.1f} s, "
          f"min {phase[0]:.1f} s, max {phase[-1]:.1f} s; whole run median "
          f"{total[len(total) // 2]:.1f} s ({len(phase)} runs)")

