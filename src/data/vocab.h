/* Built-in vocabularies for realistic synthetic text: names, conditions,
 * medications, lab tests, procedures... (used by {placeholders} in dataset
 * templates, so full-text search has real clinical words to find). */
#ifndef PF_VOCAB_H
#define PF_VOCAB_H

#include <stddef.h>
#include <stdint.h>

/* Id of a vocabulary by name, -1 if unknown. */
int pf_vocab_find(const char *name);
size_t pf_vocab_size(int vocab);
/* Word i (taken modulo the size); borrowed, static. */
const char *pf_vocab_word(int vocab, uint64_t i);
/* Comma-separated list of all names, for error messages; static. */
const char *pf_vocab_names(void);

#endif
