/* perfgate init: a generator per column by its kind, name and constraints
 * (init_gen.h). */
#include "init_gen.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

/* ------------------------------------------------------------ helpers */

/* A JSON string literal; caller frees. */
static char *q(const char *s)
{
    return pf_json_quote(s);
}

/* name (lower case) is w, or has w as an underscore-separated part. */
bool pf_init_name_has(const char *name, const char *w)
{
    size_t n = strlen(name), k = strlen(w);
    for (size_t i = 0; i + k <= n; i++) {
        if (strncmp(name + i, w, k) != 0)
            continue;
        bool left = i == 0 || name[i - 1] == '_';
        bool right = i + k == n || name[i + k] == '_';
        if (left && right)
            return true;
    }
    return false;
}

bool pf_init_name_any(const char *name, const char *const *words)
{
    for (; *words; words++)
        if (pf_init_name_has(name, *words))
            return true;
    return false;
}

static bool any_sub(const char *name, const char *const *subs)
{
    for (; *subs; subs++)
        if (strstr(name, *subs) != NULL)
            return true;
    return false;
}

char *pf_init_lower(const char *s)
{
    char *o = pf_strdup(s);
    for (char *p = o; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return o;
}



/* The part of a generator JSON after its opening brace, for adding keys. */
char *pf_init_gen_with_key(const char *gen, const char *key_json)
{
    size_t n = strlen(gen);
    if (n < 2 || gen[n - 1] != '}')
        return pf_strdup(gen);
    return pf_asprintf("%.*s, %s}", (int)(n - 1), gen, key_json);
}

char *pf_init_gen_nulls(char *gen, double nf)
{
    if (gen == NULL || nf <= 0 || gen[0] != '{')
        return gen;
    char k[64];
    snprintf(k, sizeof k, "\"null_fraction\": %g", nf);
    char *g = pf_init_gen_with_key(gen, k);
    free(gen);
    return g;
}

char *pf_init_gen_template(const char *tpl)
{
    char *t = q(tpl);
    char *g = pf_asprintf("{\"gen\": \"template\", \"template\": %s}", t);
    free(t);
    return g;
}

char *pf_init_gen_choice(char *const *values, const int *weights)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "{\"gen\": \"choice\", \"values\": [");
    for (size_t i = 0; values[i]; i++) {
        char *v = q(values[i]);
        pf_buf_printf(&b, "%s%s", i ? ", " : "", v);
        free(v);
    }
    pf_buf_puts(&b, "]");
    if (weights) {
        pf_buf_puts(&b, ", \"weights\": [");
        for (size_t i = 0; values[i]; i++)
            pf_buf_printf(&b, "%s%d", i ? ", " : "", weights[i]);
        pf_buf_puts(&b, "]");
    }
    pf_buf_puts(&b, "}");
    return pf_buf_steal(&b);
}

bool pf_init_gen_is(const char *gen, const char *kind)
{
    if (gen == NULL)
        return false;
    char k[48];
    snprintf(k, sizeof k, "\"gen\": \"%s\"", kind);
    return strstr(gen, k) != NULL;
}



static const char *const k_person_tables[] = {"users",    "user",     "profiles", "profile",
                                              "people",   "person",   "persons",  "customers",
                                              "customer", "members",  "member",   "patients",
                                              "patient",  "contacts", "contact",  "employees",
                                              "employee", "students", "student",  "authors",
                                              "author",   "staff",    "accounts_users", NULL};

static const char *const k_event_words[] = {
    "message", "event", "log", "audit", "activit", "notification", "comment", "history",
    "entries", "entry", "transaction", "payment", "reading", "measurement", "observation",
    "click", "view", "visit", "session", "attempt", "reaction", "vote", "like", "post",
    "order", "invoice", "ping", "metric", "sample", NULL};

bool pf_init_events_like(const pf_init_table *t)
{
    char *n = pf_init_lower(t->name);
    bool e = any_sub(n, k_event_words);
    free(n);
    return e;
}

/* ------------------------------------------------------------ columns */

/* A text generator by the column's name; *unique_safe says its values
 * never repeat, *maxlen how long they get. */
typedef struct text_rule {
    const char *const *parts; /* underscore-separated words of the name */
    const char *tpl;          /* a template, or NULL with gen */
    const char *gen;
    int maxlen;
    bool unique_safe;
    double nf; /* NULL share when the column is nullable */
    const char *why;
} text_rule;

#define W(...) ((const char *const[]){__VA_ARGS__, NULL})

static const text_rule k_text_rules[] = {
    {W("email", "mail"), "{word}.{$row}@example.test", NULL, 48, true, 0.1,
     "a lower-case email address ({$row} keeps them unique)"},
    {W("phone", "mobile", "tel", "telephone", "msisdn"), "+1555{num:1000000-9999999}", NULL, 13,
     false, 0.3, "a phone number"},
    {W("first_name", "given_name", "firstname", "forename"), "{first_name}", NULL, 8, false, 0.1,
     "a first name"},
    {W("last_name", "surname", "family_name", "lastname"), "{last_name}", NULL, 9, false, 0.1,
     "a last name"},
    {W("username", "user_name", "handle", "login", "nickname", "screen_name"),
     "{first_name}_{$row}", NULL, 16, true, 0.1, "a user name ({$row} keeps them unique)"},
    {W("slug"), "{word}-{$row}", NULL, 20, true, 0.1, "a URL slug ({$row} keeps them unique)"},
    {W("password", "encrypted_password", "password_hash", "pass_hash"),
     NULL, "\"$2a$10$perfgateSyntheticHashNotARealPasswordHash.xxxxxxxxxxxx\"", 60, false, 0,
     "a constant password hash (never a real one)"},
    {W("description", "body", "content", "text", "message", "note", "notes", "comment", "bio",
       "summary", "details", "reason", "about", "excerpt", "caption", "answer", "question",
       "feedback", "instructions"),
     NULL, "{\"gen\": \"text\", \"min\": 1, \"max\": 3, \"sentences\": [\"The {word} {word} is "
     "{word}.\", \"{first_name} asked about the {word} plan.\", \"Follow-up on {word} "
     "{word} next week.\", \"Moved to {city} for {word} work.\"]}",
     200, false, 0.3, "1-3 sentences of filler text"},
    {W("url", "website", "link", "href", "homepage", "webhook"), "https://example.test/{$row}",
     NULL, 32, true, 0.3, "a URL"},
    {W("avatar", "image", "photo", "picture", "thumbnail", "icon", "logo", "avatar_url",
       "image_url", "photo_url"),
     "https://example.test/img/{$row}.png", NULL, 40, true, 0.3, "an image URL"},
    {W("ip", "ip_address", "ip_addr", "remote_addr", "client_ip"),
     "10.{num:0-255}.{num:0-255}.{num:1-254}", NULL, 15, false, 0.1, "a private IPv4 address"},
    {W("user_agent", "useragent", "ua"), "{user_agent}", NULL, 80, false, 0.1, "a user agent"},
    {W("mime", "mime_type", "mimetype", "content_type", "media_type"), "{mime_type}", NULL, 72,
     false, 0.1, "a MIME type"},
    {W("filename", "file_name", "original_name"), "{word}-{$row}.{file_ext}", NULL, 30, true, 0.1,
     "a file name"},
    {W("extension", "file_ext", "ext"), "{file_ext}", NULL, 4, false, 0.1, "a file extension"},
    {W("path", "file_path", "storage_path", "object_path", "object_key", "s3_key"),
     "files/{$row}/{word}.{file_ext}", NULL, 40, true, 0.1, "a file path"},
    {W("city", "town"), "{city}", NULL, 11, false, 0.2, "a city"},
    {W("country", "country_code"), NULL,
     "{\"gen\": \"choice\", \"values\": [\"US\", \"GB\", \"DE\", \"FR\", \"IN\", \"BR\", \"JP\"]}",
     2, false, 0.2, "a country code"},
    {W("currency", "currency_code"), NULL,
     "{\"gen\": \"choice\", \"values\": [\"usd\", \"eur\", \"gbp\"], \"weights\": [70, 20, 10]}",
     3, false, 0.1, "a currency"},
    {W("locale", "language", "lang"), NULL,
     "{\"gen\": \"choice\", \"values\": [\"en\", \"es\", \"de\", \"fr\", \"pt\"], \"weights\": "
     "[60, 15, 10, 10, 5]}",
     2, false, 0.1, "a language code"},
    {W("timezone", "time_zone", "tz"), NULL,
     "{\"gen\": \"choice\", \"values\": [\"UTC\", \"Europe/Berlin\", \"America/New_York\", "
     "\"Asia/Tokyo\"]}",
     16, false, 0.1, "a time zone name"},
    {W("color", "colour"), NULL,
     "{\"gen\": \"choice\", \"values\": [\"red\", \"green\", \"blue\", \"orange\", \"purple\"]}",
     6, false, 0.1, "a colour"},
    {W("status", "state"), NULL,
     "{\"gen\": \"choice\", \"values\": [\"active\", \"pending\", \"archived\"], \"weights\": "
     "[80, 15, 5]}",
     8, false, 0.1, "a status (no CHECK lists the real ones: set them)"},
    {W("token", "secret", "api_key", "hash", "nonce", "otp", "signature", "checksum"),
     "tok{$row}x{num:100000000-999999999}", NULL, 20, true, 0.1,
     "an opaque token ({$row} keeps them unique)"},
    {W("version"), "1.{num:0-9}.{num:0-20}", NULL, 8, false, 0.1, "a version string"},
    {W("zip", "zip_code", "postal_code", "postcode"), "{num:10000-99999}", NULL, 5, false, 0.2,
     "a postal code"},
    {W("address", "street", "address_line", "address_line1"), "{num:1-999} {last_name} Street",
     NULL, 24, false, 0.2, "a street address"},
    {W("company", "organization", "organisation", "org", "employer"), "{last_name} {word} group",
     NULL, 30, false, 0.2, "an organisation name"},
    {W("title", "subject", "headline", "label", "topic"), "{word} {word}", NULL, 27, false, 0.1,
     "two words of the vocabulary"},
    {W("type", "kind", "category", "role", "plan", "tier", "source", "channel", "provider",
       "method", "platform", "device"),
     "{word}", NULL, 13, false, 0.1, "one of 40 words (no CHECK lists the real values: set them)"},
    {NULL, NULL, NULL, 0, false, 0, NULL},
};

#undef W

static const text_rule *text_rule_for(const char *lname)
{
    for (const text_rule *r = k_text_rules; r->parts; r++)
        if (pf_init_name_any(lname, r->parts))
            return r;
    return NULL;
}

static bool person_table(const pf_init_table *t)
{
    char *n = pf_init_lower(t->name);
    bool p = false;
    for (const char *const *w = k_person_tables; *w; w++)
        if (strcmp(n, *w) == 0 || pf_init_name_has(n, *w))
            p = true;
    free(n);
    return p;
}

/* A short prefix for keys of a table: "subscription" for billing_subscriptions. */
static char *key_prefix(const char *name)
{
    const char *last = strrchr(name, '_');
    const char *w = last && last[1] ? last + 1 : name;
    char *p = pf_strdup(w);
    size_t n = strlen(p);
    if (n > 3 && p[n - 1] == 's')
        p[n - 1] = '\0';
    for (char *c = p; *c; c++)
        if (!isalnum((unsigned char)*c))
            *c = 'x';
        else
            *c = (char)tolower((unsigned char)*c);
    if (strlen(p) > 12)
        p[12] = '\0';
    return p;
}

/* A text generator being chosen: a template (tpl, owned_tpl when built
 * here) or a whole generator (gen), with why, the longest value it makes,
 * its NULL fraction and whether its values are unique already. */
typedef struct text_pick {
    const char *tpl, *gen, *why;
    int maxlen;
    double nf;
    bool safe;
    char *owned_tpl;
} text_pick;

/* A regex CHECK decides among the candidates that pass it. */
static bool text_by_regex(const pf_init_column *c, pf_init_gen *cd)
{
    bool unique = c->unique;
    if (c->regexes == NULL)
        return false;
    for (size_t k = 0; k < pf_init_n_text_candidates && k < 32; k++)
        if (c->regex_ok & ((uint32_t)1 << k)) {
            cd->gen = pf_strdup(pf_init_text_candidates[k].gen);
            const char *tp = strstr(cd->gen, "\"template\": \"");
            if (tp) {
                tp += 13;
                cd->tpl = pf_strndup(tp, strcspn(tp, "\""));
            }
            cd->why = pf_asprintf("the first of perfgate's candidates that passes CHECK "
                                  "(%s ~ '%s')%s",
                                  c->name, c->regexes[0],
                                  unique && !strstr(cd->gen, "$row") &&
                                          !pf_init_gen_is(cd->gen, "sequence")
                                      ? "; TODO: not unique"
                                      : "");
            if (!c->not_null)
                cd->gen = pf_init_gen_nulls(cd->gen, 0.1);
            return true;
        }
    return false;
}

/* Pick by the column's lower-case name ln: a key, an external id, a rule
 * of the text table, a name or, failing all, a word. */
static void text_by_name(const pf_init_table *t, const pf_init_column *c, const char *ln,
                         text_pick *p)
{
    bool unique = c->unique;
    const text_rule *r = text_rule_for(ln);
    size_t lnl = strlen(ln);
    bool ends_id = lnl > 3 && strcmp(ln + lnl - 3, "_id") == 0;
    bool id_like = strcmp(ln, "id") == 0 || ends_id || pf_init_name_has(ln, "id");
    bool name_like = strcmp(ln, "name") == 0 || (lnl > 5 && strcmp(ln + lnl - 5, "_name") == 0);
    if (r != NULL && r->tpl != NULL && strcmp(r->tpl, "{word}") == 0 && name_like)
        r = NULL; /* channel_name is a name, not a kind of channel */
    if (((c->pk || unique) && id_like) || (c->pk && r == NULL)) {
        char *base = ends_id ? pf_strndup(ln, lnl - 3) : pf_strdup(strcmp(ln, "id") == 0 ? t->name : ln);
        char *pre = key_prefix(base);
        p->owned_tpl = pf_asprintf("%s_{$row}", pre);
        free(pre);
        free(base);
        p->tpl = p->owned_tpl;
        p->maxlen = 20;
        p->safe = true;
        p->why = "a key: a prefix and the row number, unique";
    } else if (r == NULL && id_like) {
        /* an external id that is not a key here (price_id, customer_ref) */
        char *base = ends_id ? pf_strndup(ln, lnl - 3) : pf_strdup(ln);
        char *pre = key_prefix(base);
        p->owned_tpl = pf_asprintf("%s_{num:1-20}", pre);
        free(pre);
        free(base);
        p->tpl = p->owned_tpl;
        p->maxlen = 20;
        p->why = "an external identifier: 20 distinct values";
    } else if (r != NULL) {
        p->tpl = r->tpl;
        p->gen = r->gen;
        p->maxlen = r->maxlen;
        p->safe = r->unique_safe;
        p->nf = r->nf;
        p->why = r->why;
    }
    if (p->tpl == NULL && p->gen == NULL) {
        if (pf_init_name_has(ln, "name") || strcmp(ln, "title") == 0) {
            if (person_table(t) || pf_init_name_any(ln, (const char *const[]){"full", "display", NULL})) {
                p->tpl = "{first_name} {last_name}";
                p->maxlen = 18;
                p->why = "a person's name";
            } else {
                p->tpl = "{city} {word}";
                p->maxlen = 25;
                p->why = "a name: a city and a word";
            }
        } else {
            p->tpl = "{word}";
            p->maxlen = 13;
            p->why = "a word of the built-in vocabulary (nothing in the name suggested more)";
        }
    }
}

/* Make the pick unique when the column is, and fit it to the column's
 * length limits. */
static void text_fit(const pf_init_column *c, text_pick *p)
{
    bool unique = c->unique;
    int limit = c->max_len;
    if (c->len_max > 0 && (limit == 0 || c->len_max < limit))
        limit = c->len_max;
    if (unique && !p->safe) {
        char *x = pf_asprintf("%s %s", p->tpl ? p->tpl : "{word}", "{$row}");
        free(p->owned_tpl);
        p->owned_tpl = x;
        p->tpl = p->owned_tpl;
        p->gen = NULL;
        p->maxlen += 7;
        p->safe = true;
    }
    if (limit > 0 && p->maxlen > limit) {
        p->gen = NULL;
        if (unique) {
            free(p->owned_tpl);
            p->owned_tpl = pf_strdup(limit >= 8 ? "x{$row}" : "{$row}");
            p->tpl = p->owned_tpl;
            p->why = "short and unique: the row number (the column's length limit is tight)";
        } else if (limit >= 13) {
            p->tpl = "{word}";
            p->why = "a word (the column's length limit is tight)";
        } else {
            p->tpl = NULL;
            p->gen = "{\"gen\": \"choice\", \"values\": [\"a\", \"b\", \"c\"]}";
            p->why = "one letter (the column's length limit is tight)";
        }
    }
    if (c->len_min > 1 && p->tpl && strcmp(p->tpl, "{$row}") == 0) {
        free(p->owned_tpl);
        p->owned_tpl = pf_strdup("item-{$row}");
        p->tpl = p->owned_tpl;
    }
}

/* The text generator of column c of t. */
void pf_init_gen_text(const pf_init_table *t, const pf_init_column *c, pf_init_gen *cd)
{
    if (text_by_regex(c, cd))
        return;
    char *ln = pf_init_lower(c->name);
    text_pick p = {.nf = 0.1};
    text_by_name(t, c, ln, &p);
    text_fit(c, &p);
    if (p.tpl != NULL) {
        cd->gen = pf_init_gen_template(p.tpl);
        cd->tpl = pf_strdup(p.tpl);
    } else {
        cd->gen = pf_strdup(p.gen);
    }
    cd->why = pf_strdup(p.why);
    if (!c->not_null && !c->unique)
        cd->gen = pf_init_gen_nulls(cd->gen, p.nf);
    free(p.owned_tpl);
    free(ln);
}

/* The int generator of c: name-based ranges within the CHECK bounds. */
void pf_init_gen_int(const pf_init_column *c, pf_init_gen *cd)
{
    char *ln = pf_init_lower(c->name);
    double lo = 0, hi = 1000;
    const char *dist = "uniform", *why = "a uniform integer";
    bool zipf = false, lognormal = false;
    double mean = 0, sigma = 0;
    if (c->int_bytes == 2)
        hi = 100;
    if (pf_init_name_any(ln, (const char *const[]){"count", "quantity", "qty", "retries", "retry_count",
                                           "attempts", "seats", "items", NULL}) ||
        strncmp(ln, "num_", 4) == 0 || strncmp(ln, "n_", 2) == 0) {
        zipf = true;
        lo = 1;
        hi = 50;
        why = "a count: Zipf-distributed (mostly small, s 1.5)";
    } else if (pf_init_name_has(ln, "age")) {
        lo = 18, hi = 90, why = "an age";
    } else if (pf_init_name_has(ln, "year")) {
        lo = 2015, hi = 2026, why = "a recent year";
    } else if (pf_init_name_any(ln, (const char *const[]){"rating", "stars", NULL})) {
        lo = 1, hi = 5, why = "a 1-5 rating";
    } else if (pf_init_name_any(ln, (const char *const[]){"score", "percent", "pct", "progress", NULL})) {
        lo = 0, hi = 100, why = "a 0-100 score";
    } else if (pf_init_name_any(ln, (const char *const[]){"priority", "level", NULL})) {
        lo = 0, hi = 10, why = "a small priority";
    } else if (pf_init_name_any(ln, (const char *const[]){"position", "sort_order", "rank", "order",
                                                   "index", "seq", "ordinal", NULL})) {
        lo = 0, hi = 100, why = "a position";
    } else if (pf_init_name_any(ln, (const char *const[]){"size", "bytes", "file_size", "length",
                                                   "size_bytes", NULL})) {
        lognormal = true;
        mean = 200000;
        sigma = 1.5;
        lo = 0;
        hi = 2e9;
        why = "a size in bytes: lognormal around 200 kB";
    } else if (pf_init_name_any(ln, (const char *const[]){"duration", "seconds", "secs", "ms", "millis",
                                                   "elapsed", NULL})) {
        lo = 1, hi = 3600, why = "a duration";
    } else if (pf_init_name_any(ln, (const char *const[]){"price", "amount", "total", "cents", "cost",
                                                   "balance", NULL})) {
        lognormal = true;
        mean = 5000;
        sigma = 1.0;
        lo = 0;
        hi = 1e7;
        why = "an amount in cents: lognormal around 50.00";
    }
    if (c->has_min && c->min > lo)
        lo = ceil(c->min);
    if (c->has_max && c->max < hi)
        hi = floor(c->max);
    if (c->has_min && !c->has_max && lo > hi)
        hi = lo + 1000;
    if (c->has_max && !c->has_min && hi < lo)
        lo = hi - 1000;
    double cap = c->int_bytes == 2 ? 32767 : c->int_bytes == 4 ? 2147483647.0 : 9e15;
    if (hi > cap)
        hi = cap;
    if (lo > hi)
        lo = hi;
    char *bounds = (c->has_min || c->has_max)
                       ? pf_asprintf(" within the CHECK bounds [%g, %g]", lo, hi)
                       : pf_strdup("");
    if (zipf) {
        cd->gen = pf_asprintf("{\"gen\": \"int\", \"dist\": \"zipf\", \"s\": 1.5, \"min\": %.0f, "
                              "\"max\": %.0f}",
                              lo, hi);
    } else if (lognormal) {
        cd->gen = pf_asprintf("{\"gen\": \"int\", \"dist\": \"lognormal\", \"mean\": %g, "
                              "\"sigma\": %g, \"min\": %.0f, \"max\": %.0f}",
                              mean, sigma, lo, hi);
    } else {
        cd->gen = pf_asprintf("{\"gen\": \"int\", \"dist\": \"%s\", \"min\": %.0f, \"max\": %.0f}",
                              dist, lo, hi);
    }
    cd->why = pf_asprintf("%s%s", why, bounds);
    free(bounds);
    if (!c->not_null)
        cd->gen = pf_init_gen_nulls(cd->gen, 0.1);
    free(ln);
}

void pf_init_gen_float(const pf_init_column *c, pf_init_gen *cd)
{
    char *ln = pf_init_lower(c->name);
    double lo = 0, hi = 1000;
    int decimals = c->num_scale >= 0 ? c->num_scale : 2;
    if (decimals > 12)
        decimals = 12;
    const char *why = "a uniform number";
    bool lognormal = false;
    if (pf_init_name_any(ln, (const char *const[]){"price", "amount", "total", "cost", "balance", "fee",
                                           "revenue", NULL})) {
        lognormal = true;
        lo = 0;
        hi = 100000;
        why = "an amount: lognormal around 50";
    } else if (pf_init_name_any(ln, (const char *const[]){"lat", "latitude", NULL})) {
        lo = -90, hi = 90, why = "a latitude";
        decimals = c->num_scale >= 0 ? c->num_scale : 6;
    } else if (pf_init_name_any(ln, (const char *const[]){"lng", "lon", "long", "longitude", NULL})) {
        lo = -180, hi = 180, why = "a longitude";
        decimals = c->num_scale >= 0 ? c->num_scale : 6;
    } else if (pf_init_name_any(ln, (const char *const[]){"rate", "ratio", "share", "probability",
                                                   NULL})) {
        lo = 0, hi = 1, why = "a ratio";
        decimals = c->num_scale >= 0 ? c->num_scale : 4;
    }
    if (c->has_min && c->min > lo)
        lo = c->min;
    if (c->has_max && c->max < hi)
        hi = c->max;
    if (c->num_digits > 0) {
        double cap = pow(10, c->num_digits) - pow(10, -decimals);
        if (hi > cap)
            hi = cap;
        if (lo < -cap)
            lo = -cap;
    }
    if (c->has_min && !c->has_max && lo > hi)
        hi = lo + 1000;
    if (lo > hi)
        lo = hi;
    if (lognormal)
        cd->gen = pf_asprintf("{\"gen\": \"float\", \"dist\": \"lognormal\", \"mean\": 50, "
                              "\"sigma\": 1, \"min\": %g, \"max\": %g, \"decimals\": %d}",
                              lo, hi, decimals);
    else
        cd->gen = pf_asprintf("{\"gen\": \"float\", \"dist\": \"uniform\", \"min\": %g, "
                              "\"max\": %g, \"decimals\": %d}",
                              lo, hi, decimals);
    cd->why = pf_asprintf("%s%s", why,
                          c->has_min || c->has_max ? " within the CHECK bounds" : "");
    if (!c->not_null)
        cd->gen = pf_init_gen_nulls(cd->gen, 0.1);
    free(ln);
}

void pf_init_gen_bool(const pf_init_column *c, pf_init_gen *cd)
{
    char *ln = pf_init_lower(c->name);
    double p = 0.5;
    const char *why = "true half of the time";
    if (pf_init_name_any(ln, (const char *const[]){"active", "enabled", "verified", "confirmed",
                                           "published", "visible", "valid", "approved",
                                           "consent", "consent_given", NULL})) {
        p = 0.9, why = "mostly true (its name says it is the normal state)";
    } else if (pf_init_name_any(ln, (const char *const[]){"deleted", "archived", "banned", "blocked",
                                                   "disabled", "admin", "flagged", "spam",
                                                   "suspended", "locked", "is_super_admin",
                                                   "is_sso_user", "is_anonymous", NULL})) {
        p = 0.02, why = "rarely true (its name says it is the exception)";
    } else if (c->default_expr && strcmp(c->default_expr, "false") == 0) {
        p = 0.1, why = "mostly false, its default";
    } else if (c->default_expr && strcmp(c->default_expr, "true") == 0) {
        p = 0.9, why = "mostly true, its default";
    }
    cd->gen = pf_asprintf("{\"gen\": \"bool\", \"p\": %g}", p);
    cd->why = pf_strdup(why);
    if (!c->not_null)
        cd->gen = pf_init_gen_nulls(cd->gen, 0.1);
    free(ln);
}

/* The time class of a timestamp or date column, by name. */
pf_init_time_class pf_init_time_class_of(const pf_init_table *t, const pf_init_column *c, bool events,
                      const char **why)
{
    char *ln = pf_init_lower(c->name);
    pf_init_time_class tc = PF_INIT_TC_PAST;
    *why = "within the two years before the reference date";
    if (t->partitioned && t->part_col >= 0 && &t->cols[t->part_col] == c && !t->part_default &&
        t->part_from != NULL) {
        tc = PF_INIT_TC_PARTITION;
        *why = "within the time span the table's partitions cover (no DEFAULT partition)";
    } else if (pf_init_name_any(ln, (const char *const[]){"deleted_at", "archived_at", "revoked_at",
                                                   "canceled_at", "cancelled_at", "banned_until",
                                                   "disabled_at", "blocked_at", "suspended_at",
                                                   "deleted", "removed_at", NULL})) {
        tc = PF_INIT_TC_RARE;
        *why = "rarely set: mostly NULL, else in the past year";
    } else if (pf_init_name_any(ln, (const char *const[]){"expires_at", "expiry", "expires",
                                                   "valid_until", "valid_to", "ends_at",
                                                   "end_at", "due_at", "due_date", "deadline",
                                                   "expiration", "expiration_date",
                                                   "expires_on", "until", "not_after", NULL})) {
        tc = PF_INIT_TC_FUTURE;
        *why = "40-41 years after the reference date: queries and policies that compare with "
               "now() keep seeing these as valid while the calendar moves on";
    } else if (pf_init_name_any(ln, (const char *const[]){"birth", "birthday", "birthdate",
                                                   "date_of_birth", "dob", "born", "born_on",
                                                   NULL})) {
        tc = PF_INIT_TC_BIRTH;
        *why = "a birth date of an adult";
    } else if (pf_init_name_any(ln, (const char *const[]){"updated_at", "modified_at", "updated",
                                                   "modified", "changed_at", NULL})) {
        tc = PF_INIT_TC_UPDATED;
        *why = "after created_at";
    } else if (strncmp(ln, "last_", 5) == 0 || pf_init_name_any(ln, (const char *const[]){"seen_at",
                                                                                 NULL})) {
        tc = PF_INIT_TC_LAST;
        *why = "recent: most within days of the reference date";
    } else if (pf_init_name_any(ln, (const char *const[]){"accepted_at", "edited_at", "ended_at",
                                                   "completed_at", "finished_at", "read_at",
                                                   "confirmed_at", "verified_at",
                                                   "processed_at", "sent_at", "approved_at",
                                                   "resolved_at", "closed_at", "paid_at",
                                                   "delivered_at", "trial_end", "ended",
                                                   NULL})) {
        tc = PF_INIT_TC_SOMETIMES;
        *why = "set for about half the rows";
    } else if (pf_init_name_any(ln, (const char *const[]){"created_at", "inserted_at", "created",
                                                   "joined_at", "registered_at", "signed_up_at",
                                                   "added_at", "uploaded_at", "indexed_at",
                                                   "occurred_at", "timestamp", "ts",
                                                   "event_date", "event_time", NULL}) ||
               events) {
        tc = PF_INIT_TC_CREATED;
        *why = events ? "recent rows more frequent (half within 90 days of the reference "
                        "date), three years back"
                      : "within three years before the reference date";
    }
    free(ln);
    return tc;
}

/* Build the generator of a time column once the other columns are known. */
void pf_init_gen_time(const pf_init_table *t, const pf_init_column *c, pf_init_gen *cds, size_t ci,
                     bool events)
{
    pf_init_gen *cd = &cds[ci];
    const char *kind = c->kind == PF_INIT_DATE ? "date" : "timestamp";
    const char *after = NULL;
    /* the column this one follows: a CHECK says so, or created_at */
    if (cd->want_after != NULL) {
        int ai = pf_init_column_find(t, cd->want_after);
        if (ai >= 0 && (pf_init_gen_is(cds[ai].gen, "timestamp") || pf_init_gen_is(cds[ai].gen, "date")) &&
            (cds[ai].want_after == NULL || strcmp(cds[ai].want_after, c->name) != 0) &&
            !(c->not_null && !t->cols[ai].not_null))
            after = cd->want_after;
    }
    char *g = NULL;
    const char *extra = "";
    switch (cd->time_class) {
    case PF_INIT_TC_PARTITION:
        g = pf_asprintf("{\"gen\": \"%s\", \"from\": \"%s\", \"to\": \"%s\"}", kind, t->part_from,
                        t->part_to);
        after = NULL;
        break;
    case PF_INIT_TC_FUTURE:
        g = after ? pf_asprintf("{\"gen\": \"%s\", \"after\": \"%s\", \"from\": \"40y\", \"to\": "
                                "\"41y\"}",
                                kind, after)
                  : pf_asprintf("{\"gen\": \"%s\", \"from\": \"+40y\", \"to\": \"+41y\"}", kind);
        break;
    case PF_INIT_TC_BIRTH:
        g = pf_asprintf("{\"gen\": \"%s\", \"from\": \"-90y\", \"to\": \"-18y\"}", kind);
        after = NULL;
        break;
    case PF_INIT_TC_LAST:
        g = after ? pf_asprintf("{\"gen\": \"%s\", \"after\": \"%s\", \"from\": \"0s\", \"to\": "
                                "\"30d\"}",
                                kind, after)
                  : pf_asprintf("{\"gen\": \"%s\", \"from\": \"-1y\", \"to\": \"0d\", \"dist\": "
                                "\"recent\", \"half_life\": \"7d\"}",
                                kind);
        break;
    case PF_INIT_TC_CREATED:
        if (after)
            g = pf_asprintf("{\"gen\": \"%s\", \"after\": \"%s\", \"from\": \"0s\", \"to\": "
                            "\"30d\"}",
                            kind, after);
        else if (events)
            g = pf_asprintf("{\"gen\": \"%s\", \"from\": \"-3y\", \"to\": \"0d\", \"dist\": "
                            "\"recent\", \"half_life\": \"90d\"}",
                            kind);
        else
            g = pf_asprintf("{\"gen\": \"%s\", \"from\": \"-3y\", \"to\": \"-1d\"}", kind);
        break;
    case PF_INIT_TC_UPDATED:
    case PF_INIT_TC_SOMETIMES:
    case PF_INIT_TC_RARE:
    case PF_INIT_TC_PAST:
    default:
        if (after)
            g = pf_asprintf("{\"gen\": \"%s\", \"after\": \"%s\", \"from\": \"%s\", \"to\": "
                            "\"30d\"}",
                            kind, after, cd->time_class == PF_INIT_TC_UPDATED ? "0s" : "1min");
        else if (cd->time_class == PF_INIT_TC_RARE)
            g = pf_asprintf("{\"gen\": \"%s\", \"from\": \"-1y\", \"to\": \"-1d\"}", kind);
        else
            g = pf_asprintf("{\"gen\": \"%s\", \"from\": \"-2y\", \"to\": \"0d\"}", kind);
        break;
    }
    if (after)
        extra = " (after ";
    double nf = cd->nf;
    if (c->not_null)
        nf = 0;
    g = pf_init_gen_nulls(g, nf);
    free(cd->gen);
    cd->gen = g;
    if (after) {
        char *w = pf_asprintf("%s%s%s)", cd->why, extra, after);
        free(cd->why);
        cd->why = w;
    }
}
