/* A deterministic history for the dashboard's tests and its screenshot:
 * gate results of 32 nightly runs (with the RLS overhead inside, a latency
 * regression on documents/search_fulltext in runs 14-18 that is fixed in
 * run 19, a noisy run, a case that appears later, a baseline re-recorded),
 * 6 load-test results, and a day of monitor snapshots (5-minute interval)
 * written through the store API, in which timeline breaches its threshold
 * (warning, then critical, resolved) and document_search warns briefly.
 * Same call, same bytes: nothing depends on the clock. */
#ifndef PF_FIXTURE_HISTORY_H
#define PF_FIXTURE_HISTORY_H

#include "error.h"

#define PF_FIXTURE_GATE_RUNS 32
#define PF_FIXTURE_LOAD_RUNS 6
#define PF_FIXTURE_SOURCE "healthcare-prod"
/* The monitored day: 2026-02-10 00:00 to 24:00 UTC. */
#define PF_FIXTURE_DAY_US 1770681600000000LL

/* Write gate-NN.json and load-NN.json into dir (created if missing). */
int pf_fixture_write_results(const char *dir, pf_error *err);

/* Write a day of snapshots for source PF_FIXTURE_SOURCE into the store at
 * dsn (migrated if needed), classified and alerted on with config_path's
 * categories and rules. */
int pf_fixture_load_store(const char *dsn, const char *config_path, pf_error *err);

#endif
