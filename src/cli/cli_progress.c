/* Progress on a terminal: one stderr line rewritten in place with \r while
 * the data is seeded and while the RLS checks run; erased before anything
 * else is printed. Commands install these callbacks only on a terminal, so
 * CI logs stay clean. */
#include <stdio.h>
#include <string.h>

#include "prepare.h"
#include "timeutil.h"
#include "cli.h"

static bool g_showing;      /* a progress line is on the screen */
static uint64_t g_last_ns;  /* when it was last drawn */

/* Redraws at most every 100 ms, except the last one of a phase. */
static bool due(bool last)
{
    uint64_t now = pf_now_ns();
    if (!last && g_showing && now - g_last_ns < 100000000ull)
        return false;
    g_last_ns = now;
    return true;
}

static void draw(const char *text)
{
    fprintf(stderr, "\r\033[K%s", text);
    fflush(stderr);
    g_showing = true;
}

void pf_cli_progress_clear(void)
{
    if (!g_showing)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    g_showing = false;
}

void pf_cli_progress_seed(void *arg, const pf_prepare_progress *p)
{
    (void)arg;
    bool last = p->rows_done >= p->rows_total;
    if (!due(last))
        return;
    char done[32], total[32], line[160];
    snprintf(line, sizeof line, "seeding %zu/%zu tables, %s/%s rows", p->tables_done,
             p->n_tables, pf_cli_thousands(p->rows_done, done, sizeof done),
             pf_cli_thousands(p->rows_total, total, sizeof total));
    draw(line);
}

void pf_cli_progress_rls(void *arg, const char *phase, size_t done, size_t total)
{
    (void)arg;
    if (!due(done >= total))
        return;
    char line[160];
    snprintf(line, sizeof line, "RLS %s %zu/%zu %s", phase, done, total,
             strcmp(phase, "overhead") == 0 ? "pairs" : "tables");
    draw(line);
}
