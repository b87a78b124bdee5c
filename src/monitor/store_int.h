/* The history store's connection, shared by store.c (the monitor's writes)
 * and store_read.c (the dashboard's and /metrics' reads). Private to them. */
#ifndef PF_STORE_INT_H
#define PF_STORE_INT_H

#include "db.h"
#include "store.h"

/* "perfgate_monitor.": a store table's schema, prefixed to its name in SQL text. */
#define STORE_SCHEMA_DOT PF_STORE_SCHEMA "."

struct pf_store {
    pf_db *db;
    int source_id;
    char sid[16]; /* source_id as text, a query parameter */
    char *name;   /* reader connections: the source's name and target */
    char *target;
    char *states_written; /* writers: the alert_state rows last committed here (NULL: unknown) */
};

#endif
