/* Exit statuses of the perfgate command, defined once for the whole tree. */
#ifndef PF_EXITCODE_H
#define PF_EXITCODE_H

enum pf_exit {
    PF_EXIT_OK = 0,    /* everything passed */
    PF_EXIT_FAIL = 1,  /* a regression or a failed check */
    PF_EXIT_USAGE = 2, /* usage error or bad input: options, config, spec, baseline file */
    PF_EXIT_INFRA = 3, /* infrastructure: server would not start, connection lost, I/O */
};

#endif
