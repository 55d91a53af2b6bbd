/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/request/autodiscover_request.c (Autodiscover v1 request bodies,
 * hostile ones included) and src/answer/render_autodiscover.c (the Outlook
 * settings answer, the Error documents, the v2 JSON). Rendered documents
 * are compared byte for byte with tests/data/golden/autodiscover/<case>.xml
 * (SUIVANT_UPDATE_GOLDEN=1 rewrites them; review the diff) and parsed back
 * with libxml2. Allocation failures are injected in our allocations, in
 * libxml2's (routed through alloc.h as main.c does) and in jansson's.
 * Issue #5.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "answer/answer.h"
#include "answer/render_autodiscover.h"
#include "answer/render_autodiscover_v2.h"
#include "model/model.h"
#include "request/autodiscover_request.h"
#include "test_support.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/xml_safe.h"
#include "xml_testing.h"

#ifndef SV_SOURCE_ROOT
#error "SV_SOURCE_ROOT must name the source tree"
#endif

#define GOLDEN_DIR SV_SOURCE_ROOT "/tests/data/golden/autodiscover/"
#define OUT_MAX (1024 * 1024)

#define NS_REQ SV_AUTODISCOVER_NS_REQUEST_OUTLOOK
#define NS_OUT SV_AUTODISCOVER_NS_OUTLOOK

/* ---- request parser ---- */

/* The body Thunderbird sends (ExchangeAutoDiscover.sys.mjs), for addr. */
#define TB_BODY(addr) \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" \
	"    <Autodiscover xmlns=\"" NS_REQ "\">\n" \
	"      <Request>\n" \
	"        <EMailAddress>" addr "</EMailAddress>\n" \
	"        <AcceptableResponseSchema>" NS_OUT \
	"</AcceptableResponseSchema>\n" \
	"      </Request>\n" \
	"    </Autodiscover>"

/* A request body from its Request children, in the Outlook namespace. */
#define REQ(children) \
	"<Autodiscover xmlns=\"" NS_REQ "\"><Request>" children \
	"</Request></Autodiscover>"
#define ADDR(a) "<EMailAddress>" a "</EMailAddress>"
#define SCHEMA(s) "<AcceptableResponseSchema>" s "</AcceptableResponseSchema>"

static int parse(const char *body, struct sv_autodiscover_request *req,
		struct sv_err *err) {
	return sv_autodiscover_request_parse(body, strlen(body), req, err);
}

static void test_request_thunderbird(void **state) {
	(void)state;
	struct sv_autodiscover_request req;
	struct sv_err err = { "" };
	assert_int_equal(parse(TB_BODY("Jean.Dupont@Free.FR"), &req, &err),
		SV_OK);
	assert_int_equal(req.schema, SV_AUTODISCOVER_SCHEMA_OUTLOOK);
	assert_string_equal(req.address.local, "Jean.Dupont");
	assert_string_equal(req.address.domain, "free.fr");
	assert_string_equal(req.address.address, "Jean.Dupont@free.fr");
}

/* What the parser must tolerate: prefixes, BOM, white space, CDATA... */
static void test_request_tolerated_forms(void **state) {
	(void)state;
	static const struct {
		const char *body;
		const char *address;
		enum sv_autodiscover_schema schema;
	} cases[] = {
		/* prefixed elements, any prefix, namespace declared anywhere */
		{ "<a:Autodiscover xmlns:a=\"" NS_REQ "\"><a:Request>"
			"<a:EMailAddress>p@free.fr</a:EMailAddress>"
			"<a:AcceptableResponseSchema>" NS_OUT
			"</a:AcceptableResponseSchema></a:Request>"
			"</a:Autodiscover>", "p@free.fr",
			SV_AUTODISCOVER_SCHEMA_OUTLOOK },
		{ "<Autodiscover xmlns=\"" NS_REQ "\"><x:Request xmlns:x=\""
			NS_REQ "\">" ADDR("q@free.fr") SCHEMA(NS_OUT)
			"</x:Request></Autodiscover>", "q@free.fr",
			SV_AUTODISCOVER_SCHEMA_OUTLOOK },
		/* UTF-8 BOM and a declaration in capitals */
		{ "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			REQ(ADDR("b@free.fr") SCHEMA(NS_OUT)), "b@free.fr",
			SV_AUTODISCOVER_SCHEMA_OUTLOOK },
		/* white space around values, CDATA, comments, entities */
		{ REQ(ADDR("\n\t  w@free.fr \r\n") SCHEMA("  " NS_OUT "\n")),
			"w@free.fr", SV_AUTODISCOVER_SCHEMA_OUTLOOK },
		{ REQ(ADDR("<![CDATA[c]]>d<!-- x -->@free.fr<?pi x?>")
			SCHEMA(NS_OUT)), "cd@free.fr",
			SV_AUTODISCOVER_SCHEMA_OUTLOOK },
		{ REQ(ADDR("o&apos;b&amp;c&#x40;free.fr") SCHEMA(NS_OUT)),
			"o'b&c@free.fr", SV_AUTODISCOVER_SCHEMA_OUTLOOK },
		/* order, LegacyDN and unknown elements do not matter */
		{ REQ(SCHEMA(NS_OUT) "<LegacyDN>/o=x</LegacyDN><Foo/>"
			ADDR("o@free.fr")), "o@free.fr",
			SV_AUTODISCOVER_SCHEMA_OUTLOOK },
		/* elements of other namespaces are not ours: ignored */
		{ REQ("<EMailAddress xmlns=\"urn:other\">x@evil.example"
			"</EMailAddress>" ADDR("n@free.fr") SCHEMA(NS_OUT)),
			"n@free.fr", SV_AUTODISCOVER_SCHEMA_OUTLOOK },
		/* IDN domain: normalised to A-labels */
		{ REQ(ADDR("j@\xc3\xa9t\xc3\xa9.fr") SCHEMA(NS_OUT)),
			"j@xn--t-9fab.fr", SV_AUTODISCOVER_SCHEMA_OUTLOOK },
		/* schemas */
		{ REQ(ADDR("s@free.fr")
			SCHEMA(SV_AUTODISCOVER_NS_OUTLOOK_2006)), "s@free.fr",
			SV_AUTODISCOVER_SCHEMA_OUTLOOK },
		{ "<Autodiscover xmlns=\"" SV_AUTODISCOVER_NS_REQUEST_MOBILESYNC
			"\"><Request>" ADDR("m@free.fr")
			SCHEMA(SV_AUTODISCOVER_NS_MOBILESYNC)
			"</Request></Autodiscover>", "m@free.fr",
			SV_AUTODISCOVER_SCHEMA_MOBILESYNC },
		{ REQ(ADDR("u@free.fr") SCHEMA("urn:unknown")), "u@free.fr",
			SV_AUTODISCOVER_SCHEMA_OTHER },
		{ REQ(ADDR("h@free.fr") SCHEMA("https://schemas.microsoft.com/"
			"exchange/autodiscover/outlook/responseschema/2006a")),
			"h@free.fr", SV_AUTODISCOVER_SCHEMA_OTHER },
		{ REQ(ADDR("e@free.fr") SCHEMA("")), "e@free.fr",
			SV_AUTODISCOVER_SCHEMA_OTHER },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sv_autodiscover_request req;
		struct sv_err err = { "" };
		int rc = parse(cases[i].body, &req, &err);
		if (rc != SV_OK) {
			fail_msg("case %zu: %d %s", i, rc, err.msg);
		}
		assert_string_equal(req.address.address, cases[i].address);
		assert_int_equal(req.schema, cases[i].schema);
	}
}

/* Hostile and malformed bodies: SV_EINVAL (error 600), nothing else. */
static void test_request_refused(void **state) {
	(void)state;
	static const struct {
		const char *name;
		const char *body;
	} cases[] = {
		{ "empty", "" },
		{ "white space", " \n" },
		{ "not XML", "EMailAddress=jean@free.fr" },
		{ "JSON", "{\"EMailAddress\":\"jean@free.fr\"}" },
		{ "unclosed", "<Autodiscover xmlns=\"" NS_REQ "\"><Request>" },
		{ "two roots", REQ(ADDR("a@free.fr") SCHEMA(NS_OUT)) "<x/>" },
		{ "billion laughs", "<?xml version=\"1.0\"?>\n"
			"<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
			"<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;\">"
			"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\n"
			REQ(ADDR("&lol3;@free.fr") SCHEMA(NS_OUT)) },
		{ "external entity", "<!DOCTYPE r [<!ENTITY x SYSTEM "
			"\"file:///etc/passwd\">]>"
			REQ(ADDR("&x;@free.fr") SCHEMA(NS_OUT)) },
		{ "parameter entity", "<!DOCTYPE r [<!ENTITY % p SYSTEM "
			"\"http://127.0.0.1:1/x.dtd\"> %p;]>"
			REQ(ADDR("a@free.fr") SCHEMA(NS_OUT)) },
		{ "external DTD", "<!DOCTYPE Autodiscover SYSTEM "
			"\"http://127.0.0.1:1/a.dtd\">"
			REQ(ADDR("a@free.fr") SCHEMA(NS_OUT)) },
		{ "undeclared entity", REQ(ADDR("&x;@free.fr") SCHEMA(NS_OUT)) },
		{ "invalid UTF-8", REQ(ADDR("j\xc3(@free.fr") SCHEMA(NS_OUT)) },
		{ "overlong UTF-8", REQ(ADDR("j\xc0\xaf@free.fr")
			SCHEMA(NS_OUT)) },
		{ "UTF-16 BOM", "\xff\xfe<\0A\0" },
		{ "Latin-1 declared", "<?xml version=\"1.0\" encoding="
			"\"ISO-8859-1\"?>" REQ(ADDR("a@free.fr")
			SCHEMA(NS_OUT)) },
		{ "no namespace", "<Autodiscover><Request>" ADDR("a@free.fr")
			SCHEMA(NS_OUT) "</Request></Autodiscover>" },
		{ "https namespace", "<Autodiscover xmlns=\"https://schemas."
			"microsoft.com/exchange/autodiscover/outlook/"
			"requestschema/2006\"><Request>" ADDR("a@free.fr")
			SCHEMA(NS_OUT) "</Request></Autodiscover>" },
		{ "response namespace", "<Autodiscover xmlns=\""
			SV_AUTODISCOVER_NS_RESPONSE "\"><Request>"
			ADDR("a@free.fr") SCHEMA(NS_OUT)
			"</Request></Autodiscover>" },
		{ "Request in another namespace", "<Autodiscover xmlns=\""
			NS_REQ "\"><Request xmlns=\"urn:x\">" ADDR("a@free.fr")
			SCHEMA(NS_OUT) "</Request></Autodiscover>" },
		{ "wrong root", "<Autodiscovery xmlns=\"" NS_REQ "\"><Request>"
			ADDR("a@free.fr") SCHEMA(NS_OUT)
			"</Request></Autodiscovery>" },
		{ "lower-case names", "<autodiscover xmlns=\"" NS_REQ "\">"
			"<request><emailaddress>a@free.fr</emailaddress>"
			"</request></autodiscover>" },
		{ "no Request", "<Autodiscover xmlns=\"" NS_REQ "\">"
			ADDR("a@free.fr") SCHEMA(NS_OUT) "</Autodiscover>" },
		{ "two Requests", "<Autodiscover xmlns=\"" NS_REQ "\"><Request>"
			ADDR("a@free.fr") SCHEMA(NS_OUT) "</Request><Request>"
			ADDR("b@free.fr") SCHEMA(NS_OUT)
			"</Request></Autodiscover>" },
		{ "no address", REQ(SCHEMA(NS_OUT)) },
		{ "LegacyDN only", REQ("<LegacyDN>/o=First Organization/"
			"cn=jean</LegacyDN>" SCHEMA(NS_OUT)) },
		{ "two addresses", REQ(ADDR("a@free.fr") ADDR("b@evil.example")
			SCHEMA(NS_OUT)) },
		{ "empty address", REQ(ADDR("") SCHEMA(NS_OUT)) },
		{ "address without @", REQ(ADDR("jean") SCHEMA(NS_OUT)) },
		{ "address with two @", REQ(ADDR("a@b@free.fr")
			SCHEMA(NS_OUT)) },
		{ "address with a space", REQ(ADDR("je an@free.fr")
			SCHEMA(NS_OUT)) },
		{ "address with a control", REQ(ADDR("je&#x7f;an@free.fr")
			SCHEMA(NS_OUT)) },
		{ "address with markup", REQ(ADDR("a&lt;b&gt;@free.fr")
			SCHEMA(NS_OUT)) },
		{ "address with a child", REQ(ADDR("a<b/>@free.fr")
			SCHEMA(NS_OUT)) },
		{ "address with an XInclude", REQ("<EMailAddress><xi:include "
			"xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
			"href=\"file:///etc/passwd\" parse=\"text\"/>"
			"</EMailAddress>" SCHEMA(NS_OUT)) },
		{ "domain label too long", REQ(ADDR("a@"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaa.fr") SCHEMA(NS_OUT)) },
		{ "no schema", REQ(ADDR("a@free.fr")) },
		{ "two schemas", REQ(ADDR("a@free.fr") SCHEMA(NS_OUT)
			SCHEMA(NS_OUT)) },
		{ "schema with a child", REQ(ADDR("a@free.fr")
			"<AcceptableResponseSchema><x/>"
			"</AcceptableResponseSchema>") },
		{ "unbound prefix", "<a:Autodiscover><a:Request/>"
			"</a:Autodiscover>" },
		{ "attribute twice", "<Autodiscover xmlns=\"" NS_REQ "\" a=\"1\" "
			"a=\"2\"/>" },
		{ "NUL byte", "<Autodiscover\0/>" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sv_autodiscover_request req;
		struct sv_err err = { "" };
		size_t len = strlen(cases[i].body);
		if (strcmp(cases[i].name, "UTF-16 BOM") == 0) {
			len = 6;
		} else if (strcmp(cases[i].name, "NUL byte") == 0) {
			len = sizeof("<Autodiscover\0/>") - 1;
		}
		int rc = sv_autodiscover_request_parse(cases[i].body, len, &req,
			&err);
		if (rc != SV_EINVAL) {
			fail_msg("%s: rc %d, want SV_EINVAL", cases[i].name, rc);
		}
		assert_true(err.msg[0] != '\0');
		/* the reason never quotes the body */
		assert_null(strstr(err.msg, "free.fr"));
		assert_null(strstr(err.msg, "lol"));
		assert_null(strstr(err.msg, "passwd"));
		assert_string_equal(req.address.address, "");
		assert_int_equal(req.schema, SV_AUTODISCOVER_SCHEMA_OTHER);
	}
	struct sv_autodiscover_request req;
	assert_int_equal(sv_autodiscover_request_parse(NULL, 0, &req, NULL),
		SV_EINVAL);
}

/*
 * No network: bodies naming a listening loopback socket as an external
 * DTD, an external entity, a parameter entity and an XInclude are refused
 * and the socket never sees a connection.
 */
static void test_request_no_network(void **state) {
	(void)state;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	socklen_t sl = sizeof(sa);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/x",
		(unsigned)ntohs(sa.sin_port));
	static const struct {
		const char *before, *after; /* around the URL */
	} forms[] = {
		{ "<!DOCTYPE Autodiscover SYSTEM \"", "\">" },
		{ "<!DOCTYPE r [<!ENTITY x SYSTEM \"", "\">]>" },
		{ "<!DOCTYPE r [<!ENTITY % p SYSTEM \"", "\"> %p;]>" },
	};
	const char *req = REQ(ADDR("a@free.fr") SCHEMA(NS_OUT));
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char body[1024];
		snprintf(body, sizeof(body), "%s%s%s%s", forms[i].before, url,
			forms[i].after, req);
		struct sv_autodiscover_request r;
		assert_int_equal(parse(body, &r, NULL), SV_EINVAL);
	}
	char body[1024];
	snprintf(body, sizeof(body), REQ("<EMailAddress><xi:include "
		"xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"%s\" "
		"parse=\"text\"/></EMailAddress>" SCHEMA(NS_OUT)), url);
	struct sv_autodiscover_request r;
	assert_int_equal(parse(body, &r, NULL), SV_EINVAL);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 100), 0); /* nobody connected */
	close(fd);
}

/*
 * A request into b whose EMailAddress is a@free.fr followed by spaces,
 * text bytes in all.
 */
static void padded_address(struct sv_buf *b, size_t text) {
	sv_buf_init(b, SV_AUTODISCOVER_MAX_REQUEST + 1);
	assert_int_equal(sv_buf_append_str(b, "<Autodiscover xmlns=\""
		NS_REQ "\"><Request><EMailAddress>a@free.fr"), SV_OK);
	for (size_t i = strlen("a@free.fr"); i < text; i++) {
		assert_int_equal(sv_buf_append_str(b, " "), SV_OK);
	}
	assert_int_equal(sv_buf_append_str(b, "</EMailAddress>"
		SCHEMA(NS_OUT) "</Request></Autodiscover>"), SV_OK);
}

/* Deep nesting and long texts within the cap: refused, quickly. */
static void test_request_deep_and_long(void **state) {
	(void)state;
	struct sv_buf b;
	struct sv_autodiscover_request req;
	struct sv_err err;
	/* 2000 nested elements inside Request (libxml2 stops at 256) */
	sv_buf_init(&b, SV_AUTODISCOVER_MAX_REQUEST + 1);
	assert_int_equal(sv_buf_append_str(&b, "<Autodiscover xmlns=\""
		NS_REQ "\"><Request>"), SV_OK);
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(sv_buf_append_str(&b, "<a>"), SV_OK);
	}
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(sv_buf_append_str(&b, "</a>"), SV_OK);
	}
	assert_int_equal(sv_buf_append_str(&b, ADDR("a@free.fr")
		SCHEMA(NS_OUT) "</Request></Autodiscover>"), SV_OK);
	assert_int_equal(parse(b.data, &req, &err), SV_EINVAL);
	sv_buf_finish(&b);

	/* an address of 1025 bytes of text (over SV_AUTODISCOVER_MAX_TEXT) */
	padded_address(&b, 1025);
	assert_int_equal(parse(b.data, &req, &err), SV_EINVAL);
	sv_buf_finish(&b);

	/* 1024 bytes of text is fine (white space trimmed) */
	padded_address(&b, 1024);
	assert_int_equal(parse(b.data, &req, &err), SV_OK);
	assert_string_equal(req.address.address, "a@free.fr");
	sv_buf_finish(&b);

	/* a local part of 65 octets (SV_LOCALPART_MAX + 1) */
	assert_int_equal(parse(REQ(ADDR("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaa@free.fr") SCHEMA(NS_OUT)), &req,
		&err), SV_EINVAL);
	assert_int_equal(parse(REQ(ADDR("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaa@free.fr") SCHEMA(NS_OUT)), &req,
		&err), SV_OK);
}

/* The size cap: SV_AUTODISCOVER_MAX_REQUEST bytes parse, one more not. */
static void test_request_size_cap(void **state) {
	(void)state;
	const char *head = "<Autodiscover xmlns=\"" NS_REQ "\"><Request>"
		ADDR("a@free.fr") SCHEMA(NS_OUT) "</Request><!--";
	const char *tail = "--></Autodiscover>";
	size_t n = SV_AUTODISCOVER_MAX_REQUEST;
	char *body = sv_malloc(n + 2);
	assert_non_null(body);
	memset(body, 'x', n + 1);
	memcpy(body, head, strlen(head));
	memcpy(body + n - strlen(tail), tail, strlen(tail));
	struct sv_autodiscover_request req;
	struct sv_err err;
	assert_int_equal(sv_autodiscover_request_parse(body, n, &req, &err),
		SV_OK);
	assert_string_equal(req.address.address, "a@free.fr");
	memcpy(body + n + 1 - strlen(tail), tail, strlen(tail));
	assert_int_equal(sv_autodiscover_request_parse(body, n + 1, &req,
		&err), SV_ETOOBIG);
	sv_free(body);
}

/* Every allocation failing in turn: a clean error, never a crash. */
static void test_request_alloc_failures(void **state) {
	(void)state;
	const char *body = TB_BODY("jean@free.fr");
	xmlSetGenericErrorFunc(NULL, sv_test_xml_quiet);
	long n = 0;
	for (;; n++) {
		assert_true(n < 100000);
		struct sv_autodiscover_request req;
		struct sv_err err = { "" };
		sv_alloc_fail_after(n);
		int rc = parse(body, &req, &err);
		sv_alloc_fail_after(-1);
		if (rc == SV_OK) {
			assert_string_equal(req.address.address,
				"jean@free.fr");
			break;
		}
		/* libxml2 2.9.14 reports some failures as syntax errors */
		if (rc != SV_ENOMEM && rc != SV_EINVAL) {
			fail_msg("n=%ld: rc %d: %s", n, rc, err.msg);
		}
	}
	xmlSetGenericErrorFunc(NULL, NULL);
	print_message("request: %ld allocation failure points\n", n);
	assert_true(n > 5);
}

/*
 * The streaming parse (push parser, no tree) and the tree parse share a
 * nesting limit: libxml2's, an element under at most 256 others. The push
 * parser does not enforce it itself; xml_safe.c does, at the same depth.
 */
static void test_request_depth_limit(void **state) {
	(void)state;
	/* Autodiscover and Request, then k nested <a>: the deepest <a> is
	 * under k + 1 elements */
	for (int k = 250; k <= 260; k++) {
		struct sv_buf b;
		sv_buf_init(&b, SV_AUTODISCOVER_MAX_REQUEST + 1);
		assert_int_equal(sv_buf_append_str(&b, "<Autodiscover xmlns=\""
			NS_REQ "\"><Request>"), SV_OK);
		for (int i = 0; i < k; i++) {
			assert_int_equal(sv_buf_append_str(&b, "<a>"), SV_OK);
		}
		for (int i = 0; i < k; i++) {
			assert_int_equal(sv_buf_append_str(&b, "</a>"), SV_OK);
		}
		assert_int_equal(sv_buf_append_str(&b, ADDR("a@free.fr")
			SCHEMA(NS_OUT) "</Request></Autodiscover>"), SV_OK);
		struct sv_autodiscover_request req;
		struct sv_err err;
		int want = k + 1 <= 256 ? SV_OK : SV_EINVAL;
		int rc = parse(b.data, &req, &err);
		if (rc != want) {
			fail_msg("k=%d: rc %d, want %d", k, rc, want);
		}
		xmlDoc *doc;
		long line;
		assert_int_equal(sv_xml_parse(b.data, b.len,
			SV_AUTODISCOVER_MAX_REQUEST, &doc, &line, &err), want);
		xmlFreeDoc(doc);
		sv_buf_finish(&b);
	}
}

/* A reader for sv_xml_parse_sax: counts elements and text bytes. */
struct counts {
	int elements, ends;
	size_t text;
};

static void count_start(void *ctx, const xmlChar *local,
		const xmlChar *prefix, const xmlChar *uri, int nb_namespaces,
		const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
		const xmlChar **attributes) {
	struct counts *c = sv_xml_sax_data(ctx);
	(void)local;
	(void)prefix;
	(void)uri;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_attributes;
	(void)nb_defaulted;
	(void)attributes;
	c->elements++;
}

static void count_end(void *ctx, const xmlChar *local,
		const xmlChar *prefix, const xmlChar *uri) {
	struct counts *c = sv_xml_sax_data(ctx);
	(void)local;
	(void)prefix;
	(void)uri;
	c->ends++;
}

static void count_text(void *ctx, const xmlChar *s, int n) {
	struct counts *c = sv_xml_sax_data(ctx);
	(void)s;
	c->text += (size_t)n;
}

/* Elements and text bytes of a tree, as the callbacks should count them. */
static void count_tree(const xmlNode *n, struct counts *c) {
	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			c->elements++;
			c->ends++;
			count_tree(n->children, c);
		} else if (n->type == XML_TEXT_NODE ||
				n->type == XML_CDATA_SECTION_NODE) {
			c->text += strlen((const char *)n->content);
		}
	}
}

/*
 * sv_xml_parse_sax accepts and refuses what sv_xml_parse does, with the
 * same status: hostile documents (DOCTYPE, entities, encodings, NUL,
 * UTF-16, size) and good ones, whose elements and text the callbacks
 * see in full.
 */
static void test_xml_sax_as_tree(void **state) {
	(void)state;
	static const struct {
		const char *body;
		size_t len; /* 0: strlen */
	} cases[] = {
		{ TB_BODY("jean@free.fr"), 0 },
		{ REQ(ADDR("<![CDATA[c]]>d<!-- x -->@free.fr<?pi x?>")
			SCHEMA(NS_OUT)), 0 },
		{ REQ(ADDR("o&apos;b&amp;c&#x40;free.fr") SCHEMA(NS_OUT)), 0 },
		{ "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF8\"?><r/>",
			0 },
		{ "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>", 0 },
		{ "<?xml version=\"1.0\" encoding=\"UTF-16\"?><r/>", 0 },
		{ "<?xml version=\"1.0\" encoding=\"x-nonsense\"?><r/>", 0 },
		{ "<!DOCTYPE r [<!ENTITY x \"y\">]><r>&x;</r>", 0 },
		{ "<!DOCTYPE r SYSTEM \"http://127.0.0.1:1/r.dtd\"><r/>", 0 },
		{ "<r>&x;</r>", 0 },
		{ "<r>\xc3(</r>", 0 },
		{ "<r a=\"1\" a=\"2\"/>", 0 },
		{ "<a:r/>", 0 },
		{ "<r></s>", 0 },
		{ "<r/><r/>", 0 },
		{ "<r>", 0 },
		{ "", 0 },
		{ " \n", 0 },
		{ "text", 0 },
		{ "\xff\xfe<\0r\0/\0>\0", 8 },
		{ "<r>\0</r>", 8 },
		{ "<r><!-- a --><?p b?>t</r>\n<!-- after -->", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *body = cases[i].body;
		size_t len = cases[i].len != 0 ? cases[i].len : strlen(body);
		xmlDoc *doc;
		long tline, sline;
		struct sv_err terr, serr;
		int trc = sv_xml_parse(body, len, 1024, &doc, &tline, &terr);
		struct counts c = { 0 }, want = { 0 };
		const struct sv_xml_sax sax = { .start = count_start,
			.end = count_end, .text = count_text, .data = &c };
		int src = sv_xml_parse_sax(body, len, 1024, &sax, &sline,
			&serr);
		if (trc != src) {
			fail_msg("case %zu: tree %d (%s), stream %d (%s)", i,
				trc, trc != SV_OK ? terr.msg : "",
				src, src != SV_OK ? serr.msg : "");
		}
		if (trc == SV_OK) {
			count_tree(xmlDocGetRootElement(doc), &want);
			assert_int_equal(c.elements, want.elements);
			assert_int_equal(c.ends, want.ends);
			assert_int_equal(c.text, want.text);
		}
		xmlFreeDoc(doc);
	}
}

/* ---- building providers ---- */

static struct sv_provider *provider_new(const char *id) {
	return sv_test_provider_new(id, "Example Mail", NULL);
}

#define CLEAR { SV_AUTH_PASSWORD_CLEARTEXT }, .n_auth = 1

/* Appends a server of pv's that logs in one way, auth, as user. */
static void server(struct sv_provider *pv, enum sv_server_type type,
		const char *host, int port, enum sv_socket sock, const char *user,
		enum sv_auth auth) {
	sv_test_add_server(pv, &(struct sv_test_server){ .type = type,
		.host = host, .port = port, .socket = sock, .user = user,
		.auth = { auth }, .n_auth = 1 });
}

/* imap + smtp over implicit TLS, logging in with the address. */
static struct sv_provider *minimal_provider(void) {
	struct sv_provider *pv = provider_new("example.fr");
	assert_int_equal(sv_provider_add_domain(pv, "example.fr"), SV_OK);
	server(pv, SV_SERVER_IMAP, "imap.example.fr", 993,
		SV_SOCKET_SSL, "%EMAILADDRESS%", SV_AUTH_PASSWORD_CLEARTEXT);
	server(pv, SV_SERVER_SMTP, "smtp.example.fr", 465,
		SV_SOCKET_SSL, "%EMAILADDRESS%", SV_AUTH_PASSWORD_CLEARTEXT);
	return pv;
}

/*
 * Every TLS mode, every authentication mapping, templates, order: the
 * servers in the order written (smtp first: incoming must still come
 * first in the answer).
 */
static const struct sv_test_server mixed_servers[] = {
	{ .type = SV_SERVER_SMTP, .host = "smtp.%EMAILDOMAIN%", .port = 587,
		.socket = SV_SOCKET_STARTTLS, .user = "%EMAILLOCALPART%",
		.auth = { SV_AUTH_OAUTH2, SV_AUTH_PASSWORD_CLEARTEXT },
		.n_auth = 2 },
	{ .type = SV_SERVER_IMAP, .host = "mail.%EMAILDOMAIN%", .port = 143,
		.socket = SV_SOCKET_STARTTLS, .user = "%EMAILLOCALPART%",
		.auth = { SV_AUTH_OAUTH2, SV_AUTH_PASSWORD_CLEARTEXT },
		.n_auth = 2 },
	{ .type = SV_SERVER_POP3, .host = "pop.hoster.example", .port = 995,
		.socket = SV_SOCKET_SSL,
		.auth = { SV_AUTH_PASSWORD_ENCRYPTED }, .n_auth = 1 },
	{ .type = SV_SERVER_IMAP, .host = "old.hoster.example", .port = 143,
		.socket = SV_SOCKET_PLAIN, .user = "%REALNAME%",
		.auth = { SV_AUTH_NTLM }, .n_auth = 1 },
	/* its URL is set once added (mixed_ews_url) */
	{ .type = SV_SERVER_EWS, .port = 0, .socket = SV_SOCKET_NONE,
		.auth = CLEAR },
	{ .type = SV_SERVER_SMTP, .host = "relay.hoster.example", .port = 25,
		.socket = SV_SOCKET_PLAIN,
		.auth = { SV_AUTH_CLIENT_IP_ADDRESS }, .n_auth = 1 },
	{ .type = SV_SERVER_SMTP, .host = "pop-relay.hoster.example",
		.port = 2525, .socket = SV_SOCKET_SSL, .user = "x&y",
		.auth = { SV_AUTH_SMTP_AFTER_POP }, .n_auth = 1 },
	{ .type = SV_SERVER_SMTP, .host = "cert.hoster.example", .port = 465,
		.socket = SV_SOCKET_SSL, .user = "%EMAILADDRESS%",
		.auth = { SV_AUTH_TLS_CLIENT_CERT }, .n_auth = 1 },
};

static const char mixed_ews_url[] =
	"https://ews.hoster.example/EWS/Exchange.asmx";

/* hoster.example serving *.example, with mixed_servers. */
static struct sv_provider *mixed_provider(void) {
	struct sv_provider *pv = provider_new("hoster.example");
	assert_int_equal(sv_provider_add_domain(pv, "*.example"), SV_OK);
	/* every mapping, plain beside TLS included: the admin opted in
	 * (test_render_plaintext_withheld covers the default) */
	pv->publish_plaintext = true;
	for (size_t i = 0; i < SV_TEST_LEN(mixed_servers); i++) {
		struct sv_server *s = sv_test_add_server(pv, &mixed_servers[i]);
		if (s->type == SV_SERVER_EWS) {
			s->url = sv_test_dup(mixed_ews_url);
		}
	}
	return pv;
}

/* Provider-wide imap + smtp; other.fr has its own imap server. */
static struct sv_provider *override_provider(void) {
	struct sv_provider *pv = minimal_provider();
	assert_int_equal(sv_provider_add_domain(pv, "other.fr"), SV_OK);
	sv_test_add_server(pv, &(struct sv_test_server){ .type = SV_SERVER_IMAP,
		.host = "imap.other.fr", .port = 993,
		.socket = SV_SOCKET_SSL, .user = "%EMAILLOCALPART%",
		.auth = CLEAR, .domain = "other.fr" });
	return pv;
}

/* ---- golden files ---- */

/*
 * Well-formed, declaration first, root Autodiscover in the response
 * namespace with no prefix anywhere, Response in response_ns.
 */
static void check_xml(const char *doc, size_t len, const char *response_ns) {
	const char *decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	assert_true(len >= strlen(decl));
	assert_memory_equal(doc, decl, strlen(decl));
	assert_null(strstr(doc, "xmlns:"));
	xmlDocPtr d = xmlReadMemory(doc, (int)len, "answer.xml", NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(d);
	xmlNodePtr root = xmlDocGetRootElement(d);
	assert_string_equal((const char *)root->name, "Autodiscover");
	assert_non_null(root->ns);
	assert_null(root->ns->prefix);
	assert_string_equal((const char *)root->ns->href,
		SV_AUTODISCOVER_NS_RESPONSE);
	xmlNodePtr resp = xmlFirstElementChild(root);
	assert_non_null(resp);
	assert_string_equal((const char *)resp->name, "Response");
	assert_string_equal((const char *)resp->ns->href, response_ns);
	assert_null(xmlNextElementSibling(resp));
	xmlFreeDoc(d);
}

static void check_golden(const char *name, const char *got, size_t len) {
	sv_test_golden_check(GOLDEN_DIR, name, ".xml", got, len);
}

/* ann@client.example: the address the answers are rendered for. */
static const struct sv_answer_facts ann = { .domain = "client.example",
	.address = "ann@client.example", .local = "ann" };

static char *render_fill(const struct sv_provider *pv, const char *override,
		const struct sv_answer_facts *f, size_t *len) {
	char *s = sv_test_render_fill(sv_render_autodiscover,
		SV_AUTODISCOVER_CONTENT_TYPE, pv, override, f, len);
	check_xml(s, *len, NS_OUT);
	return s;
}

/* The renderer under test: POX answers, in the response namespace. */
static void check_answer(const char *doc, size_t len) {
	check_xml(doc, len, NS_OUT);
}

static const struct sv_test_renderer renderer = { sv_render_autodiscover,
	SV_AUTODISCOVER_CONTENT_TYPE, check_answer, GOLDEN_DIR, ".xml" };

/* The answer to a GET, without the address (issue 24). */
static const struct sv_test_renderer get_renderer = {
	sv_render_autodiscover_domain, SV_AUTODISCOVER_CONTENT_TYPE,
	check_answer, NULL, NULL };

static void test_render_minimal(void **state) {
	struct sv_provider *pv = *state;
	const struct sv_answer_facts f = { .domain = "example.fr",
		.address = "jean.dupont@example.fr", .local = "jean.dupont" };
	/* PROTOCOLS.md 3.9, spot checks beside the golden file */
	sv_test_golden_parts(&renderer, "minimal", pv, NULL, &f, SV_TEST_PARTS(
		SV_TEST_HAS("<User>\n      <DisplayName>"
			"jean.dupont@example.fr</DisplayName>"),
		SV_TEST_HAS("<AccountType>email</AccountType>\n"
			"      <Action>settings</Action>"),
		SV_TEST_HAS("<Type>IMAP</Type>\n        <Server>"
			"imap.example.fr</Server>\n        <Port>993</Port>\n"
			"        <LoginName>jean.dupont@example.fr</LoginName>"),
		SV_TEST_LACKS("%")));
}

/*
 * CalDAV and CardDAV protocols after the mail ones, in the shape
 * mailcow's answer gives eM Client; no WebDAV protocol.
 */
static void test_render_dav(void **state) {
	struct sv_provider *pv = *state;
	sv_test_add_service(pv, SV_SERVICE_CARDDAV,
		"https://dav.%EMAILDOMAIN%/card/%EMAILADDRESS%/", NULL, NULL);
	sv_test_add_service(pv, SV_SERVICE_WEBDAV, "https://files.example.fr/",
		NULL, NULL);
	sv_test_add_service(pv, SV_SERVICE_CALDAV, "https://cal.example.fr/",
		"%EMAILLOCALPART%", NULL);
	const struct sv_answer_facts f = { .domain = "example.fr",
		.address = "jean&co@example.fr", .local = "jean&co" };
	size_t len;
	char *doc = render_fill(pv, NULL, &f, &len);
	check_golden("dav", doc, len);
	sv_test_parts("dav", doc, SV_TEST_PARTS(
		SV_TEST_HAS("<Type>CardDAV</Type>\n        <Server>"
			"https://dav.example.fr/card/jean%26co@example.fr/"
			"</Server>\n"
			"        <DomainRequired>off</DomainRequired>\n"
			"        <LoginName>jean&amp;co@example.fr</LoginName>"),
		SV_TEST_HAS("<Type>CalDAV</Type>\n        <Server>"
			"https://cal.example.fr/</Server>"),
		SV_TEST_LACKS("files.example.fr")));
	const char *const order[] = { "<Type>SMTP</Type>",
		"<Type>CardDAV</Type>" };
	sv_test_in_order("dav", doc, order, SV_TEST_LEN(order));
	sv_free(doc);
}

static void test_render_mixed(void **state) {
	struct sv_provider *pv = *state;
	size_t len;
	char *doc = render_fill(pv, NULL, &ann, &len);
	check_golden("mixed", doc, len);
	/* incoming first, each group in priority order */
	const char *const order[] = {
		"<Server>mail.client.example</Server>",
		"<Server>pop.hoster.example</Server>",
		"<Server>old.hoster.example</Server>",
		"<Server>smtp.client.example</Server>",
		"<Server>relay.hoster.example" };
	sv_test_in_order("mixed", doc, order, SV_TEST_LEN(order));
	sv_test_parts("mixed", doc, SV_TEST_PARTS(
		/* URL-based servers are not POX protocols */
		SV_TEST_LACKS("ews"),
		/* %REALNAME% login: no LoginName at all */
		SV_TEST_HAS("<Port>143</Port>\n        "
			"<DomainRequired>off</DomainRequired>"),
		SV_TEST_LACKS("REALNAME"),
		/* escaped login */
		SV_TEST_HAS("<LoginName>x&amp;y</LoginName>")));
	sv_free(doc);
}

/* By default the plain IMAP and SMTP servers beside TLS ones of their
 * type are left out (model.h, sv_provider_servers_for). */
static void test_render_plaintext_withheld(void **state) {
	struct sv_provider *pv = *state;
	pv->publish_plaintext = false;
	sv_test_expect_parts(&renderer, "plaintext withheld", pv, NULL, &ann,
		SV_TEST_PARTS(
		SV_TEST_LACKS("old.hoster.example"),
		SV_TEST_LACKS("<Server>relay.hoster.example"),
		SV_TEST_LACKS("<SSL>off</SSL>"),
		SV_TEST_HAS("<Server>mail.client.example</Server>")));
}

/*
 * The answer to a GET (issue 24): the settings without what needs the
 * address: no User, no LoginName whose template needs it, %EMAILDOMAIN%
 * filled with the requested domain; none at all for a provider whose
 * host names need the address.
 */
static void test_render_domain(void **state) {
	(void)state;
	struct sv_provider *pv = mixed_provider();
	const struct sv_answer_facts f = { .domain = "client.example" };
	sv_test_expect_parts(&get_renderer, "domain", pv, NULL, &f,
		SV_TEST_PARTS(
		SV_TEST_LACKS("<User>"), SV_TEST_LACKS("%"),
		SV_TEST_HAS("<Server>smtp.client.example</Server>"),
		/* the fixed login stays, escaped; those of the address go */
		SV_TEST_HAS("<LoginName>x&amp;y</LoginName>"),
		SV_TEST_LACKS("<LoginName>ann")));
	/* the same Protocols as POST's, in the same order */
	size_t len;
	char *post = render_fill(pv, NULL, &ann, &len);
	char *doc = sv_test_render_fill(sv_render_autodiscover_domain,
		SV_AUTODISCOVER_CONTENT_TYPE, pv, NULL, &f, &len);
	const char *p = post, *g = doc;
	while ((p = strstr(p, "<Server>")) != NULL) {
		g = strstr(g, "<Server>");
		assert_non_null(g);
		assert_memory_equal(p, g, (size_t)(strchr(p, '/') - p));
		p++;
		g++;
	}
	assert_null(strstr(g, "<Server>"));
	sv_free(post);
	sv_free(doc);
	sv_provider_destroy(pv);
	/* a host name that needs the address: no answer to a GET */
	pv = provider_new("per-user.example");
	assert_int_equal(sv_provider_add_domain(pv, "per-user.example"),
		SV_OK);
	server(pv, SV_SERVER_IMAP, "%EMAILLOCALPART%.imap.example", 993,
		SV_SOCKET_SSL, "%EMAILADDRESS%", SV_AUTH_PASSWORD_CLEARTEXT);
	struct sv_answer *none = (struct sv_answer *)1;
	struct sv_err err;
	assert_int_equal(sv_render_autodiscover_domain(pv, NULL, &none, &err),
		SV_OK);
	assert_null(none);
	sv_provider_destroy(pv);
}

/*
 * The answer to a GET keeps the calendars and address books a client can
 * use without the address: a service whose URL needs it is left out, a
 * login that needs it too, %EMAILDOMAIN% is the requested domain.
 */
static void test_render_domain_dav(void **state) {
	struct sv_provider *pv = *state;
	sv_test_add_service(pv, SV_SERVICE_CARDDAV,
		"https://dav.example.fr/card/%EMAILADDRESS%/", NULL, NULL);
	sv_test_add_service(pv, SV_SERVICE_CALDAV,
		"https://cal.%EMAILDOMAIN%/", NULL, NULL);
	sv_test_add_service(pv, SV_SERVICE_CALDAV, "https://cal2.example.fr/",
		"cal-%EMAILDOMAIN%", NULL);
	const struct sv_answer_facts f = { .domain = "example.fr" };
	sv_test_expect_parts(&get_renderer, "domain dav", pv, NULL, &f,
		SV_TEST_PARTS(
		SV_TEST_LACKS("%"), SV_TEST_LACKS("CardDAV"),
		SV_TEST_HAS("<Type>CalDAV</Type>\n        <Server>"
			"https://cal.example.fr/</Server>\n"
			"        <DomainRequired>off</DomainRequired>\n"
			"      </Protocol>"),
		SV_TEST_HAS("<Server>https://cal2.example.fr/</Server>"
			"\n        <DomainRequired>off</DomainRequired>\n"
			"        <LoginName>cal-example.fr</LoginName>")));
}

/* Each field of each Protocol: TLS and authentication mappings. */
static void test_render_mappings(void **state) {
	struct sv_provider *pv = *state;
	size_t len;
	char *doc = render_fill(pv, NULL, &ann, &len);
	xmlDocPtr d = xmlReadMemory(doc, (int)len, "a.xml", NULL, 0);
	assert_non_null(d);
	static const struct {
		const char *type, *server, *port, *login, *spa, *ssl, *enc,
			*auth, *popauth, *last;
	} want[] = {
		{ "IMAP", "mail.client.example", "143", "ann", "off", "on",
			"TLS", "on", NULL, NULL },
		{ "POP3", "pop.hoster.example", "995", "ann@client.example",
			"on", "on", "SSL", "on", NULL, NULL },
		{ "IMAP", "old.hoster.example", "143", NULL, "on", "off",
			"None", "on", NULL, NULL },
		{ "SMTP", "smtp.client.example", "587", "ann", "off", "on",
			"TLS", "on", "on", "off" },
		{ "SMTP", "relay.hoster.example", "25", "ann@client.example",
			"off", "off", "None", "off", "off", "off" },
		{ "SMTP", "pop-relay.hoster.example", "2525", "x&y", "off",
			"on", "SSL", "off", "off", "on" },
		/* TLS-client-cert cannot be said: a password, not shared */
		{ "SMTP", "cert.hoster.example", "465", "ann@client.example",
			"off", "on", "SSL", "on", "off", "off" },
	};
	xmlNodePtr account = xmlFirstElementChild(xmlFirstElementChild(
		xmlDocGetRootElement(d)));
	account = xmlNextElementSibling(account); /* after User */
	assert_string_equal((const char *)account->name, "Account");
	size_t i = 0;
	for (xmlNodePtr p = xmlFirstElementChild(account); p != NULL;
			p = xmlNextElementSibling(p)) {
		if (strcmp((const char *)p->name, "Protocol") != 0) {
			continue;
		}
		assert_true(i < sizeof(want) / sizeof(want[0]));
		const char *names[] = { "Type", "Server", "Port", "LoginName",
			"SPA", "SSL", "Encryption", "AuthRequired",
			"UsePOPAuth", "SMTPLast" };
		const char *values[] = { want[i].type, want[i].server,
			want[i].port, want[i].login, want[i].spa, want[i].ssl,
			want[i].enc, want[i].auth, want[i].popauth,
			want[i].last };
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			const char *got = NULL;
			xmlChar *content = NULL;
			for (xmlNodePtr c = xmlFirstElementChild(p); c != NULL;
					c = xmlNextElementSibling(c)) {
				if (strcmp((const char *)c->name, names[k]) ==
						0) {
					content = xmlNodeGetContent(c);
					got = (const char *)content;
				}
			}
			if (values[k] == NULL ? got != NULL : got == NULL ||
					strcmp(got, values[k]) != 0) {
				fail_msg("Protocol %zu: %s = %s, want %s", i,
					names[k], got ? got : "(none)",
					values[k] ? values[k] : "(none)");
			}
			xmlFree(content);
		}
		i++;
	}
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
	xmlFreeDoc(d);
	sv_free(doc);
}

static void test_render_escaping_and_override(void **state) {
	struct sv_provider *pv = *state;
	const struct sv_answer_facts f = { .domain = "other.fr",
		.address = "o'brien&co@other.fr", .local = "o'brien&co" };
	sv_test_golden_parts(&renderer, "override-escaping", pv, "other.fr", &f,
		SV_TEST_PARTS(
		SV_TEST_HAS("<DisplayName>o&apos;brien&amp;co@other.fr"
			"</DisplayName>"),
		SV_TEST_HAS("<Server>imap.other.fr</Server>"),
		SV_TEST_LACKS("imap.example.fr"),
		SV_TEST_HAS("<Server>smtp.example.fr</Server>"),
		/* own imap logs in with the local part, smtp with the
		 * address */
		SV_TEST_HAS("<UsePOPAuth>off</UsePOPAuth>")));
	/* the provider-wide answer never shows a domain's own servers */
	const struct sv_answer_facts g = { .domain = "example.fr",
		.address = "a@example.fr", .local = "a" };
	sv_test_expect_parts(&renderer, "provider-wide", pv, NULL, &g,
		SV_TEST_PARTS(
		SV_TEST_LACKS("imap.other.fr"),
		SV_TEST_HAS("<UsePOPAuth>on</UsePOPAuth>")));
}

static void test_render_rejects_bad_data(void **state) {
	struct sv_provider *pv = *state;
	char **host = &pv->servers[0].hostname;
	sv_test_refused_with(sv_render_autodiscover, pv, host, NULL,
		"hostname");
	sv_test_refused_with(sv_render_autodiscover, pv, host, "mail.%FOO%",
		NULL);
	sv_test_refused_port_socket(sv_render_autodiscover, pv, 1, NULL);
	sv_test_refused_with(sv_render_autodiscover, pv,
		&pv->servers[1].username, "%EMAILADDRESS", NULL);
	sv_free(pv->servers[1].username);
	pv->servers[1].username = NULL;
	sv_test_render_ok(sv_render_autodiscover, pv);
	sv_free(pv->id);
	pv->id = NULL;
	sv_test_render_refused(sv_render_autodiscover, pv, NULL);
}

/* ---- error documents ---- */

/* 2026-01-02T13:05:12.0412345Z */
static const struct timespec fixed_time = { .tv_sec = 1767359112,
	.tv_nsec = 41234567 };

static void test_error_documents(void **state) {
	(void)state;
	static const struct {
		enum sv_autodiscover_error code;
		const char *name;
		const char *ns;
	} cases[] = {
		{ SV_AUTODISCOVER_ERROR_NO_ADDRESS, "error-500", NS_OUT },
		{ SV_AUTODISCOVER_ERROR_INVALID, "error-600",
			SV_AUTODISCOVER_NS_RESPONSE },
		{ SV_AUTODISCOVER_ERROR_SCHEMA, "error-601",
			SV_AUTODISCOVER_NS_RESPONSE },
		{ SV_AUTODISCOVER_ERROR_INTERNAL, "error-603",
			SV_AUTODISCOVER_NS_RESPONSE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sv_buf out;
		struct sv_err err = { "" };
		sv_buf_init(&out, OUT_MAX);
		assert_int_equal(sv_render_autodiscover_error(cases[i].code,
			&fixed_time, 2477272013u, &out, &err), SV_OK);
		check_xml(out.data, out.len, cases[i].ns);
		check_golden(cases[i].name, out.data, out.len);
		assert_non_null(strstr(out.data, "<Error Time=\"13:05:12."
			"0412345\" Id=\"2477272013\">"));
		char code[32];
		snprintf(code, sizeof(code), "<ErrorCode>%d</ErrorCode>",
			(int)cases[i].code);
		assert_non_null(strstr(out.data, code));
		assert_non_null(strstr(out.data, "<DebugData/>"));
		sv_buf_finish(&out);
	}
	/* bad input: nothing written, not even after earlier text */
	struct sv_buf out;
	sv_buf_init(&out, OUT_MAX);
	assert_int_equal(sv_buf_append_str(&out, "x"), SV_OK);
	assert_int_equal(sv_render_autodiscover_error(
		(enum sv_autodiscover_error)602, &fixed_time, 1, &out, NULL),
		SV_EINVAL);
	assert_null(out.data);
	struct timespec bad = { .tv_sec = 0, .tv_nsec = 1000000000L };
	assert_int_equal(sv_render_autodiscover_error(
		SV_AUTODISCOVER_ERROR_INVALID, &bad, 1, &out, NULL), SV_EINVAL);
	/* too small a buffer: SV_ETOOBIG, empty */
	sv_buf_init(&out, 64);
	assert_int_equal(sv_render_autodiscover_error(
		SV_AUTODISCOVER_ERROR_INVALID, &fixed_time, 1, &out, NULL),
		SV_ETOOBIG);
	assert_null(out.data);
}

/* ---- v2 ---- */

static void test_v2_json(void **state) {
	(void)state;
	struct sv_buf out;
	struct sv_err err = { "" };
	sv_buf_init(&out, OUT_MAX);
	assert_int_equal(sv_render_autodiscover_v2("xn--t-9fab.fr", &out,
		&err), SV_OK);
	assert_string_equal(out.data, "{\"Protocol\":\"AutodiscoverV1\","
		"\"Url\":\"https://autodiscover.xn--t-9fab.fr/autodiscover/"
		"autodiscover.xml\"}");
	sv_buf_finish(&out);
	assert_int_equal(sv_render_autodiscover_v2("Free.fr", &out, &err),
		SV_EINVAL);
	assert_int_equal(sv_render_autodiscover_v2("a\"b", &out, &err),
		SV_EINVAL);
	assert_null(out.data);

	assert_int_equal(sv_render_autodiscover_v2_error("InvalidProtocol",
		"value 'x\"<\\' \xc3\xa9", &out, &err), SV_OK);
	assert_string_equal(out.data, "{\"ErrorCode\":\"InvalidProtocol\","
		"\"ErrorMessage\":\"value 'x\\\"<\\\\' \\u00E9\"}");
	sv_buf_finish(&out);
	assert_int_equal(sv_render_autodiscover_v2_error("X", "\xc3(", &out,
		&err), SV_EINVAL);
	assert_null(out.data);
}

/* ---- allocation failures ---- */

/*
 * Each renderer under sv_test_buf_alloc_loop() (ours, libxml2's through
 * the hooks, and jansson's allocations fail in turn).
 */
static int render_settings(void *ctx, struct sv_buf *out) {
	struct sv_answer *a = NULL;
	int rc = sv_render_autodiscover(ctx, NULL, &a, NULL);
	if (rc != SV_OK) {
		return rc;
	}
	rc = sv_answer_fill(a, &ann, out);
	sv_answer_destroy(a);
	return rc;
}

static int render_error_600(void *ctx, struct sv_buf *out) {
	(void)ctx;
	return sv_render_autodiscover_error(SV_AUTODISCOVER_ERROR_INVALID,
		&fixed_time, 7, out, NULL);
}

static int render_v2(void *ctx, struct sv_buf *out) {
	(void)ctx;
	return sv_render_autodiscover_v2("free.fr", out, NULL);
}

static int render_v2_error(void *ctx, struct sv_buf *out) {
	(void)ctx;
	return sv_render_autodiscover_v2_error("InvalidProtocol", "no", out,
		NULL);
}

static void test_alloc_failures(void **state) {
	(void)state;
	struct sv_provider *pv = mixed_provider();
	assert_true(sv_test_buf_alloc_loop("settings", render_settings,
		pv) > 0);
	sv_provider_destroy(pv);
	assert_true(sv_test_buf_alloc_loop("error 600", render_error_600,
		NULL) > 0);
	assert_true(sv_test_buf_alloc_loop("v2", render_v2, NULL) > 0);
	assert_true(sv_test_buf_alloc_loop("v2 error", render_v2_error,
		NULL) > 0);
}

/* The providers the fixtures give the tests (SV_TEST_WITH). */
static struct sv_test_maker minimal_provider_maker = { minimal_provider };
static struct sv_test_maker mixed_provider_maker = { mixed_provider };
static struct sv_test_maker override_provider_maker = { override_provider };

int main(void) {
	/* jansson too, so that its allocations can be failed */
	json_set_alloc_funcs(sv_malloc, sv_free);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_thunderbird),
		cmocka_unit_test(test_request_tolerated_forms),
		cmocka_unit_test(test_request_refused),
		cmocka_unit_test(test_request_no_network),
		cmocka_unit_test(test_request_deep_and_long),
		cmocka_unit_test(test_request_size_cap),
		cmocka_unit_test(test_request_alloc_failures),
		cmocka_unit_test(test_request_depth_limit),
		cmocka_unit_test(test_xml_sax_as_tree),
		SV_TEST_WITH(test_render_minimal, minimal_provider_maker),
		SV_TEST_WITH(test_render_mixed, mixed_provider_maker),
		SV_TEST_WITH(test_render_dav, minimal_provider_maker),
		SV_TEST_WITH(test_render_plaintext_withheld, mixed_provider_maker),
		cmocka_unit_test(test_render_domain),
		SV_TEST_WITH(test_render_domain_dav, minimal_provider_maker),
		SV_TEST_WITH(test_render_mappings, mixed_provider_maker),
		SV_TEST_WITH(test_render_escaping_and_override, override_provider_maker),
		SV_TEST_WITH(test_render_rejects_bad_data, minimal_provider_maker),
		cmocka_unit_test(test_error_documents),
		cmocka_unit_test(test_v2_json),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, sv_test_xml_setup,
		sv_test_xml_teardown);
}
