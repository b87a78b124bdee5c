/* Fuzz target: RLS entitlement rules (pf_rls_rules_parse). The parser
 * reads the file named by "definitions" (relative to the rules file); so
 * that the fuzzer cannot make it read /dev/zero or a FIFO, inputs whose
 * "definitions" is not a plain file name are skipped. The rules file is
 * named as if it lay in fixtures/rls/, so "healthcare.sql" is really read. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "pf_config.h"
#include "rls.h"

/* A name in the rules file's own directory: [A-Za-z0-9_-][A-Za-z0-9_.-]*. */
static bool plain_name(const char *s)
{
    if (s[0] == '\0' || s[0] == '.')
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return false;
    return true;
}

/* False when the parser would open something other than a plain file name. */
static bool safe_definitions(const char *text)
{
    cJSON *root = cJSON_ParseWithOpts(text, NULL, true);
    bool ok = true;
    if (cJSON_IsObject(root))
        for (const cJSON *e = root->child; e && ok; e = e->next)
            if (e->string != NULL && strcmp(e->string, "definitions") == 0)
                ok = !cJSON_IsString(e) || plain_name(e->valuestring);
    cJSON_Delete(root);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (safe_definitions(text)) {
        pf_rls_rules r;
        pf_error err;
        if (pf_rls_rules_parse(PF_SOURCE_ROOT "/fixtures/rls/fuzz.json", text, &r, &err) == 0) {
            for (size_t i = 0; i < r.n_tables; i++)
                (void)pf_rls_rules_find(&r, r.tables[i].table);
            (void)pf_rls_rules_find(&r, "public.user_profiles");
            pf_rls_rules_dispose(&r);
        }
    }
    free(text);
    return 0;
}
