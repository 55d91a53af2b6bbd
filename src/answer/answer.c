/* SPDX-License-Identifier: MIT */
/*
 * Compiled answers. A renderer writes its document once, with libxml2's
 * text writer, through a struct sv_answer_builder; wherever a request fact
 * goes it asks for a slot instead of writing text. The builder records the
 * writer's output length at each slot, so the finished document is the
 * writer's bytes cut into literal runs, with zero-width slots between them.
 * sv_answer_fill() then rebuilds one request's document with memcpy and one
 * small escaping function: no XML writer and no allocation besides the
 * output buffer's own growth. The UUID slots of Apple profiles hash the
 * address (one SHA-1 each, on the stack); the others are copies.
 *
 * Cutting needs the writer's output to be complete at the cut: libxml2
 * writes the '>' of a start tag lazily (the next call may still add an
 * attribute), and keeps bytes in its output buffer until flushed. A slot
 * therefore first writes an empty text node, which makes the writer close
 * the pending start tag (xmlTextWriterWriteString -> WriteRawLen ->
 * HandleStateDependencies in libxml2 2.9.14; tests/unit/
 * test_render_autoconfig.c checks the resulting bytes), then flushes, then
 * reads xmlBufferLength. Writing text also clears the writer's indentation
 * flag, so the matching end tag stays on the same line as the slot.
 *
 * Every writer call's result is checked, but libxml2 2.9.14 also fails
 * silently on some allocation failures (answer.h); a builder therefore
 * also compares libxml2's allocation-failure count, kept by the hooks of
 * sv_answer_xml_memory_setup(), at init and at finish.
 *
 * Literal bytes live in chunks of a struct sv_answer_pool (src/answer/answer_pool.c,
 * which also interns a finished answer's lines into a snapshot's shared
 * pool).
 *
 * Ownership: the builder owns its xmlBuffer, writer and part array until
 * sv_answer_builder_finish() hands a struct sv_answer to the caller or
 * sv_answer_builder_abandon() frees them. An answer owns its bytes and
 * parts and is immutable afterwards, so any number of threads may fill it.
 */
#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <libxml/xmlmemory.h>
#include <uuid/uuid.h>

#include "answer/answer.h"
#include "answer/answer_internal.h"
#include "util/alloc.h"

/* Longest address a UUID slot accepts (RFC 5321, as address.h). */
#define UUID_ADDRESS_MAX 254

/* libxml2 allocation failures since sv_answer_xml_memory_setup(). */
static atomic_ulong xml_alloc_failures;

static void *xml_malloc(size_t size) {
	void *p = sv_malloc(size);
	if (p == NULL) {
		atomic_fetch_add(&xml_alloc_failures, 1);
	}
	return p;
}

static void *xml_realloc(void *old, size_t size) {
	void *p = sv_realloc(old, size);
	if (p == NULL) {
		atomic_fetch_add(&xml_alloc_failures, 1);
	}
	return p;
}

static char *xml_strdup(const char *s) {
	char *p = sv_strdup(s);
	if (p == NULL) {
		atomic_fetch_add(&xml_alloc_failures, 1);
	}
	return p;
}

int sv_answer_xml_memory_setup(void) {
	if (xmlMemSetup(sv_free, xml_malloc, xml_realloc, xml_strdup) != 0) {
		return SV_EINVAL;
	}
	return SV_OK;
}

unsigned long sv_answer_xml_alloc_failures(void) {
	return atomic_load(&xml_alloc_failures);
}

/*
 * Appends n bytes of s to out as XML text (element content or attribute
 * value): & < > " ' become entities, everything else is copied in runs.
 * Control bytes other than tab and newline cannot be written as XML 1.0
 * text; callers validate addresses first, so seeing one is a bug upstream
 * and yields SV_EINVAL with out emptied (never a half-escaped document).
 * The only escaping function of the fill path.
 */
static int append_xml_escaped(struct sv_buf *out, const char *s, size_t n) {
	size_t run = 0; /* start of the pending run of plain bytes */
	for (size_t i = 0; i < n; i++) {
		const char *ent;
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&apos;"; break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n') {
				sv_buf_finish(out);
				return SV_EINVAL;
			}
			continue;
		}
		int rc = sv_buf_append(out, s + run, i - run);
		if (rc == SV_OK) {
			rc = sv_buf_append_str(out, ent);
		}
		if (rc != SV_OK) {
			return rc;
		}
		run = i + 1;
	}
	return sv_buf_append(out, s + run, n - run);
}

/*
 * Appends n bytes of s to out for a URL: letters, digits and
 * -._~!$()*+,;=:@ as they are, every other byte as %XX. The result holds
 * nothing XML needs escaped either.
 */
static int append_url_encoded(struct sv_buf *out, const char *s, size_t n) {
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') ||
			(c != '\0' && strchr("-._~!$()*+,;=:@", c) != NULL);
		char enc[3] = { '%', hex[c >> 4], hex[c & 0xf] };
		int rc = keep ? sv_buf_append(out, (const char *)&s[i], 1) :
			sv_buf_append(out, enc, 3);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

/* The labels of a validated domain, last first: "fr.example.mail". */
static int append_reversed(struct sv_buf *out, const char *domain) {
	size_t end = strlen(domain);
	while (end > 0) {
		size_t start = end;
		while (start > 0 && domain[start - 1] != '.') {
			start--;
		}
		int rc = sv_buf_append(out, domain + start, end - start);
		if (rc == SV_OK && start > 0) {
			rc = sv_buf_append(out, ".", 1);
		}
		if (rc != SV_OK) {
			return rc;
		}
		end = start > 0 ? start - 1 : 0;
	}
	return SV_OK;
}

/*
 * A name-based UUID for (role, address): SHA-1 over the fixed namespace
 * and "role:" + the address with the local part's ASCII letters lower-
 * cased (mail providers treat "Jean" and "jean" as one mailbox, and a
 * profile for either must replace the other). Computed per request: two
 * SHA-1 blocks, no allocation.
 */
static int append_uuid(struct sv_buf *out, const char *role,
		const struct sv_answer_facts *f) {
	if (f->address == NULL) {
		sv_buf_finish(out);
		return SV_EINVAL;
	}
	size_t rlen = strlen(role), alen = strlen(f->address);
	char name[sizeof("profile:") + UUID_ADDRESS_MAX];
	if (alen > UUID_ADDRESS_MAX || rlen + 1 + alen > sizeof(name)) {
		sv_buf_finish(out);
		return SV_EINVAL;
	}
	memcpy(name, role, rlen);
	name[rlen] = ':';
	const char *at = strrchr(f->address, '@');
	size_t local_len = at != NULL ? (size_t)(at - f->address) : alen;
	for (size_t i = 0; i < alen; i++) {
		char c = f->address[i];
		if (i < local_len && c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		name[rlen + 1 + i] = c;
	}
	uuid_t ns, id;
	char text[37];
	if (uuid_parse(SV_ANSWER_UUID_NAMESPACE, ns) != 0) {
		assert(!"bad SV_ANSWER_UUID_NAMESPACE");
		sv_buf_finish(out);
		return SV_EINVAL;
	}
	uuid_generate_sha1(id, ns, name, rlen + 1 + alen);
	uuid_unparse_upper(id, text);
	return sv_buf_append(out, text, 36);
}

/* Appends the value of one slot for the request facts f. */
static int fill_slot(struct sv_buf *out, enum sv_slot slot,
		const struct sv_answer_facts *f) {
	switch (slot) {
	case SV_SLOT_DOMAIN:
		/* A validated, normalised LDH name: nothing to escape. */
		return sv_buf_append_str(out, f->domain);
	case SV_SLOT_DOMAIN_REVERSED:
		return append_reversed(out, f->domain);
	case SV_SLOT_UUID_PROFILE:
		return append_uuid(out, "profile", f);
	case SV_SLOT_UUID_MAIL:
		return append_uuid(out, "mail", f);
	case SV_SLOT_UUID_CALDAV:
		return append_uuid(out, "caldav", f);
	case SV_SLOT_UUID_CARDDAV:
		return append_uuid(out, "carddav", f);
	default:
		break;
	}
	if (f->address == NULL && f->absent != NULL &&
			f->absent[slot] != NULL) {
		/* No address, and words for a person instead of the token */
		const char *w = f->absent[slot];
		bool url = slot == SV_SLOT_EMAILADDRESS_URL ||
			slot == SV_SLOT_EMAILLOCALPART_URL;
		return url ? append_url_encoded(out, w, strlen(w)) :
			append_xml_escaped(out, w, strlen(w));
	}
	if (f->address == NULL) {
		/* No address: leave the token for the client to substitute. */
		enum sv_token t = slot == SV_SLOT_EMAILADDRESS ||
				slot == SV_SLOT_EMAILADDRESS_URL ?
				SV_TOKEN_EMAILADDRESS :
			slot == SV_SLOT_EMAILLOCALPART ||
				slot == SV_SLOT_EMAILLOCALPART_URL ?
				SV_TOKEN_EMAILLOCALPART : SV_TOKEN_EMAILDOMAIN;
		return sv_buf_append_str(out, sv_token_text(t));
	}
	/* Address only: the local part is what precedes its last '@'. */
	const char *at = strrchr(f->address, '@');
	const char *local = f->local != NULL ? f->local : f->address;
	size_t local_len = f->local != NULL ? strlen(f->local) :
		at != NULL ? (size_t)(at - f->address) : strlen(f->address);
	switch (slot) {
	case SV_SLOT_EMAILADDRESS:
		return append_xml_escaped(out, f->address, strlen(f->address));
	case SV_SLOT_EMAILLOCALPART:
		return append_xml_escaped(out, local, local_len);
	case SV_SLOT_EMAILADDRESS_URL:
		return append_url_encoded(out, f->address, strlen(f->address));
	case SV_SLOT_EMAILLOCALPART_URL:
		return append_url_encoded(out, local, local_len);
	case SV_SLOT_EMAILDOMAIN:
		return append_xml_escaped(out, f->domain, strlen(f->domain));
	default:
		break;
	}
	assert(!"unknown slot");
	sv_buf_finish(out);
	return SV_EINVAL;
}

struct sv_answer_facts sv_answer_facts_of_address(
		const struct sv_address *addr) {
	return (struct sv_answer_facts){
		.domain = addr->domain,
		.address = addr->address,
		.local = addr->local,
	};
}

struct sv_answer_facts sv_answer_facts_of_evolution(
		const struct sv_address *addr) {
	if (sv_address_is_evolution_user(addr)) {
		return (struct sv_answer_facts){ .domain = addr->domain };
	}
	return sv_answer_facts_of_address(addr);
}

/* Room reserved beyond an answer's literal bytes for its slot values. */
#define FILL_SLACK 512

/* sv_buf_append with the common case (it fits) inline. */
static inline int append_literal(struct sv_buf *out, const char *p,
		size_t n) {
	if (out->data != NULL && out->cap - out->len > n) {
		memcpy(out->data + out->len, p, n);
		out->len += n;
		out->data[out->len] = '\0';
		return SV_OK;
	}
	return sv_buf_append(out, p, n);
}

int sv_answer_fill(const struct sv_answer *a, const struct sv_answer_facts *f,
		struct sv_buf *out) {
	const struct sv_answer_pool *pool = a->pool;
	/* one allocation for the literal bytes and typical slot values,
	 * instead of doubling from 64 bytes */
	int rc0 = sv_buf_reserve(out, a->n_literal + FILL_SLACK);
	if (rc0 != SV_OK) {
		return rc0;
	}
	for (uint32_t i = 0; i < a->n_ops; i++) {
		uint32_t op = a->ops[i];
		int rc;
		if (op & SV_ANSWER_OP_SLOT) {
			rc = fill_slot(out, (enum sv_slot)(op & ~SV_ANSWER_OP_SLOT),
				f);
		} else {
			const struct chunk *c = &pool->chunks[op];
			rc = append_literal(out, pool->arena + c->off, c->len);
		}
		if (rc != SV_OK) {
			return rc; /* out is empty: every failure path empties it */
		}
	}
	return SV_OK;
}

int sv_answer_builder_init(struct sv_answer_builder *b,
		const char *content_type) {
	memset(b, 0, sizeof(*b));
	b->content_type = content_type;
	b->xml_failures = sv_answer_xml_alloc_failures();
	b->xb = xmlBufferCreate();
	if (b->xb == NULL) {
		return SV_ENOMEM;
	}
	b->w = xmlNewTextWriterMemory(b->xb, 0);
	if (b->w == NULL) {
		sv_answer_builder_abandon(b);
		return SV_ENOMEM;
	}
	return SV_OK;
}

/* Appends one part; on failure marks the builder failed. */
static int add_part(struct sv_answer_builder *b, size_t off, size_t len,
		enum sv_slot slot) {
	if (b->n_parts == b->cap_parts) {
		size_t cap = b->cap_parts != 0 ? b->cap_parts * 2 : 16;
		struct sv_answer_builder_part *p = sv_reallocarray(b->parts, cap,
			sizeof(*p));
		if (p == NULL) {
			b->failed = SV_ENOMEM;
			return -1;
		}
		b->parts = p;
		b->cap_parts = cap;
	}
	b->parts[b->n_parts++] = (struct sv_answer_builder_part){
		.off = off, .len = len, .slot = slot };
	return 0;
}

/* Closes the current literal run at the writer's position. */
static int end_run(struct sv_answer_builder *b) {
	if (xmlTextWriterFlush(b->w) < 0) {
		b->failed = SV_ENOMEM;
		return -1;
	}
	int end = xmlBufferLength(b->xb);
	if (end < 0 || (size_t)end < b->mark) {
		b->failed = SV_ENOMEM; /* cannot happen: the buffer only grows */
		return -1;
	}
	if ((size_t)end > b->mark &&
			add_part(b, b->mark, (size_t)end - b->mark, SV_SLOT_NONE) < 0) {
		return -1;
	}
	b->mark = (size_t)end;
	return 0;
}

int sv_answer_builder_slot(struct sv_answer_builder *b, enum sv_slot slot) {
	if (b->failed != 0) {
		return -1;
	}
	assert(slot >= SV_SLOT_DOMAIN && slot < SV_SLOT_COUNT);
	/* An empty text node closes a pending start tag ("<domain" + ">"). */
	if (xmlTextWriterWriteString(b->w, BAD_CAST "") < 0) {
		b->failed = SV_ENOMEM;
		return -1;
	}
	if (end_run(b) < 0 || add_part(b, 0, 0, slot) < 0) {
		return -1;
	}
	return 0;
}

static enum sv_slot token_slot(enum sv_token t, bool url) {
	switch (t) {
	case SV_TOKEN_EMAILADDRESS:
		return url ? SV_SLOT_EMAILADDRESS_URL : SV_SLOT_EMAILADDRESS;
	case SV_TOKEN_EMAILLOCALPART:
		return url ? SV_SLOT_EMAILLOCALPART_URL :
			SV_SLOT_EMAILLOCALPART;
	case SV_TOKEN_EMAILDOMAIN: return SV_SLOT_EMAILDOMAIN;
	default: return SV_SLOT_NONE; /* %REALNAME%: written literally */
	}
}

/* A template's text, its tokens as slots (URL slots when url); literal
 * pieces escaped by the writer, or as they are when raw. */
static int write_template(struct sv_answer_builder *b, const char *tpl,
		bool url, bool raw) {
	if (b->failed != 0) {
		return -1;
	}
	if (tpl == NULL) {
		b->failed = SV_EINVAL;
		return -1;
	}
	/* Every piece but an empty template's only one spans >= 1 byte. */
	size_t max = strlen(tpl) + 1;
	struct sv_tpl_piece *pieces = sv_calloc(max, sizeof(*pieces));
	if (pieces == NULL) {
		b->failed = SV_ENOMEM;
		return -1;
	}
	size_t n = 0;
	int rc = sv_placeholder_split(tpl, pieces, max, &n, NULL);
	if (rc != SV_OK) {
		b->failed = rc;
		goto fail;
	}
	/* Closes the start tag even for an empty template ("<username>"). */
	if (xmlTextWriterWriteString(b->w, BAD_CAST "") < 0) {
		b->failed = SV_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sv_tpl_piece *p = &pieces[i];
		enum sv_slot slot = p->is_token ? token_slot(p->token, url)
			: SV_SLOT_NONE;
		if (slot == SV_SLOT_EMAILDOMAIN && b->domain_token_is_domain) {
			slot = SV_SLOT_DOMAIN;
		}
		if (slot != SV_SLOT_NONE) {
			if (sv_answer_builder_slot(b, slot) < 0) {
				goto fail;
			}
			continue;
		}
		/* A literal piece borrows from tpl: copy it to get its NUL. */
		char *copy = NULL;
		const char *text = sv_token_text(p->token); /* %REALNAME% */
		if (!p->is_token) {
			if ((copy = sv_strndup(p->lit, p->lit_len)) == NULL) {
				b->failed = SV_ENOMEM;
				goto fail;
			}
			text = copy;
		}
		int wr = raw ? xmlTextWriterWriteRaw(b->w, BAD_CAST text) :
			xmlTextWriterWriteString(b->w, BAD_CAST text);
		sv_free(copy);
		if (wr < 0) {
			b->failed = SV_ENOMEM;
			goto fail;
		}
	}
	sv_free(pieces);
	return 0;
fail:
	sv_free(pieces);
	return -1;
}

int sv_answer_builder_template(struct sv_answer_builder *b, const char *tpl) {
	return write_template(b, tpl, false, false);
}

int sv_answer_builder_url(struct sv_answer_builder *b, const char *tpl) {
	return write_template(b, tpl, true, false);
}

int sv_answer_builder_url_raw(struct sv_answer_builder *b,
		const char *text) {
	return write_template(b, text, true, true);
}

int sv_answer_builder_finish(struct sv_answer_builder *b,
		struct sv_answer **out, struct sv_err *err) {
	*out = NULL;
	int rc = b->failed;
	if (rc != 0) {
		sv_answer_builder_abandon(b);
		return sv_errf(err, rc, "answer: building the document failed: %s",
			sv_rc_str(rc));
	}
	if (end_run(b) < 0) {
		goto fail;
	}
	/*
	 * Freeing the writer closes its output, which must add nothing after
	 * the flush above (checked, since the last run ends at b->mark).
	 */
	xmlFreeTextWriter(b->w);
	b->w = NULL;
	if ((size_t)xmlBufferLength(b->xb) != b->mark ||
			sv_answer_xml_alloc_failures() != b->xml_failures) {
		b->failed = SV_ENOMEM; /* see sv_answer_xml_memory_setup() */
		goto fail;
	}
	struct sv_answer *a = sv_answer_alloc(b->n_parts);
	struct sv_answer_pool *pool = sv_answer_pool_create();
	if (a == NULL || pool == NULL) {
		sv_free(a);
		sv_answer_pool_destroy(pool);
		b->failed = SV_ENOMEM;
		goto fail;
	}
	a->own_pool = pool;
	a->pool = pool;
	a->escape = SV_ESCAPE_XML;
	a->content_type = b->content_type;
	a->n_literal = b->mark;
	const char *bytes = (const char *)xmlBufferContent(b->xb);
	int rc1 = sv_answer_pool_reserve(pool, b->mark, b->n_parts);
	if (rc1 != SV_OK) {
		sv_answer_destroy(a);
		b->failed = rc1;
		goto fail;
	}
	for (size_t i = 0; i < b->n_parts; i++) {
		const struct sv_answer_builder_part *p = &b->parts[i];
		uint32_t idx;
		if (p->slot != SV_SLOT_NONE) {
			a->ops[i] = SV_ANSWER_OP_SLOT | (uint32_t)p->slot;
			continue;
		}
		int rc2 = sv_answer_pool_add(pool, bytes + p->off, p->len, &idx);
		if (rc2 != SV_OK) {
			sv_answer_destroy(a);
			b->failed = rc2;
			goto fail;
		}
		a->ops[i] = idx;
	}
	sv_answer_builder_abandon(b);
	*out = a;
	return SV_OK;
fail:
	rc = b->failed;
	sv_answer_builder_abandon(b);
	return sv_errf(err, rc, "answer: building the document failed: %s",
		sv_rc_str(rc));
}

void sv_answer_builder_abandon(struct sv_answer_builder *b) {
	if (b == NULL) {
		return;
	}
	xmlFreeTextWriter(b->w); /* NULL-safe in libxml2 */
	xmlBufferFree(b->xb);    /* NULL-safe in libxml2 */
	sv_free(b->parts);
	memset(b, 0, sizeof(*b));
}
