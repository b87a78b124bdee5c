/* Fuzz target: load scenarios (pf_scenario_parse), and for one that parses
 * the questions the load runner asks of it (expected rate, the parameters
 * each flow needs from its params query). */
#include <stdlib.h>

#include "fsutil.h"
#include "fuzz.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    pf_scenario s;
    pf_error err;
    if (pf_scenario_parse("bench/load/fuzz.json", text, &s, &err) == 0) {
        (void)pf_scenario_expected_rate(&s);
        for (size_t i = 0; i < s.n_flows; i++)
            pf_strv_free(pf_scenario_flow_param_names(&s.flows[i]));
    }
    pf_scenario_dispose(&s);
    free(text);
    return 0;
}
