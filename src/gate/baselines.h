/* The layout of the baselines directory, in one place: which file holds
 * which baseline, and which files are baselines of gate cases.
 *
 *     <dir>/<group>/<name>.json          a gate case (baseline.h)
 *     <dir>/rls/overhead/<pair>.json     an RLS overhead pair (rls.h)
 *     <dir>/load/<scenario>-<point>.json a load scenario at a load point (loadreport.h)
 *
 * The rls/overhead and load subfolders are not case groups: the scan for
 * baselines without a case never reports their files. */
#ifndef PF_BASELINES_H
#define PF_BASELINES_H

#include "registry.h"

/* The subfolder of the load baselines (a bench/ group of that name is a
 * folder of load scenarios, never of cases: registry.c skips it). */
#define PF_BASELINES_LOAD_DIR "load"

/* <dir>/<group>/<name>.json; caller frees. */
char *pf_baselines_case_path(const char *dir, const char *group, const char *name);
/* <dir>/rls/overhead/<pair>.json; caller frees. */
char *pf_baselines_rls_overhead_path(const char *dir, const char *pair);
/* <dir>/load/<scenario>-<point>.json (point as pf_load_point gives it);
 * caller frees. */
char *pf_baselines_load_path(const char *dir, const char *scenario, const char *point);

/* The case baselines under dir that no case of reg has, as paths
 * (<dir>/<group>/<name>.json), sorted by group then name; never a load or
 * an RLS overhead baseline. A missing or unreadable dir has none. The
 * vector is NULL-terminated and the caller's (pf_strv_free). */
char **pf_baselines_removed(const char *dir, const pf_registry *reg);

#endif
