/* The cost of one `perfgate monitor` snapshot with 5,000 distinct
 * statements in pg_stat_statements: two disposable clusters (monitored,
 * store), 5,000 distinct query shapes, then the monitor loop in-process,
 * timing each interval's phases (collect, texts, evaluate, store).
 *
 *   busy:  every statement ran again since the last snapshot (5,000 deltas,
 *          5,000 counter rows rewritten): the worst case;
 *   quiet: nothing ran since (the steady state of a mostly idle catalogue
 *          of statements: read 5,000 counters, write none);
 *   cold:  the first snapshot, fetching and classifying all 5,000 texts.
 *
 * The yardstick, "read", is what reading pg_stat_statements itself costs a
 * client: SELECT * FROM pg_stat_statements (texts included), timed after
 * each snapshot on the monitored server; "x read" is the median of each
 * snapshot's total over the read right after it (a pair sees the same
 * load on a shared machine), "x collect" its total over the monitor's own read of the
 * counters (pg_stat_statements(false), no texts).
 *
 * Usage: snapshot_cost [STATEMENTS [ROUNDS]]  (defaults 5000 and 7).
 * Run by bench/monitor/snapshot-cost.sh; results go to stdout. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "db.h"
#include "interrupt.h"
#include "monconfig.h"
#include "monitor.h"
#include "notify.h"
#include "timeutil.h"

#define TABLES 50
#define COLS 10

typedef struct bench {
    pf_db *app;
    int statements;
    int rounds;
    int tick;
    bool busy;        /* run the workload between ticks */
    pf_monitor_tick *ticks;
    double *reads; /* ms of a plain read of the view after each tick */
    int n_ticks;
} bench;

static void die(const char *what, const pf_error *e)
{
    fprintf(stderr, "snapshot_cost: %s: %s\n", what, e ? e->msg : "");
    exit(3);
}

/* Statement i: one of TABLES x COLS x COLS distinct shapes, padded with a
 * comment so texts are a realistic ~300 bytes. */
static void run_statements(pf_db *db, int n)
{
    static const char pad[] =
        "/* perfgate snapshot-cost benchmark: a comment that makes the stored text about as "
        "long as an application query with a select list, joins and a where clause would "
        "be; pg_stat_statements keeps it, the query id ignores it. */ ";
    pf_error e;
    for (int i = 0; i < n; i++) {
        int t = i % TABLES, a = (i / TABLES) % COLS, b = (i / (TABLES * COLS)) % COLS;
        char sql[768];
        snprintf(sql, sizeof sql, "%sSELECT c%d, count(*) FROM t%d WHERE c%d = %d GROUP BY 1",
                 pad, a, t, b, i);
        if (pf_db_exec(db, sql, &e) < 0)
            die(sql, &e);
    }
}

/* SELECT * FROM pg_stat_statements, rows copied to the client. */
static double read_view_ms(pf_db *db)
{
    pf_error e;
    pf_result *r = NULL;
    uint64_t t0 = pf_now_ns();
    if (pf_db_query(db, "SELECT * FROM pg_stat_statements", 0, NULL, &r, &e) < 0)
        die("read pg_stat_statements", &e);
    double ms = pf_elapsed_ms(t0);
    pf_result_free(r);
    return ms;
}

/* The store's statements by server time since the last call (then reset);
 * printed after the table. */
static char *g_breakdown;
static void store_breakdown(pf_db *db, const char *label)
{
    pf_error e;
    pf_result *r = NULL;
    if (pf_db_query(db,
                    "SELECT calls, round(total_exec_time::numeric, 1), rows,"
                    " left(regexp_replace(query, '\\s+', ' ', 'g'), 90)"
                    " FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'"
                    " ORDER BY total_exec_time DESC LIMIT 8",
                    0, NULL, &r, &e) < 0)
        die("store breakdown", &e);
    size_t len = g_breakdown ? strlen(g_breakdown) : 0;
    char line[512];
    snprintf(line, sizeof line, "store server time, %s (calls, total ms, rows, statement):\n",
             label);
    for (int i = -1; i < pf_result_nrows(r); i++) {
        if (i >= 0)
            snprintf(line, sizeof line, "  %6s %9s %8s  %s\n", pf_result_get(r, i, 0),
                     pf_result_get(r, i, 1), pf_result_get(r, i, 2), pf_result_get(r, i, 3));
        size_t add = strlen(line);
        g_breakdown = realloc(g_breakdown, len + add + 1);
        memcpy(g_breakdown + len, line, add + 1);
        len += add;
    }
    pf_result_free(r);
    if (pf_db_exec(db, "SELECT pg_stat_statements_reset()", &e) < 0)
        die("store reset", &e);
}

static void on_tick(void *arg, const pf_monitor_tick *t)
{
    bench *b = arg;
    b->reads[b->n_ticks] = read_view_ms(b->app);
    b->ticks[b->n_ticks++] = *t;
    if (b->busy)
        run_statements(b->app, b->statements);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_of(const pf_monitor_tick *t, int n, size_t off)
{
    double *v = calloc((size_t)n, sizeof *v);
    for (int i = 0; i < n; i++)
        v[i] = *(const double *)((const char *)&t[i] + off);
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return m;
}

static double median_d(const double *x, int n)
{
    double *v = calloc((size_t)n, sizeof *v);
    memcpy(v, x, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return m;
}

static void report(const char *label, const pf_monitor_tick *t, const double *reads, int n)
{
    if (n <= 0)
        return;
    double collect = median_of(t, n, offsetof(pf_monitor_tick, collect_ms));
    double total = median_of(t, n, offsetof(pf_monitor_tick, total_ms));
    double read = median_d(reads, n);
    /* Each snapshot over the read right after it: pairs see the same load. */
    double *ratio = calloc((size_t)n, sizeof *ratio);
    for (int i = 0; i < n; i++)
        ratio[i] = t[i].total_ms / reads[i];
    double x_read = median_d(ratio, n);
    free(ratio);
    printf("%-6s %5d %7zu %7zu %8.1f %9.1f %8.1f %9.1f %8.1f %8.1f %7.2f %9.2f   (median of %d)\n",
           label, (int)t[0].statements, t[0].deltas, t[0].new_statements, read, collect,
           median_of(t, n, offsetof(pf_monitor_tick, texts_ms)),
           median_of(t, n, offsetof(pf_monitor_tick, evaluate_ms)),
           median_of(t, n, offsetof(pf_monitor_tick, store_ms)), total, x_read,
           total / collect, n);
}

int main(int argc, char **argv)
{
    bench b;
    memset(&b, 0, sizeof b);
    b.statements = argc > 1 ? atoi(argv[1]) : 5000;
    b.rounds = argc > 2 ? atoi(argv[2]) : 7;
    if (b.statements < 1 || b.statements > TABLES * COLS * COLS || b.rounds < 1)
        die("usage: snapshot_cost [STATEMENTS (1..5000) [ROUNDS]]", NULL);
    pf_interrupt_install(true);
    pf_notify_global_init();
    pf_error e;
    pf_error_clear(&e);
    const char *settings[] = {"pg_stat_statements.max = 10000", NULL};
    pf_cluster_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.settings = settings;
    pf_cluster *mon = NULL, *store = NULL;
    if (pf_cluster_start(&mon, &mo, &e) < 0)
        die("monitored cluster", &e);
    if (pf_cluster_start(&store, NULL, &e) < 0)
        die("store cluster", &e);
    if (pf_db_connect(&b.app, pf_cluster_dsn(mon), &e) < 0)
        die("connect", &e);
    char ddl[256];
    if (pf_db_exec(b.app, "CREATE EXTENSION pg_stat_statements", &e) < 0)
        die("extension", &e);
    for (int t = 0; t < TABLES; t++) {
        snprintf(ddl, sizeof ddl,
                 "CREATE TABLE t%d (c0 int, c1 int, c2 int, c3 int, c4 int, c5 int, c6 int,"
                 " c7 int, c8 int, c9 int)",
                 t);
        if (pf_db_exec(b.app, ddl, &e) < 0)
            die(ddl, &e);
    }
    if (pf_db_exec(b.app, "SELECT pg_stat_statements_reset()", &e) < 0)
        die("reset", &e);
    run_statements(b.app, b.statements);
    char *store_dsn = pf_db_dsn_with_dbname(pf_cluster_dsn(store), "postgres");
    /* Where the store's time goes: its own pg_stat_statements. */
    pf_db *sdb = NULL;
    if (pf_db_connect(&sdb, store_dsn, &e) < 0 ||
        pf_db_exec(sdb, "CREATE EXTENSION pg_stat_statements", &e) < 0)
        die("store pg_stat_statements", &e);

    pf_monconfig *cfg = NULL;
    const char *cfg_path = getenv("PERFGATE_MONITOR_CONFIG");
    if (cfg_path != NULL && pf_monconfig_load(cfg_path, &cfg, &e) < 0)
        die(cfg_path, &e);
    if (cfg == NULL)
        cfg = pf_monconfig_default();
    b.ticks = calloc((size_t)(2 * b.rounds + 4), sizeof *b.ticks);
    b.reads = calloc((size_t)(2 * b.rounds + 4), sizeof *b.reads);
    pf_monitor_opts o;
    memset(&o, 0, sizeof o);
    o.dsn = pf_cluster_dsn(mon);
    o.store_dsn = store_dsn;
    o.config = cfg;
    o.source = "bench";
    o.interval_ms = 1; /* back to back: the workload runs in on_tick */
    o.on_tick = on_tick;
    o.arg = &b;
    pf_monitor_result res;

    /* Cold + busy: baseline, then rounds with every statement run again. */
    b.busy = true;
    o.max_ticks = 1 + b.rounds;
    if (pf_monitor_run(&o, &res, &e) < 0)
        die("monitor", &e);
    int busy_n = b.n_ticks;
    store_breakdown(sdb, "cold and busy");
    /* Quiet: nothing runs between snapshots (a restart first: counters from the store). */
    b.busy = false;
    o.max_ticks = b.rounds + 1;
    if (pf_monitor_run(&o, &res, &e) < 0)
        die("monitor", &e);

    printf("perfgate monitor: cost of one snapshot, %d distinct statements (%s)\n",
           b.statements, "pg_stat_statements.max = 10000, both servers local");
    printf("%-6s %5s %7s %7s %8s %9s %8s %9s %8s %8s %7s %9s\n", "case", "stmts", "deltas",
           "texts", "read", "collect", "texts", "evaluate", "store", "total", "x read",
           "x collect");
    printf("%-6s %5s %7s %7s %8s %9s %8s %9s %8s %8s\n", "", "", "", "", "ms", "ms", "ms", "ms",
           "ms", "ms");
    report("cold", &b.ticks[0], &b.reads[0], 1);
    report("busy", &b.ticks[1], &b.reads[1], busy_n - 1);
    report("quiet", &b.ticks[busy_n + 1], &b.reads[busy_n + 1], b.n_ticks - busy_n - 1);
    store_breakdown(sdb, "quiet");
    fputs(g_breakdown, stdout);
    free(g_breakdown);

    pf_db_close(sdb);
    pf_monconfig_free(cfg);
    free(b.ticks);
    free(b.reads);
    free(store_dsn);
    pf_db_close(b.app);
    pf_cluster_free(mon);
    pf_cluster_free(store);
    pf_notify_global_cleanup();
    return 0;
}
