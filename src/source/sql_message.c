/* SPDX-License-Identifier: MIT */
/*
 * Client libraries' messages, made fit for one diagnostic line.
 */
#include <stdbool.h>

#include "source/sql_source.h"
#include "util/log.h"

const char *sv_sql_source_message(const char *msg, char *out, size_t size) {
	char flat[SV_ERR_MSG_MAX];
	size_t n = 0;
	bool space = true; /* drops leading white space */
	for (const char *p = msg; *p != '\0' && n < sizeof(flat) - 1; p++) {
		bool ws = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
		if (!ws || !space) {
			flat[n++] = ws ? ' ' : *p == '"' ? '\'' : *p;
		}
		space = ws;
	}
	while (n > 0 && flat[n - 1] == ' ') {
		n--;
	}
	flat[n] = '\0';
	return sv_log_escape(flat, out, size);
}
