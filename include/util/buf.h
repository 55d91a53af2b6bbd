/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_BUF_H
#define SUIVANT_BUF_H

#include <stddef.h>

/*
 * A growable byte buffer with a hard maximum (curl's dynbuf semantics):
 * sv_buf_init cannot fail; data is NUL-terminated whenever non-NULL; a failed
 * append frees the contents and leaves an empty buffer, so that a half-built
 * document can never be sent. max counts the terminating NUL.
 */
struct sv_buf {
	char *data; /* owned; NULL until the first append */
	size_t len; /* bytes used, NUL excluded */
	size_t cap; /* bytes allocated */
	size_t max; /* hard limit on cap */
};

void sv_buf_init(struct sv_buf *b, size_t max);
/* Frees the contents; the buffer may be reused after. NULL is a no-op. */
void sv_buf_finish(struct sv_buf *b);
/* Empties the buffer but keeps its memory. */
void sv_buf_reset(struct sv_buf *b);
/* SV_OK, SV_ETOOBIG (len + n + 1 > max) or SV_ENOMEM; on failure b is empty. */
int sv_buf_append(struct sv_buf *b, const void *p, size_t n);
/* Grows the allocation to hold at least n more bytes (clamped to max), so
 * that the appends that follow need not reallocate. Returns SV_OK or
 * SV_ENOMEM (b is then emptied, as by a failed append). */
int sv_buf_reserve(struct sv_buf *b, size_t n);
int sv_buf_append_str(struct sv_buf *b, const char *s);
int sv_buf_printf(struct sv_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Transfers the contents to the caller (free with sv_free); *len receives
 * the length if len is not NULL. Returns an empty allocated string when the
 * buffer is empty, NULL only on allocation failure. b is left empty.
 */
char *sv_buf_take(struct sv_buf *b, size_t *len);

#endif
