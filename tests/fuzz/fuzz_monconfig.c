/* Fuzz target: the monitor's configuration (pf_monconfig_parse), and for
 * one that parses, its categories compiled into a classifier and applied to
 * a few statements, as the monitor does with each snapshot. */
#include <stdlib.h>

#include "classify.h"
#include "fuzz.h"
#include "monconfig.h"

static const char *const k_queries[] = {
    "SELECT * FROM healthcare_timeline_events WHERE patient_id = $1 ORDER BY event_date DESC",
    "select claim_next_job($1, $2)",
    "UPDATE public.job_queue SET status = 'done' /* ; */ WHERE id = $1",
    "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    pf_monconfig *c = NULL;
    pf_error err;
    if (pf_monconfig_parse("fuzz/monitor.json", text, &c, &err) == 0) {
        pf_classifier *cl = NULL;
        if (pf_classifier_new(&cl, c->categories, c->n_categories, &c->fallback, &err) == 0) {
            for (size_t i = 0; i < sizeof k_queries / sizeof k_queries[0]; i++)
                (void)pf_classify(cl, k_queries[i], "app", "authenticated");
            (void)pf_classify(cl, text, NULL, NULL);
        }
        pf_classifier_free(cl);
    }
    pf_monconfig_free(c);
    free(text);
    return 0;
}
