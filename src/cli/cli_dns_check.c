/* SPDX-License-Identifier: MIT */
/*
 * suivant dns check: asks a DNS server for every record `suivant dns`
 * prints for a domain (the same zone, built by the same code: CNAMEs,
 * the mail and DAV SRV records, the DAV path TXT records, PACC's CNAME
 * and digest TXT) and says which are missing or different. Records are
 * compared per name and type: an SRV or CNAME the server has beyond the
 * expected ones is a difference (a client may pick it); a TXT record
 * beside the expected one is not (PACC allows several during a change,
 * and a name may carry other TXT records), but another PACC digest
 * beside the expected one is named as a notice: the previous document's,
 * to remove once caches have the new one. PACC records compare as
 * clients read them (sv_pacc_txt_digest: tags in any order, unknown
 * ones ignored).
 *
 * A server that leaves one query unanswered in time is not asked the
 * rest: each would wait as long again (13 records, 40 s), and the answer
 * is the same, exit 69.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli_dns_check.h"
#include "answer/render_dns.h"
#include "cli/cli_output.h"
#include "model/pacc.h"
#include "resolve/dns_query.h"
#include "util/alloc.h"
#include "util/buf.h"

#define CHECK_TIMEOUT_MS 3000
#define VALUE_MAX 1100

enum verdict { OK, MISSING, DIFFERS, EXTRA, NOTICE, UNANSWERED };

static const char *const verdicts[] = {
	[OK] = "ok", [MISSING] = "missing", [DIFFERS] = "differs",
	[EXTRA] = "extra", [NOTICE] = "notice", [UNANSWERED] = "error",
};

#define STALE_NOTE "another digest: the previous document's, remove it " \
	"once caches have the new one"

static int rr_type(enum sv_dns_type t) {
	return t == SV_DNS_CNAME ? SV_RR_TYPE_CNAME : t == SV_DNS_SRV ?
		SV_RR_TYPE_SRV : SV_RR_TYPE_TXT;
}

/* Whether name a ("x.example" or "x.example." or ".") is b, which ends
 * with a dot. */
static bool same_name(const char *a, const char *b) {
	size_t n = strlen(a), m = strlen(b);
	if (strcmp(b, ".") == 0 || strcmp(a, ".") == 0) {
		return strcmp(a, b) == 0;
	}
	return (n + 1 == m || n == m) && strncasecmp(a, b, n) == 0 &&
		(n == m || b[n] == '.');
}

static bool same(const struct sv_dns_record *e, const struct sv_rr *p) {
	switch (e->type) {
	case SV_DNS_CNAME:
		return same_name(p->target, e->target);
	case SV_DNS_SRV:
		return e->priority == p->priority && e->weight == p->weight &&
			e->port == p->port && same_name(p->target, e->target);
	default:
		break;
	}
	const char *want, *got;
	size_t want_n, got_n;
	if (sv_pacc_txt_digest(e->text, &want, &want_n)) {
		return sv_pacc_txt_digest(p->text, &got, &got_n) &&
			want_n == got_n && memcmp(want, got, got_n) == 0;
	}
	return strcmp(e->text, p->text) == 0;
}

/* e's value as `dns` writes it. */
static void expected_value(const struct sv_dns_record *e, char *out,
		size_t n) {
	if (e->type == SV_DNS_SRV) {
		snprintf(out, n, "%d %d %d %s", e->priority, e->weight, e->port,
			e->target);
	} else if (e->type == SV_DNS_CNAME) {
		snprintf(out, n, "%s", e->target);
	} else {
		snprintf(out, n, "\"%s\"", e->text);
	}
}

/* p's value in the same form (names absolute). */
static void published_value(enum sv_dns_type t, const struct sv_rr *p,
		char *out, size_t n) {
	const char *dot = strcmp(p->target, ".") == 0 ? "" : ".";
	if (t == SV_DNS_SRV) {
		snprintf(out, n, "%d %d %d %s%s", p->priority, p->weight,
			p->port, p->target, dot);
	} else if (t == SV_DNS_CNAME) {
		snprintf(out, n, "%s%s", p->target, dot);
	} else {
		snprintf(out, n, "\"%s\"", p->text);
	}
}

static const char *status_text(enum sv_rr_status s, bool asked) {
	return !asked ? "not asked: an earlier query had no answer in time" :
		s == SV_RR_TIMED_OUT ? "no answer in time" :
		s == SV_RR_FAILED ? "the server failed or answered badly" :
		s == SV_RR_NO_NAME ? "no such name" : "no record";
}

struct report {
	const struct sv_dns_zone *z;
	size_t width;
	json_t *records;  /* with --json */
	size_t counts[UNANSWERED + 1];
	bool failed;      /* out of memory building the JSON */
	bool timed_out;   /* a query had no answer in time */
};

/* published: what the server has (DIFFERS), the error (UNANSWERED) or
 * the note (NOTICE); value is the published one for EXTRA and NOTICE */
static void say(struct report *r, enum verdict v, const char *owner,
		enum sv_dns_type t, const char *value, const char *published) {
	r->counts[v]++;
	if (r->records != NULL) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "status",
			verdicts[v], "name", owner, "type", sv_dns_type_name(t),
			v == EXTRA || v == NOTICE ? "published" : "expected",
			value, v == UNANSWERED ? "error" : v == NOTICE ?
			"note" : "published", v == DIFFERS || v == UNANSWERED ||
			v == NOTICE ? published : NULL);
		r->failed |= json_array_append_new(r->records, o) != 0;
		return;
	}
	printf("%-8s %-*s %-5s %s%s%s%s\n", verdicts[v], (int)r->width, owner,
		sv_dns_type_name(t), value, v == DIFFERS ? " (published: " :
		v == UNANSWERED || v == NOTICE ? " (" : "", published != NULL ?
		published : "", published != NULL ? ")" : "");
}

/*
 * Checks the records of z with owner and type of records[first]; when
 * !ask, reports them unanswered without a query.
 */
static int check_group(struct report *r, const char *resolver, size_t first,
		bool ask, struct sv_rrset *set, struct sv_err *err) {
	const struct sv_dns_zone *z = r->z;
	const struct sv_dns_record *head = &z->records[first];
	char name[SV_DNS_NAME_MAX + 2];
	snprintf(name, sizeof(name), "%s", head->owner);
	name[strlen(name) - 1] = '\0'; /* the trailing dot */
	int rc = SV_OK;
	if (ask) {
		rc = sv_rr_query_once(resolver, name, rr_type(head->type),
			CHECK_TIMEOUT_MS, set, err);
	} else {
		set->status = SV_RR_TIMED_OUT;
		set->n = 0;
	}
	if (rc != SV_OK) {
		return rc;
	}
	bool used[SV_RR_MAX] = { false };
	char value[VALUE_MAX], pub[VALUE_MAX * 2];
	bool unanswered = set->status == SV_RR_TIMED_OUT ||
		set->status == SV_RR_FAILED;
	/* what the server has that no expected record matches */
	for (size_t i = first; i < z->n_records; i++) {
		const struct sv_dns_record *e = &z->records[i];
		if (e->type != head->type || strcmp(e->owner, head->owner)) {
			continue;
		}
		for (size_t k = 0; k < set->n; k++) {
			used[k] |= same(e, &set->rr[k]);
		}
	}
	size_t o = 0;
	pub[0] = '\0';
	for (size_t k = 0; k < set->n; k++) {
		if (!used[k] && o < sizeof(pub)) {
			published_value(head->type, &set->rr[k], value,
				sizeof(value));
			int w = snprintf(pub + o, sizeof(pub) - o, "%s%s",
				o > 0 ? ", " : "", value);
			o += w > 0 ? (size_t)w : 0;
		}
	}
	bool any_missing = false, pacc_found = false;
	for (size_t i = first; i < z->n_records; i++) {
		const struct sv_dns_record *e = &z->records[i];
		if (e->type != head->type || strcmp(e->owner, head->owner)) {
			continue;
		}
		bool found = false;
		for (size_t k = 0; k < set->n && !found; k++) {
			found = same(e, &set->rr[k]);
		}
		expected_value(e, value, sizeof(value));
		const char *d;
		size_t d_n;
		if (unanswered) {
			say(r, UNANSWERED, e->owner, e->type, value,
				status_text(set->status, ask));
		} else if (found) {
			say(r, OK, e->owner, e->type, value, NULL);
			pacc_found |= e->type == SV_DNS_TXT &&
				sv_pacc_txt_digest(e->text, &d, &d_n);
		} else if (pub[0] != '\0') {
			say(r, DIFFERS, e->owner, e->type, value, pub);
			any_missing = true;
		} else {
			say(r, MISSING, e->owner, e->type, value, NULL);
			any_missing = true;
		}
	}
	/* another PACC digest beside the expected one: a rollover's */
	for (size_t k = 0; pacc_found && k < set->n; k++) {
		const char *d;
		size_t d_n;
		if (!used[k] && sv_pacc_txt_digest(set->rr[k].text, &d, &d_n)) {
			published_value(head->type, &set->rr[k], value,
				sizeof(value));
			say(r, NOTICE, head->owner, head->type, value,
				STALE_NOTE);
		}
	}
	/* an SRV or CNAME the zone has beyond the expected ones */
	for (size_t k = 0; !unanswered && !any_missing &&
			head->type != SV_DNS_TXT && k < set->n; k++) {
		if (!used[k]) {
			published_value(head->type, &set->rr[k], value,
				sizeof(value));
			say(r, EXTRA, head->owner, head->type, value, NULL);
		}
	}
	return SV_OK;
}

int sv_cli_dns_check(const struct sv_dns_zone *z, const char *resolver,
		bool json) {
	struct report r = { .z = z };
	struct sv_err err = { "" };
	struct sv_rrset *set = sv_calloc(1, sizeof(*set));
	if (set == NULL || (json && (r.records = json_array()) == NULL)) {
		sv_free(set);
		sv_cli_error("dns", "out of memory");
		return EX_OSERR;
	}
	for (size_t i = 0; i < z->n_records; i++) {
		size_t w = strlen(z->records[i].owner);
		r.width = w > r.width ? w : r.width;
	}
	if (!json) {
		printf("; suivant dns check: %s (provider %s) against %s\n",
			z->domain, z->provider, resolver);
	}
	int rc = SV_OK;
	bool ask = true;
	for (size_t i = 0; rc == SV_OK && i < z->n_records; i++) {
		bool seen = false; /* its group was checked with an earlier one */
		for (size_t k = 0; k < i && !seen; k++) {
			seen = z->records[k].type == z->records[i].type &&
				strcmp(z->records[k].owner,
					z->records[i].owner) == 0;
		}
		if (!seen) {
			rc = check_group(&r, resolver, i, ask, set, &err);
			ask = ask && set->status != SV_RR_TIMED_OUT;
			r.timed_out |= !ask;
		}
	}
	sv_free(set);
	if (rc != SV_OK) {
		json_decref(r.records);
		sv_cli_error("dns", "%s", err.msg);
		return rc == SV_EINVAL ? EX_USAGE : rc == SV_ENOMEM ? EX_OSERR :
			EX_UNAVAILABLE;
	}
	size_t bad = r.counts[MISSING] + r.counts[DIFFERS] + r.counts[EXTRA];
	int status = r.counts[UNANSWERED] > 0 ? EX_UNAVAILABLE : bad > 0 ?
		EX_DATAERR : EX_OK;
	if (r.timed_out) {
		sv_cli_error("dns check", "%s did not answer in time (%d s): "
			"%zu record(s) not checked", resolver,
			CHECK_TIMEOUT_MS / 1000, r.counts[UNANSWERED]);
	} else if (r.counts[UNANSWERED] > 0) {
		sv_cli_error("dns check", "%s did not answer for %zu "
			"record(s)", resolver, r.counts[UNANSWERED]);
	} else if (bad > 0) {
		sv_cli_error("dns check", "%zu record(s) missing or different "
			"at %s", bad, resolver);
	}
	if (json) {
		json_t *doc = r.failed ? NULL : json_pack("{s:s, s:s, s:s, s:o, "
			"s:I, s:I, s:I, s:I, s:I}", "domain", z->domain,
			"provider", z->provider, "resolver", resolver, "records",
			r.records, "ok", (json_int_t)r.counts[OK], "missing",
			(json_int_t)r.counts[MISSING], "different",
			(json_int_t)(r.counts[DIFFERS] + r.counts[EXTRA]),
			"unanswered", (json_int_t)r.counts[UNANSWERED],
			"notices", (json_int_t)r.counts[NOTICE]);
		if (r.failed) {
			json_decref(r.records);
		}
		int s = sv_cli_print_json("dns", doc);
		return s != EX_OK ? s : status;
	}
	printf("%zu record(s): %zu ok, %zu missing, %zu different, %zu "
		"unanswered", r.counts[OK] + r.counts[MISSING] +
		r.counts[DIFFERS] + r.counts[UNANSWERED], r.counts[OK],
		r.counts[MISSING], r.counts[DIFFERS] + r.counts[EXTRA],
		r.counts[UNANSWERED]);
	if (r.counts[NOTICE] > 0) {
		printf(", %zu notice(s)", r.counts[NOTICE]);
	}
	printf("\n");
	return status;
}
