/* SPDX-License-Identifier: MIT */
/*
 * Bounded growable buffer. Invariant: len < cap <= max whenever data is
 * non-NULL, and data[len] == '\0'. Growth doubles, capped at max.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"

void sv_buf_init(struct sv_buf *b, size_t max) {
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void sv_buf_finish(struct sv_buf *b) {
	if (b == NULL) {
		return;
	}
	sv_free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void sv_buf_reset(struct sv_buf *b) {
	b->len = 0;
	if (b->data != NULL) {
		b->data[0] = '\0';
	}
}

int sv_buf_append(struct sv_buf *b, const void *p, size_t n) {
	if (b->max == 0 || n >= b->max - b->len) { /* room for n + NUL? */
		sv_buf_finish(b);
		return SV_ETOOBIG;
	}
	size_t need = b->len + n + 1;
	if (need > b->cap) {
		size_t cap = b->cap != 0 ? b->cap : 64;
		while (cap < need) {
			cap = cap > b->max / 2 ? b->max : cap * 2;
		}
		cap = cap < b->max ? cap : b->max;
		char *d = sv_realloc(b->data, cap);
		if (d == NULL) {
			sv_buf_finish(b);
			return SV_ENOMEM;
		}
		b->data = d;
		b->cap = cap;
	}
	if (n > 0) {
		memcpy(b->data + b->len, p, n);
	}
	b->len += n;
	b->data[b->len] = '\0';
	return SV_OK;
}

int sv_buf_reserve(struct sv_buf *b, size_t n) {
	size_t need = b->len + 1 + (n < b->max ? n : b->max);
	need = need < b->max ? need : b->max;
	if (need <= b->cap) {
		return SV_OK;
	}
	char *d = sv_realloc(b->data, need);
	if (d == NULL) {
		sv_buf_finish(b);
		return SV_ENOMEM;
	}
	if (b->data == NULL) {
		d[0] = '\0';
	}
	b->data = d;
	b->cap = need;
	return SV_OK;
}

int sv_buf_append_str(struct sv_buf *b, const char *s) {
	return sv_buf_append(b, s, strlen(s));
}

int sv_buf_printf(struct sv_buf *b, const char *fmt, ...) {
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		sv_buf_finish(b);
		return SV_EINVAL;
	}
	if ((size_t)n < sizeof(small)) {
		return sv_buf_append(b, small, (size_t)n);
	}
	char *big = sv_malloc((size_t)n + 1);
	if (big == NULL) {
		sv_buf_finish(b);
		return SV_ENOMEM;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int rc = sv_buf_append(b, big, (size_t)n);
	sv_free(big);
	return rc;
}

char *sv_buf_take(struct sv_buf *b, size_t *len) {
	char *d = b->data;
	if (len != NULL) {
		*len = b->len;
	}
	if (d == NULL) {
		d = sv_strdup("");
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return d;
}
