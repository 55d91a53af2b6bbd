/* SPDX-License-Identifier: MIT */
/*
 * Tests for the Mozilla importer: every mapped field from a hand-written
 * fixture, every refusal with its line, the XML attacks (entity expansion,
 * external entities, XInclude), the size cap at N and N+1, allocation
 * failure at every point, and the real ISPDB corpus when it is present
 * next to the repository (../shared/ispdb).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libxml/parser.h>

#include "import/import_mozilla.h"
#include "util/alloc.h"

#include "test_base.h"

#define DATA_DIR SV_SOURCE_ROOT "/tests/data/import"
#define CORPUS_DIR SV_SOURCE_ROOT "/../shared/ispdb"

/* ------------------------------------------------------------------ */
/* Helpers */

/* Reads a whole file with libc (test code); NULL when absent. */
static char *slurp(const char *path, size_t *len) {
	FILE *f = fopen(path, "rb");
	*len = 0;
	if (f == NULL) {
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static int import_str(const char *doc, struct sv_provider **pv,
		struct sv_err *e) {
	return sv_import_mozilla_memory(doc, strlen(doc), "t.xml", pv, e);
}

/* Imports doc, expects success, returns the provider. */
static struct sv_provider *import_ok(const char *doc) {
	struct sv_provider *pv = NULL;
	struct sv_err e = { .msg = "" };
	int rc = import_str(doc, &pv, &e);
	if (rc != SV_OK) {
		fail_msg("unexpected error %d: %s", rc, e.msg);
	}
	assert_non_null(pv);
	return pv;
}

/* The provider of the file at path, which must import. */
static struct sv_provider *import_file_ok(const char *path) {
	struct sv_provider *pv = NULL;
	struct sv_err e = { .msg = "" };
	if (sv_import_mozilla_file(path, &pv, &e) != SV_OK) {
		fail_msg("%s: %s", path, e.msg);
	}
	return pv;
}

/*
 * What each server check starts with: host name, port, socket type,
 * username (NULL: absent) and the number of authentication methods.
 */
static void expect_server(const struct sv_server *s, const char *host,
		int port, enum sv_socket socket, const char *user, size_t n_auth) {
	sv_test_str_is("hostname", s->hostname, host);
	sv_test_int_is("port", s->port, port);
	sv_test_int_is("socket", s->socket, socket);
	sv_test_str_is("username", s->username, user);
	sv_test_int_is("n_auth", (long long)s->n_auth, (long long)n_auth);
}

/* A link as the import must give it: kind, URL, texts (lang NULL: none). */
struct want_link {
	enum sv_link_kind kind;
	const char *url;
	size_t n_texts;
	struct {
		const char *lang, *text;
	} texts[3];
};

/* pv's links must be the n links want, in order. */
static void expect_links(const struct sv_provider *pv,
		const struct want_link *want, size_t n) {
	sv_test_int_is("links", (long long)pv->n_links, (long long)n);
	for (size_t i = 0; i < n; i++) {
		const struct sv_link *l = &pv->links[i];
		sv_test_int_is(want[i].url, l->kind, want[i].kind);
		sv_test_str_is(want[i].url, l->url, want[i].url);
		sv_test_int_is(want[i].url, (long long)l->n_texts,
			(long long)want[i].n_texts);
		for (size_t k = 0; k < want[i].n_texts; k++) {
			sv_test_str_is(want[i].url, l->texts[k].lang,
				want[i].texts[k].lang);
			sv_test_str_is(want[i].url, l->texts[k].text,
				want[i].texts[k].text);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Documents built around one imap server, with known line numbers */

#define HEAD \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"   /* 1 */ \
	"<clientConfig version=\"1.1\">\n"                /* 2 */ \
	"<emailProvider id=\"example.com\">\n"            /* 3 */ \
	"<domain>example.com</domain>\n"                  /* 4 */
#define IMAP_OPEN "<incomingServer type=\"imap\">\n" /* 5 */
#define L_HOST "<hostname>imap.example.com</hostname>\n" /* 6 */
#define L_PORT "<port>993</port>\n"                      /* 7 */
#define L_SOCK "<socketType>SSL</socketType>\n"          /* 8 */
#define L_USER "<username>%EMAILADDRESS%</username>\n"   /* 9 */
#define L_AUTH "<authentication>password-cleartext</authentication>\n"
#define IMAP_CLOSE "</incomingServer>\n"
#define SMTP \
	"<outgoingServer type=\"smtp\"><hostname>smtp.example.com</hostname>" \
	"<port>587</port><socketType>STARTTLS</socketType>" \
	"<username>%EMAILADDRESS%</username>" \
	"<authentication>password-cleartext</authentication>" \
	"</outgoingServer>\n"
#define TAIL "</emailProvider>\n</clientConfig>\n"
/* one-line rows, for the limits */
#define IMAP_LINE "<incomingServer type=\"imap\">" \
	"<hostname>imap.example.com</hostname><port>993</port>" \
	"<socketType>SSL</socketType><authentication>password-cleartext" \
	"</authentication></incomingServer>\n"
#define ACCOUNT_LINE "<incomingServer type=\"jmap\">" \
	"<url>https://jmap.example.com/</url>" \
	"<authentication>OAuth2</authentication></incomingServer>\n"
#define CALENDAR_LINE "<calendar type=\"caldav\">" \
	"<url>https://dav.example.com/</url>" \
	"<authentication system=\"http\">Basic</authentication>" \
	"</calendar>\n"
/* body replaces lines 6.. of the imap section */
#define DOC(body) HEAD IMAP_OPEN body IMAP_CLOSE SMTP TAIL
#define GOOD_BODY L_HOST L_PORT L_SOCK L_USER L_AUTH
#define GOOD DOC(GOOD_BODY)
/* extra lines start at line 11 */
#define DOC_EXTRA(extra) DOC(GOOD_BODY extra)
/* after the provider's domain (line 5 on) */
#define DOC_PROVIDER(extra) HEAD extra IMAP_OPEN GOOD_BODY IMAP_CLOSE SMTP TAIL
/* under clientConfig, after emailProvider (line 14 on) */
#define DOC_ROOT(extra) \
	HEAD IMAP_OPEN GOOD_BODY IMAP_CLOSE SMTP "</emailProvider>\n" extra \
	"</clientConfig>\n"

struct bad_case {
	const char *what;
	const char *doc;
	int rc;
	const char *msg; /* expected message, or its prefix when prefix */
	bool prefix;
};

static const struct bad_case bad_cases[] = {
	/* the document */
	{ "empty", "", SV_EINVAL, "t.xml:1: empty document", false },
	{ "malformed", "<clientConfig>\n<emailProvider>\n</clientConfig>\n",
		SV_EINVAL, "t.xml:3: Opening and ending tag mismatch", true },
	{ "unclosed", HEAD, SV_EINVAL, "t.xml:5: ", true },
	{ "not xml", "hello", SV_EINVAL,
		"t.xml:1: not a UTF-8 XML document (it must start with '<')",
		false },
	{ "utf-16 bom", "\xff\xfe<\0", SV_EINVAL,
		"t.xml:1: UTF-16 byte order mark: the document must be UTF-8",
		false },
	{ "latin-1 declared",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
		"<clientConfig/>\n", SV_EINVAL,
		"t.xml:1: encoding 'ISO-8859-1' is not UTF-8", false },
	{ "windows-1252 declared with a high byte",
		"<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n"
		"<clientConfig><x>caf\xe9</x></clientConfig>\n", SV_EINVAL,
		"t.xml:1: encoding 'windows-1252' is not UTF-8", false },
	{ "unknown encoding",
		"<?xml version=\"1.0\" encoding=\"x-klingon\"?>\n<a/>\n",
		SV_EINVAL, "t.xml:1: Unsupported encoding x-klingon", false },
	{ "latin-1 bytes undeclared", DOC_PROVIDER(
		"<displayName>caf\xe9</displayName>\n"), SV_EINVAL,
		"t.xml:5: Input is not proper UTF-8", true },
	{ "undefined entity", DOC_PROVIDER(
		"<displayName>a&nbsp;b</displayName>\n"), SV_EINVAL,
		"t.xml:5: Entity 'nbsp' not defined", false },
	{ "undeclared namespace prefix", DOC_PROVIDER("<x:y/>\n"), SV_EINVAL,
		"t.xml:5: Namespace prefix x on y is not defined", false },

	/* DTDs: refused before any declaration is read */
	{ "billion laughs",
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE clientConfig [\n"
		"<!ENTITY a \"aaaaaaaaaaaaaaaa\">\n"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
		"<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
		"<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
		"<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
		"<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
		"<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
		"]>\n"
		"<clientConfig><emailProvider id=\"example.com\">"
		"<displayName>&g;</displayName></emailProvider>"
		"</clientConfig>\n", SV_EINVAL,
		"t.xml:2: DOCTYPE is not allowed (no DTD, no entity "
		"declarations)", false },
	{ "external entity",
		"<!DOCTYPE clientConfig [\n"
		"<!ENTITY x SYSTEM \"file:///etc/passwd\">\n]>\n"
		"<clientConfig><emailProvider id=\"example.com\">"
		"<displayName>&x;</displayName></emailProvider>"
		"</clientConfig>\n", SV_EINVAL,
		"t.xml:1: DOCTYPE is not allowed (no DTD, no entity "
		"declarations)", false },
	{ "external DTD",
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE clientConfig SYSTEM "
		"\"http://127.0.0.1:9/config.dtd\">\n<clientConfig/>\n",
		SV_EINVAL, "t.xml:2: DOCTYPE is not allowed (no DTD, no entity "
		"declarations)", false },

	/* root and provider */
	{ "wrong root", "<?xml version=\"1.0\"?>\n<config/>\n", SV_EINVAL,
		"t.xml:2: root element is config, expected clientConfig",
		false },
	{ "root in a namespace",
		"<clientConfig xmlns=\"urn:example\"/>\n", SV_EINVAL,
		"t.xml:1: root element is clientConfig in namespace "
		"'urn:example', expected clientConfig without namespace",
		false },
	{ "no emailProvider",
		"<?xml version=\"1.0\"?>\n<clientConfig version=\"1.1\">\n"
		"<webMail><loginPage url=\"https://w.example.com/\"/>"
		"</webMail>\n</clientConfig>\n", SV_EINVAL,
		"t.xml:2: <clientConfig> has no <emailProvider>", false },
	{ "two emailProviders", DOC_ROOT(
		"<emailProvider id=\"example.org\">\n"
		"<domain>example.org</domain></emailProvider>\n"), SV_EINVAL,
		"t.xml:14: second <emailProvider> (the first is at line 3)",
		false },
	{ "no id", "<clientConfig>\n<emailProvider>\n"
		"<domain>example.com</domain></emailProvider>\n"
		"</clientConfig>\n", SV_EINVAL,
		"t.xml:2: <emailProvider> has no id attribute", false },
	{ "upper-case id", "<clientConfig>\n"
		"<emailProvider id=\"Example.com\">\n"
		"<domain>example.com</domain></emailProvider>\n"
		"</clientConfig>\n", SV_EINVAL,
		"t.xml:2: emailProvider id 'Example.com' is not a lower-case "
		"host name", false },
	{ "no domain", "<clientConfig>\n"
		"<emailProvider id=\"example.com\">\n"
		"<displayName>Example</displayName></emailProvider>\n"
		"</clientConfig>\n", SV_EINVAL,
		"t.xml:2: <emailProvider> has no <domain>", false },
	{ "upper-case domain", DOC_PROVIDER(
		"<domain>Example.org</domain>\n"), SV_EINVAL,
		"t.xml:5: domain: 'Example.org' is not a lower-case domain "
		"name", false },
	{ "empty domain", DOC_PROVIDER("<domain>\n</domain>\n"), SV_EINVAL,
		"t.xml:5: <domain> is empty", false },
	{ "duplicate displayName", DOC_PROVIDER(
		"<displayName>A</displayName>\n<displayName>B</displayName>\n"),
		SV_EINVAL, "t.xml:6: duplicate <displayName>", false },

	/* servers */
	{ "unknown server type", HEAD
		"<incomingServer type=\"nntp\">\n"
		"<url>https://news.example.com/</url></incomingServer>\n"
		SMTP TAIL, SV_EINVAL,
		"t.xml:5: incomingServer type 'nntp' is not supported", false },
	{ "URL server without authentication", HEAD
		"<incomingServer type=\"jmap\">\n"
		"<url>https://jmap.example.com/</url></incomingServer>\n"
		SMTP TAIL, SV_EINVAL,
		"t.xml:5: incomingServer (jmap) has no <authentication>", false },
	{ "URL server without url", HEAD
		"<incomingServer type=\"activeSync\">\n"
		"<authentication>OAuth2</authentication></incomingServer>\n"
		SMTP TAIL, SV_EINVAL,
		"t.xml:5: incomingServer (activesync) has no <url>", false },
	{ "URL server over http", HEAD
		"<incomingServer type=\"ews\">\n"
		"<url>http://ex.example.com/EWS/Exchange.asmx</url>\n"
		"<authentication>password-cleartext</authentication>"
		"</incomingServer>\n" SMTP TAIL, SV_EINVAL,
		"t.xml:5: service 1 (ews): url: plain http is refused: ews "
		"clients send the password with every request and accept "
		"https only", false },
	{ "URL server with an unknown method", HEAD
		"<incomingServer type=\"ews\">\n"
		"<url>https://ex.example.com/EWS/Exchange.asmx</url>\n"
		"<authentication>NTLM</authentication></incomingServer>\n"
		SMTP TAIL, SV_EINVAL,
		"t.xml:7: authentication: unknown method 'NTLM' "
		"(system=\"http\" Basic or Digest, or OAuth2)", false },
	{ "server without type", HEAD "<incomingServer>\n" GOOD_BODY
		IMAP_CLOSE SMTP TAIL, SV_EINVAL,
		"t.xml:5: <incomingServer> has no type attribute", false },
	{ "smtp as incoming", HEAD "<incomingServer type=\"smtp\">\n"
		GOOD_BODY IMAP_CLOSE SMTP TAIL, SV_EINVAL,
		"t.xml:5: incomingServer type 'smtp' is not allowed here "
		"(smtp is outgoing)", false },
	{ "imap as outgoing", HEAD "<outgoingServer type=\"imap\">\n"
		GOOD_BODY "</outgoingServer>\n" TAIL, SV_EINVAL,
		"t.xml:5: outgoingServer type 'imap' is not allowed here "
		"(smtp only)", false },
	{ "missing hostname", DOC(L_PORT L_SOCK L_USER L_AUTH), SV_EINVAL,
		"t.xml:5: incomingServer (imap) has no <hostname>", false },
	{ "missing port", DOC(L_HOST L_SOCK L_USER L_AUTH), SV_EINVAL,
		"t.xml:5: incomingServer (imap) has no <port>", false },
	{ "missing socketType", DOC(L_HOST L_PORT L_USER L_AUTH), SV_EINVAL,
		"t.xml:5: incomingServer (imap) has no <socketType>", false },
	{ "missing authentication", DOC(L_HOST L_PORT L_SOCK L_USER),
		SV_EINVAL, "t.xml:5: incomingServer (imap) has no "
		"<authentication>", false },
	{ "url server without url", HEAD "<incomingServer type=\"ews\">\n"
		L_USER L_AUTH IMAP_CLOSE SMTP TAIL, SV_EINVAL,
		"t.xml:5: incomingServer (ews) has no <url>", false },
	{ "empty hostname", DOC("<hostname> </hostname>\n" L_PORT L_SOCK
		L_USER L_AUTH), SV_EINVAL, "t.xml:6: <hostname> is empty",
		false },
	{ "duplicate hostname", DOC(L_HOST L_HOST L_PORT L_SOCK L_USER
		L_AUTH), SV_EINVAL, "t.xml:7: duplicate <hostname>", false },
	{ "bad hostname", DOC("<hostname>imap example.com</hostname>\n"
		L_PORT L_SOCK L_USER L_AUTH), SV_EINVAL,
		"t.xml:6: hostname: host name: character ' ' not allowed",
		true },
	{ "unknown placeholder in hostname", DOC(
		"<hostname>mail.%FOO%</hostname>\n" L_PORT L_SOCK L_USER
		L_AUTH), SV_EINVAL,
		"t.xml:6: hostname: unknown placeholder %FOO%", true },
	{ "port 0", DOC(L_HOST "<port>0</port>\n" L_SOCK L_USER L_AUTH),
		SV_EINVAL, "t.xml:7: port: '0' is not in 1..65535", false },
	{ "port 65536", DOC(L_HOST "<port>65536</port>\n" L_SOCK L_USER
		L_AUTH), SV_EINVAL, "t.xml:7: port: '65536' is not in 1..65535",
		false },
	{ "port 99x", DOC(L_HOST "<port>99x</port>\n" L_SOCK L_USER L_AUTH),
		SV_EINVAL, "t.xml:7: port: '99x' is not in 1..65535", false },
	{ "port -1", DOC(L_HOST "<port>-1</port>\n" L_SOCK L_USER L_AUTH),
		SV_EINVAL, "t.xml:7: port: '-1' is not in 1..65535", false },
	{ "port +993", DOC(L_HOST "<port>+993</port>\n" L_SOCK L_USER
		L_AUTH), SV_EINVAL, "t.xml:7: port: '+993' is not in 1..65535",
		false },
	{ "port 9 93", DOC(L_HOST "<port>9 93</port>\n" L_SOCK L_USER
		L_AUTH), SV_EINVAL, "t.xml:7: port: '9 93' is not in 1..65535",
		false },
	{ "port huge", DOC(L_HOST
		"<port>99999999999999999999999</port>\n" L_SOCK L_USER L_AUTH),
		SV_EINVAL, "t.xml:7: port: '99999999999999999999999' is not in "
		"1..65535", false },
	{ "port with a newline inside", DOC(L_HOST "<port>9\n93</port>\n"
		L_SOCK L_USER L_AUTH), SV_EINVAL,
		"t.xml:7: port: '9?93' is not in 1..65535", false },
	{ "empty port", DOC(L_HOST "<port/>\n" L_SOCK L_USER L_AUTH),
		SV_EINVAL, "t.xml:7: <port> is empty", false },
	{ "socketType ssl", DOC(L_HOST L_PORT
		"<socketType>ssl</socketType>\n" L_USER L_AUTH), SV_EINVAL,
		"t.xml:8: socketType: 'ssl' is not plain, SSL or STARTTLS",
		false },
	{ "two socketTypes", DOC(L_HOST L_PORT L_SOCK L_SOCK L_USER L_AUTH),
		SV_EINVAL, "t.xml:9: duplicate <socketType>", false },
	{ "unterminated placeholder", DOC(L_HOST L_PORT L_SOCK
		"<username>%EMAILADDRESS</username>\n" L_AUTH), SV_EINVAL,
		"t.xml:9: username: placeholder %EMAILADDRESS is missing its "
		"closing '%'", false },
	{ "unknown authentication", DOC(L_HOST L_PORT L_SOCK L_USER
		"<authentication>kerberos</authentication>\n"), SV_EINVAL,
		"t.xml:10: authentication: unknown method 'kerberos'", false },
	{ "authentication in the wrong case", DOC(L_HOST L_PORT L_SOCK L_USER
		"<authentication>oauth2</authentication>\n"), SV_EINVAL,
		"t.xml:10: authentication: unknown method 'oauth2'", false },
	{ "nine authentication methods", DOC(L_HOST L_PORT L_SOCK L_USER
		L_AUTH L_AUTH L_AUTH L_AUTH L_AUTH L_AUTH L_AUTH L_AUTH L_AUTH),
		SV_EINVAL, "t.xml:18: authentication: more than 8 methods",
		false },
	{ "bad boolean", DOC_EXTRA(
		"<useGlobalPreferredServer>yes</useGlobalPreferredServer>\n"),
		SV_EINVAL, "t.xml:11: useGlobalPreferredServer: 'yes' is not "
		"true or false", false },
	{ "boolean 1", DOC_EXTRA("<pop3>\n"
		"<leaveMessagesOnServer>1</leaveMessagesOnServer></pop3>\n"),
		SV_EINVAL, "t.xml:12: leaveMessagesOnServer: '1' is not true "
		"or false", false },
	{ "negative days", DOC_EXTRA("<pop3>\n<daysToLeaveMessagesOnServer>"
		"-3</daysToLeaveMessagesOnServer></pop3>\n"), SV_EINVAL,
		"t.xml:12: daysToLeaveMessagesOnServer: '-3' is not in "
		"0..2147483647", false },
	{ "check interval 0", DOC_EXTRA("<pop3>\n"
		"<checkInterval minutes=\"0\"/></pop3>\n"), SV_EINVAL,
		"t.xml:12: minutes: '0' is not in 1..2147483647", false },
	{ "check interval without minutes", DOC_EXTRA("<pop3>\n"
		"<checkInterval/></pop3>\n"), SV_EINVAL,
		"t.xml:12: <checkInterval> has no minutes attribute", false },
	{ "two pop3 sections", DOC_EXTRA("<pop3/>\n<pop3/>\n"), SV_EINVAL,
		"t.xml:12: duplicate <pop3>", false },

	/* links, webmail, oauth2 */
	{ "documentation without url", DOC_PROVIDER(
		"<documentation>\n<descr>x</descr></documentation>\n"),
		SV_EINVAL, "t.xml:5: <documentation> has no url attribute",
		false },
	{ "enable with empty visiturl", DOC_PROVIDER(
		"<enable visiturl=\"\"/>\n"), SV_EINVAL,
		"t.xml:5: <enable visiturl> is empty", false },
	{ "empty descr", DOC_PROVIDER(
		"<documentation url=\"https://example.com/\">\n"
		"<descr lang=\"en\">   </descr></documentation>\n"), SV_EINVAL,
		"t.xml:6: <descr> is empty", false },
	{ "webMail without loginPage", DOC_ROOT("<webMail>\n"
		"<loginPageInfo url=\"https://w.example.com/\"/></webMail>\n"),
		SV_EINVAL, "t.xml:14: <webMail> has no <loginPage>", false },
	{ "two webMails", DOC_ROOT(
		"<webMail><loginPage url=\"https://w.example.com/\"/>"
		"</webMail>\n<webMail/>\n"), SV_EINVAL,
		"t.xml:15: duplicate <webMail>", false },
	{ "oAuth2 without tokenURL", DOC_ROOT("<oAuth2>\n"
		"<issuer>auth.example.com</issuer><scope>mail</scope>\n"
		"<authURL>https://auth.example.com/a</authURL></oAuth2>\n"),
		SV_EINVAL, "t.xml:14: <oAuth2> has no <tokenURL>", false },

	/* found by sv_provider_validate, located by the importer */
	{ "auth listed twice", DOC(L_HOST L_PORT L_SOCK L_USER L_AUTH
		L_AUTH), SV_EINVAL, "t.xml:5: server 1 (imap): authentication "
		"2: password-cleartext is already listed", false },
	{ "outgoing-only auth on imap", DOC(L_HOST L_PORT L_SOCK L_USER
		"<authentication>none</authentication>\n"), SV_EINVAL,
		"t.xml:5: server 1 (imap): authentication 1: none is for "
		"outgoing (smtp) servers only", false },
	{ "pop3 options on imap", DOC_EXTRA("<pop3/>\n"), SV_EINVAL,
		"t.xml:5: server 1 (imap): pop3: options are for pop3 servers "
		"only", false },
	{ "second server", HEAD IMAP_OPEN GOOD_BODY IMAP_CLOSE
		"<outgoingServer type=\"smtp\">\n<hostname>smtp.example.com"
		"</hostname><port>25</port><socketType>plain</socketType>"
		"<authentication>none</authentication>"
		"<owaURL>https://x.example.com/</owaURL>"
		"</outgoingServer>\n" TAIL, SV_EINVAL,
		"t.xml:12: server 2 (smtp): owa/ews URL: only exchange servers "
		"have them", false },
	{ "domain listed twice", DOC_PROVIDER("<domain>example.org</domain>\n"
		"<domain>example.com</domain>\n"), SV_EINVAL,
		"t.xml:6: domain 3: 'example.com' repeats domain 1", false },
	{ "displayName too long", DOC_PROVIDER("<displayName>"
		"0123456789012345678901234567890123456789012345678901234567890"
		"</displayName>\n"), SV_EINVAL, "t.xml:5: display_name: 61 "
		"characters is more than the 60 allowed", false },
	{ "link url not http", DOC_PROVIDER(
		"<documentation url=\"https://example.com/\"/>\n"
		"<documentation url=\"ftp://example.com/\"/>\n"), SV_EINVAL,
		"t.xml:6: link 2 (documentation): url: 'ftp://example.com/' is "
		"not an http or https URL", false },
	{ "root enable url not http", DOC_ROOT(
		"<enable visiturl=\"example.com\"/>\n"), SV_EINVAL,
		"t.xml:14: link 1 (enable): url: 'example.com' is not an http "
		"or https URL", false },
	{ "bad lang", DOC_PROVIDER(
		"<documentation url=\"https://example.com/\">\n"
		"<descr lang=\"en us\">x</descr></documentation>\n"), SV_EINVAL,
		"t.xml:5: link 1 (documentation): text 1: lang: 'en us' is not "
		"a language tag", false },
	{ "webmail url", DOC_ROOT("<webMail>\n<loginPage url=\"w\"/>"
		"</webMail>\n"), SV_EINVAL, "t.xml:14: webmail: login page: "
		"'w' is not an http or https URL", false },
	{ "redirection prefix not a URL", DOC_ROOT("<webMail>\n"
		"<loginPage url=\"https://w.example.com/\"/>\n"
		"<loginPageInfo url=\"https://w.example.com/\"\n"
		" waitForRedirectionURLPrefix=\"w.example.com\"/>"
		"</webMail>\n"), SV_EINVAL, "t.xml:14: webmail: redirection URL "
		"prefix: 'w.example.com' is not an http or https URL", false },
};

static void test_bad_documents(void **state) {
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]);
			i++) {
		const struct bad_case *c = &bad_cases[i];
		struct sv_provider *pv = NULL;
		struct sv_err e = { .msg = "" };
		int rc = import_str(c->doc, &pv, &e);
		bool match = c->prefix ?
			strncmp(e.msg, c->msg, strlen(c->msg)) == 0 :
			strcmp(e.msg, c->msg) == 0;
		if (rc != c->rc || !match || pv != NULL) {
			sv_provider_destroy(pv);
			fail_msg("case '%s': rc %d (want %d), message\n"
				"  got:  %s\n  want: %s%s", c->what, rc, c->rc,
				e.msg, c->msg, c->prefix ? "..." : "");
		}
	}
}

/* ------------------------------------------------------------------ */
/* Byte-level refusals */

static void test_nul_byte(void **state) {
	(void)state;
	static const char doc[] = "<clientConfig>\n<emailProvider id=\"a\0b\"/>"
		"</clientConfig>";
	struct sv_provider *pv = NULL;
	struct sv_err e;
	assert_int_equal(sv_import_mozilla_memory(doc, sizeof(doc) - 1, "t.xml",
		&pv, &e), SV_EINVAL);
	assert_string_equal(e.msg, "t.xml:2: NUL byte in the document");
	assert_null(pv);
	/* a NUL right after a complete document is refused as well */
	static const char doc2[] = GOOD;
	assert_int_equal(sv_import_mozilla_memory(doc2, sizeof(doc2), "t.xml",
		&pv, &e), SV_EINVAL);
	assert_string_equal(e.msg, "t.xml:15: NUL byte in the document");
	assert_null(pv);
}

static void test_empty_and_null(void **state) {
	(void)state;
	struct sv_provider *pv = NULL;
	struct sv_err e;
	assert_int_equal(sv_import_mozilla_memory(NULL, 0, "t.xml", &pv, &e),
		SV_EINVAL);
	assert_string_equal(e.msg, "t.xml:1: empty document");
	assert_int_equal(sv_import_mozilla_memory("  \n", 3, NULL, &pv, &e),
		SV_EINVAL);
	assert_string_equal(e.msg, "<memory>:2: Start tag expected, '<' not "
		"found");
	/* err may be NULL */
	assert_int_equal(sv_import_mozilla_memory("<a>", 3, "t", &pv, NULL),
		SV_EINVAL);
	assert_null(pv);
}

/* Pads GOOD with trailing spaces to exactly n bytes. */
static char *padded(size_t n) {
	static const char good[] = GOOD;
	assert_true(n >= sizeof(good) - 1);
	char *buf = malloc(n);
	assert_non_null(buf);
	memcpy(buf, good, sizeof(good) - 1);
	memset(buf + sizeof(good) - 1, ' ', n - (sizeof(good) - 1));
	return buf;
}

static void test_size_cap(void **state) {
	(void)state;
	struct sv_provider *pv = NULL;
	struct sv_err e;
	char *buf = padded(SV_IMPORT_MAX_FILE + 1);
	assert_int_equal(sv_import_mozilla_memory(buf, SV_IMPORT_MAX_FILE,
		"t.xml", &pv, &e), SV_OK);
	sv_provider_destroy(pv);
	pv = NULL;
	assert_int_equal(sv_import_mozilla_memory(buf, SV_IMPORT_MAX_FILE + 1,
		"t.xml", &pv, &e), SV_ETOOBIG);
	assert_string_equal(e.msg, "t.xml: 1048577 bytes, over the import "
		"limit of 1048576 bytes");
	assert_null(pv);

	/* the same through a file */
	char path[] = "/tmp/test_import_mozilla.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, SV_IMPORT_MAX_FILE + 1),
		SV_IMPORT_MAX_FILE + 1);
	close(fd);
	assert_int_equal(sv_import_mozilla_file(path, &pv, &e), SV_ETOOBIG);
	assert_null(pv);
	assert_non_null(strstr(e.msg, ": 1048577 bytes, over the import "
		"limit of 1048576 bytes"));
	assert_int_equal(truncate(path, SV_IMPORT_MAX_FILE), 0);
	assert_int_equal(sv_import_mozilla_file(path, &pv, &e), SV_OK);
	sv_provider_destroy(pv);
	unlink(path);
	free(buf);
}

static void test_file_errors(void **state) {
	(void)state;
	struct sv_provider *pv = NULL;
	struct sv_err e;
	assert_int_equal(sv_import_mozilla_file(DATA_DIR "/no-such.xml", &pv,
		&e), SV_ENOTFOUND);
	assert_string_equal(e.msg, DATA_DIR "/no-such.xml: No such file or "
		"directory");
	assert_int_equal(sv_import_mozilla_file(DATA_DIR, &pv, &e),
		SV_EINVAL);
	assert_string_equal(e.msg, DATA_DIR ": not a regular file");
	assert_null(pv);
}

/* Line numbers past 65535 (libxml2 needs XML_PARSE_BIG_LINES for them). */
static void test_big_line_numbers(void **state) {
	(void)state;
	static const char head[] = HEAD;
	static const char tail[] = "<domain>BAD</domain>\n" TAIL;
	enum { BLANK = 70000 };
	static char doc[sizeof(head) - 1 + BLANK + sizeof(tail)];
	memcpy(doc, head, sizeof(head) - 1);
	memset(doc + sizeof(head) - 1, '\n', BLANK);
	memcpy(doc + sizeof(head) - 1 + BLANK, tail, sizeof(tail));
	struct sv_provider *pv = NULL;
	struct sv_err e;
	assert_int_equal(import_str(doc, &pv, &e), SV_EINVAL);
	assert_string_equal(e.msg, "t.xml:70005: domain: 'BAD' is not a "
		"lower-case domain name");
}

/* head, n copies of body (one line each), then tail; malloc'd. */
static char *repeated(const char *head, const char *body, size_t n,
		const char *tail) {
	size_t len = strlen(head) + n * strlen(body) + strlen(tail) + 1;
	char *doc = malloc(len);
	assert_non_null(doc);
	strcpy(doc, head);
	for (size_t i = 0; i < n; i++) {
		strcat(doc, body);
	}
	strcat(doc, tail);
	return doc;
}

/*
 * The importer's row limits (imp_room): the first row too many fails at
 * its own line and nothing is returned; one row fewer imports.
 */
static void test_row_limits(void **state) {
	(void)state;
	static const struct {
		const char *head, *body, *tail, *msg;
		size_t n_ok; /* rows of body that fit; one more fails */
	} cases[] = {
		/* the smtp server (line 5) and imap ones from line 6 */
		{ HEAD SMTP, IMAP_LINE, TAIL, "t.xml:69: more than 64 servers",
			SV_MODEL_MAX_SERVERS - 1 },
		{ HEAD, ACCOUNT_LINE, SMTP TAIL,
			"t.xml:37: more than 32 services",
			SV_MODEL_MAX_SERVICES },
		/* calendars are services too, sections from line 7 */
		{ HEAD SMTP "</emailProvider>\n", CALENDAR_LINE,
			"</clientConfig>\n", "t.xml:39: more than 32 services",
			SV_MODEL_MAX_SERVICES },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct sv_provider *pv = NULL;
		struct sv_err e = { .msg = "" };
		char *doc = repeated(cases[i].head, cases[i].body,
			cases[i].n_ok + 1, cases[i].tail);
		assert_int_equal(import_str(doc, &pv, &e), SV_EINVAL);
		assert_string_equal(e.msg, cases[i].msg);
		assert_null(pv);
		free(doc);
		doc = repeated(cases[i].head, cases[i].body, cases[i].n_ok,
			cases[i].tail);
		sv_provider_destroy(import_ok(doc));
		free(doc);
	}
}

/* ------------------------------------------------------------------ */
/* Attacks */

static double seconds_since(const struct timespec *t0) {
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
		(double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A DOCTYPE with ~1 MiB of entity declarations: stopped at its start. */
static void test_doctype_refused_quickly(void **state) {
	(void)state;
	static const char open[] = "<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE clientConfig [\n<!ENTITY a \"aaaaaaaa\">\n";
	static const char decl[] = "<!ENTITY b \"&a;&a;&a;&a;&a;&a;\">\n";
	static const char close[] = "]>\n<clientConfig>&b;</clientConfig>\n";
	size_t cap = SV_IMPORT_MAX_FILE;
	char *doc = malloc(cap);
	assert_non_null(doc);
	size_t n = 0;
	memcpy(doc, open, sizeof(open) - 1);
	n += sizeof(open) - 1;
	while (n + sizeof(decl) - 1 + sizeof(close) - 1 <= cap) {
		memcpy(doc + n, decl, sizeof(decl) - 1);
		n += sizeof(decl) - 1;
	}
	memcpy(doc + n, close, sizeof(close) - 1);
	n += sizeof(close) - 1;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct sv_provider *pv = NULL;
	struct sv_err e;
	assert_int_equal(sv_import_mozilla_memory(doc, n, "t.xml", &pv, &e),
		SV_EINVAL);
	double s = seconds_since(&t0);
	assert_string_equal(e.msg, "t.xml:2: DOCTYPE is not allowed (no DTD, "
		"no entity declarations)");
	assert_null(pv);
	assert_true(s < 0.5);
	free(doc);
}

/* XInclude is not processed: the element is ignored, nothing is read. */
static void test_xinclude_not_fetched(void **state) {
	(void)state;
	struct sv_provider *pv = import_ok(DOC_PROVIDER(
		"<displayName xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
		"Example<xi:include href=\"" DATA_DIR "/minimal.xml\" "
		"parse=\"text\"/></displayName>\n"
		"<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
		"href=\"" DATA_DIR "/full.xml\"/>\n"));
	assert_string_equal(pv->display_name, "Example");
	assert_int_equal(pv->n_domains, 1);
	assert_int_equal(pv->n_servers, 2);
	sv_provider_destroy(pv);
}

/* ------------------------------------------------------------------ */
/* Successful imports */

static void test_full_fixture(void **state) {
	(void)state;
	struct sv_provider *pv = import_file_ok(DATA_DIR "/full.xml");
	assert_string_equal(pv->id, "example.net");
	assert_string_equal(pv->display_name, "Example Networks Mail");
	assert_string_equal(pv->short_name, "ExNet"); /* from CDATA */
	assert_int_equal(pv->n_domains, 3);
	assert_string_equal(pv->domains[0], "example.net");
	assert_string_equal(pv->domains[1], "example.org"); /* trimmed */
	assert_string_equal(pv->domains[2], "mail-example.com");

	/* servers: document order, incoming and outgoing interleaved; the
	 * URL-based ews server is a service (below) */
	assert_int_equal(pv->n_servers, 5);
	static const enum sv_server_type types[] = { SV_SERVER_IMAP,
		SV_SERVER_SMTP, SV_SERVER_POP3, SV_SERVER_EXCHANGE,
		SV_SERVER_SMTP };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(pv->servers[i].type, types[i]);
		assert_int_equal(pv->servers[i].priority, 10 * (int)(i + 1));
		assert_null(pv->servers[i].domain);
		assert_int_equal(pv->servers[i].id, 0);
	}

	const struct sv_server *s = &pv->servers[0];
	expect_server(s, "imap.example.net", 993, SV_SOCKET_SSL,
		"%EMAILADDRESS%", 3);
	assert_int_equal(s->auth[0], SV_AUTH_OAUTH2);
	assert_int_equal(s->auth[1], SV_AUTH_PASSWORD_ENCRYPTED);
	assert_int_equal(s->auth[2], SV_AUTH_PASSWORD_CLEARTEXT);
	assert_int_equal(s->use_global_preferred_server, SV_TRUE); /* TRUE */
	assert_int_equal(s->add_this_server, SV_UNSET);
	assert_false(s->has_pop3);
	assert_null(s->url);
	assert_null(s->owa_url);
	assert_null(s->ews_url);
	assert_null(s->restriction);

	s = &pv->servers[1];
	expect_server(s, "smtp.%EMAILDOMAIN%", 465, SV_SOCKET_SSL,
		"%EMAILLOCALPART%", 2);
	assert_int_equal(s->auth[0], SV_AUTH_PASSWORD_CLEARTEXT);
	assert_int_equal(s->auth[1], SV_AUTH_CLIENT_IP_ADDRESS);
	assert_int_equal(s->add_this_server, SV_FALSE);
	assert_int_equal(s->use_global_preferred_server, SV_TRUE);
	assert_string_equal(s->restriction, "client-IP-address");

	s = &pv->servers[2];
	expect_server(s, "pop.example.net", 110, SV_SOCKET_STARTTLS,
		"%EMAILLOCALPART%%%EMAILDOMAIN%", 1);
	assert_true(s->has_pop3);
	assert_int_equal(s->pop3.leave_on_server, SV_TRUE); /* "True" */
	assert_int_equal(s->pop3.days_to_leave, 14);
	assert_int_equal(s->pop3.download_on_biff, SV_FALSE);
	assert_int_equal(s->pop3.check_interval_min, 15);
	assert_int_equal(s->use_global_preferred_server, SV_UNSET);

	s = &pv->servers[3];
	assert_string_equal(s->hostname, "exchange.example.net");
	assert_int_equal(s->port, 443);
	assert_int_equal(s->auth[0], SV_AUTH_NTLM);
	assert_string_equal(s->owa_url, "https://exchange.example.net/owa/");
	assert_string_equal(s->ews_url,
		"https://exchange.example.net/EWS/Exchange.asmx");

	/* between the exchange server (40) and the last smtp one (50) */
	assert_int_equal(pv->n_services, 1);
	const struct sv_service *ews = &pv->services[0];
	assert_int_equal(ews->type, SV_SERVICE_EWS);
	assert_int_equal(ews->priority, 45);
	assert_string_equal(ews->url,
		"https://exchange.example.net/EWS/Exchange.asmx");
	assert_string_equal(ews->username, "%EMAILADDRESS%");
	assert_int_equal(ews->n_auth, 1);
	assert_int_equal(ews->auth[0], SV_SAUTH_OAUTH2);

	s = &pv->servers[4];
	/* its username absent, not "" */
	expect_server(s, "relay.example.net", 25, SV_SOCKET_PLAIN, NULL, 1);
	assert_int_equal(s->auth[0], SV_AUTH_NONE);

	/* links in document order, the root-level <enable> last */
	static const struct want_link links[] = {
		{ SV_LINK_DOCUMENTATION, "https://help.example.net/mail?a=1&b=2",
			3, { { "en", "Mail settings" },
			{ "fr", "R\xc3\xa9glages de la messagerie" },
			{ NULL, "No language given" } } },
		{ SV_LINK_ENABLE, "https://example.net/settings/imap", 2,
			{ { "en", "Turn IMAP on first." },
			{ "de", "Zuerst IMAP einschalten." } } },
		{ SV_LINK_INSTRUCTION, "https://example.net/howto", 1,
			{ { "en", "How to set up your mail program" } } },
		{ SV_LINK_ENABLE, "https://example.net/settings/pop", 1,
			{ { NULL, "Turn POP on as well." } } },
	};
	expect_links(pv, links, SV_TEST_LEN(links));

	const struct sv_webmail *w = &pv->webmail;
	assert_string_equal(w->login_page, "https://webmail.example.net/");
	assert_string_equal(w->info_url, "https://webmail.example.net/login");
	assert_null(w->wait_redirect_prefix);
	assert_string_equal(w->username, "%EMAILADDRESS%");
	assert_string_equal(w->username_field_id, "user");
	assert_string_equal(w->username_field_name, "login.user");
	assert_null(w->password_field_id);
	assert_string_equal(w->password_field_name, "login.pass");
	assert_string_equal(w->login_button_id, "go");
	assert_null(w->login_button_name);

	assert_string_equal(pv->oauth2.issuer, "auth.example.net");
	assert_string_equal(pv->oauth2.scope, "imap smtp offline_access");
	assert_string_equal(pv->oauth2.auth_url,
		"https://auth.example.net/authorize");
	assert_string_equal(pv->oauth2.token_url,
		"https://auth.example.net/token");
	sv_provider_destroy(pv);
}

static void test_minimal_fixture(void **state) {
	(void)state;
	struct sv_provider *pv = import_file_ok(DATA_DIR "/minimal.xml");
	assert_string_equal(pv->id, "example.com");
	assert_null(pv->display_name);
	assert_null(pv->short_name);
	assert_int_equal(pv->n_domains, 1);
	assert_int_equal(pv->n_servers, 2);
	assert_int_equal(pv->servers[0].type, SV_SERVER_IMAP);
	assert_int_equal(pv->servers[0].priority, 10);
	assert_int_equal(pv->servers[1].type, SV_SERVER_SMTP);
	assert_int_equal(pv->servers[1].priority, 20);
	/* absent options stay absent */
	assert_false(pv->servers[0].has_pop3);
	assert_int_equal(pv->servers[0].pop3.days_to_leave, -1);
	assert_int_equal(pv->servers[0].pop3.check_interval_min, -1);
	assert_int_equal(pv->servers[0].pop3.leave_on_server, SV_UNSET);
	assert_int_equal(pv->servers[0].use_global_preferred_server,
		SV_UNSET);
	assert_int_equal(pv->n_links, 0);
	assert_null(pv->webmail.login_page);
	assert_null(pv->oauth2.issuer);
	sv_provider_destroy(pv);
}

/* t-online.de's <loginPageInfo waitForRedirectionURLPrefix>: kept
 * (the export lost it once: issue 16). */
static void test_login_page_info_wait_redirect_kept(void **state) {
	(void)state;
	struct sv_provider *pv = import_file_ok(SV_SOURCE_ROOT
		"/tests/data/roundtrip/t-online.de.xml");
	const struct sv_webmail *w = &pv->webmail;
	assert_string_equal(w->info_url,
		"https://accounts.login.idm.telekom.com/oauth2/auth");
	assert_string_equal(w->wait_redirect_prefix,
		"https://email.t-online.de/em");
	assert_string_equal(w->password_field_id, "pw_pwd");
	sv_provider_destroy(pv);
}

/* Comments, CDATA, character references, BOM, ignored and foreign
 * elements, surrounding white space. */
static void test_text_handling(void **state) {
	(void)state;
	struct sv_provider *pv = import_ok("\xef\xbb\xbf" DOC_PROVIDER(
		"<displayName>\n   Caf&#233; &amp; <!-- c -->Mail\t\n"
		"</displayName>\n"
		"<displayShortName>a<![CDATA[<b>]]>c</displayShortName>\n"
		"<x:displayName xmlns:x=\"urn:x\">ignored</x:displayName>\n"
		"<documentation url=\"https://example.com/?a=1&amp;b=2\"/>\n"
		"<unknownElement><domain>evil.example</domain>"
		"</unknownElement>\n"));
	assert_string_equal(pv->display_name, "Caf\xc3\xa9 & Mail");
	assert_string_equal(pv->short_name, "a<b>c");
	assert_int_equal(pv->n_domains, 1);
	assert_int_equal(pv->n_links, 1);
	assert_string_equal(pv->links[0].url, "https://example.com/?a=1&b=2");
	assert_int_equal(pv->links[0].n_texts, 0);
	sv_provider_destroy(pv);

	/* numbers and booleans may be indented too */
	pv = import_ok(DOC(L_HOST "<port>\n  0993\n</port>\n" L_SOCK L_USER
		L_AUTH "<useGlobalPreferredServer> fAlSe "
		"</useGlobalPreferredServer>\n"));
	assert_int_equal(pv->servers[0].port, 993);
	assert_int_equal(pv->servers[0].use_global_preferred_server,
		SV_FALSE);
	sv_provider_destroy(pv);
}

/* Every allocation failing in turn: SV_ENOMEM, never a crash or a leak. */
static void test_allocation_failures(void **state) {
	(void)state;
	size_t len;
	char *doc = slurp(DATA_DIR "/full.xml", &len);
	assert_non_null(doc);
	long n = 0;
	for (;; n++) {
		assert_true(n < 100000);
		struct sv_provider *pv = NULL;
		struct sv_err e = { .msg = "" };
		sv_alloc_fail_after(n);
		int rc = sv_import_mozilla_memory(doc, len, "full.xml", &pv,
			&e);
		sv_alloc_fail_after(-1);
		if (rc == SV_OK) {
			assert_non_null(pv);
			sv_provider_destroy(pv);
			break;
		}
		if (rc != SV_ENOMEM) {
			fail_msg("n=%ld: rc %d: %s", n, rc, e.msg);
		}
		assert_string_equal(e.msg, "full.xml: out of memory");
		assert_null(pv);
	}
	print_message("allocation failure: %ld failure points\n", n);
	assert_true(n > 50);
	free(doc);

	/* the file reader's own allocation */
	struct sv_provider *pv = NULL;
	struct sv_err e;
	sv_alloc_fail_after(0);
	int rc = sv_import_mozilla_file(DATA_DIR "/full.xml", &pv, &e);
	sv_alloc_fail_after(-1);
	assert_int_equal(rc, SV_ENOMEM);
	assert_null(pv);
}

/* ------------------------------------------------------------------ */
/* The ISPDB corpus */

/* Files with data errors, and the start of the message each must give. */
/* ------------------------------------------------------------------ */
/* --repair (issue #4) */

/* The repairs reported by one import, one per line. */
struct repairs {
	char text[4096];
	size_t n;
};

static void collect(void *ctx, const char *msg) {
	struct repairs *r = ctx;
	size_t at = strlen(r->text);
	snprintf(r->text + at, sizeof(r->text) - at, "%s\n", msg);
	r->n++;
}

static int import_repair(const char *doc, struct repairs *r,
		struct sv_provider **pv, struct sv_err *e) {
	struct sv_import_options opt = {
		.repair = true, .on_repair = collect, .ctx = r };
	memset(r, 0, sizeof(*r));
	return sv_import_mozilla_memory_ex(doc, strlen(doc), "t.xml", &opt,
		pv, e);
}

/* Every repair, each with its line; without --repair the same errors. */
#define REPAIRABLE \
	"<?xml version=\"1.0\"?>\n"                              /* 1 */ \
	"<clientConfig version=\"1.1\">\n"                       /* 2 */ \
	"<emailProvider id=\"Example.COM\">\n"                   /* 3 */ \
	"<domain>Example.com</domain>\n"                         /* 4 */ \
	"<domain>*.Hosted.example</domain>\n"                    /* 5 */ \
	"<domain>example.com</domain>\n"                         /* 6 */ \
	"<displayNameShort>Ex</displayNameShort>\n"              /* 7 */ \
	IMAP_OPEN                                                /* 8 */ \
	"<hostname>mail.%EMAILDOMAIN</hostname>\n"               /* 9 */ \
	L_PORT L_SOCK                                       /* 10, 11 */ \
	"<username>%EMAILLOCALPART%%%EMAILDOMAIN</username>\n"   /* 12 */ \
	L_AUTH IMAP_CLOSE SMTP                           /* 13, 14, 15 */ \
	"</emailProvider>\n"                                     /* 16 */ \
	"<webMail><loginPage url=\"https://w.example.com/\"/>\n" /* 17 */ \
	"<loginPageInfo url=\"https://w.example.com/\">\n"       /* 18 */ \
	"<username>%EMAILADDRESS</username>\n"                   /* 19 */ \
	"<loginButton/>\n"                                       /* 20 */ \
	"</loginPageInfo></webMail>\n"                           /* 21 */ \
	"</clientConfig>\n"

static void test_repairs(void **state) {
	(void)state;
	struct sv_provider *pv = NULL;
	struct sv_err e = { .msg = "" };
	assert_int_equal(import_str(REPAIRABLE, &pv, &e), SV_EINVAL);
	assert_string_equal(e.msg, "t.xml:3: emailProvider id 'Example.COM' "
		"is not a lower-case host name");
	assert_null(pv);

	struct repairs r;
	int rc = import_repair(REPAIRABLE, &r, &pv, &e);
	if (rc != SV_OK) {
		fail_msg("%s", e.msg);
	}
	assert_string_equal(r.text,
		"t.xml:3: repaired emailProvider id in upper case: "
		"'Example.COM' -> 'example.com'\n"
		"t.xml:4: repaired domain in upper case: 'Example.com' -> "
		"'example.com'\n"
		"t.xml:5: repaired domain in upper case: '*.Hosted.example' -> "
		"'*.hosted.example'\n"
		"t.xml:6: repaired domain listed twice: 'example.com' -> "
		"dropped\n"
		"t.xml:9: repaired hostname: placeholder without its closing "
		"'%': 'mail.%EMAILDOMAIN' -> 'mail.%EMAILDOMAIN%'\n"
		"t.xml:12: repaired username: placeholder without its closing "
		"'%': '%EMAILLOCALPART%%%EMAILDOMAIN' -> "
		"'%EMAILLOCALPART%%%EMAILDOMAIN%'\n"
		"t.xml:7: repaired <displayNameShort> (a typo) -> "
		"<displayShortName>\n"
		"t.xml:19: repaired username: placeholder without its closing "
		"'%': '%EMAILADDRESS' -> '%EMAILADDRESS%'\n");
	assert_int_equal(r.n, 8);
	assert_string_equal(pv->id, "example.com");
	assert_int_equal(pv->n_domains, 2);
	assert_string_equal(pv->domains[0], "example.com");
	assert_string_equal(pv->domains[1], "*.hosted.example");
	assert_string_equal(pv->short_name, "Ex");
	assert_string_equal(pv->servers[0].hostname, "mail.%EMAILDOMAIN%");
	assert_string_equal(pv->servers[0].username,
		"%EMAILLOCALPART%%%EMAILDOMAIN%");
	assert_string_equal(pv->webmail.username, "%EMAILADDRESS%");
	/* a bare <loginButton/> survives as an empty id */
	assert_non_null(pv->webmail.login_button_id);
	assert_string_equal(pv->webmail.login_button_id, "");
	assert_null(pv->webmail.login_button_name);
	sv_provider_destroy(pv);

	/* a callback is optional */
	struct sv_import_options quiet = { .repair = true };
	pv = NULL;
	assert_int_equal(sv_import_mozilla_memory_ex(REPAIRABLE,
		strlen(REPAIRABLE), "t.xml", &quiet, &pv, &e), SV_OK);
	sv_provider_destroy(pv);
}

/* What --repair leaves alone: it is not a typo, or not unambiguous. */
static void test_repair_limits(void **state) {
	(void)state;
	/* a document, and the start of the message that refuses it */
	static const struct sv_test_str_case cases[] = {
		{ DOC(L_HOST L_PORT L_SOCK "<username>%EMAILUSER%</username>\n"
			L_AUTH), "t.xml:9: username: unknown placeholder "
			"%EMAILUSER%" },
		{ DOC(L_HOST L_PORT L_SOCK "<username>%EMAILADDR</username>\n"
			L_AUTH), "t.xml:9: username: placeholder %EMAILADDR is "
			"missing its closing '%'" },
		{ DOC_PROVIDER("<domain>EXAMPLE..COM</domain>\n"),
			"t.xml:5: domain: 'EXAMPLE..COM' is not a lower-case "
			"domain name" },
		{ DOC_PROVIDER("<displayName>" "0123456789012345678901234567"
			"890123456789012345678901234567890</displayName>\n"),
			"t.xml:5: display_name: 61 characters is more than the "
			"60 allowed" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct repairs r;
		struct sv_provider *pv = NULL;
		struct sv_err e = { .msg = "" };
		assert_int_equal(import_repair(cases[i].in, &r, &pv, &e),
			SV_EINVAL);
		if (strncmp(e.msg, cases[i].want, strlen(cases[i].want)) != 0) {
			fail_msg("case %zu: %s", i, e.msg);
		}
		assert_null(pv);
	}
	/* exactly 20 characters (UTF-8: 20 code points) is kept */
	struct repairs r;
	struct sv_provider *pv = NULL;
	struct sv_err e = { .msg = "" };
	assert_int_equal(import_repair(DOC_PROVIDER("<displayShortName>"
		"\xc3\xa9" "0123456789012345678</displayShortName>\n"), &r, &pv,
		&e), SV_OK);
	assert_int_equal(r.n, 0);
	assert_non_null(pv->short_name);
	sv_provider_destroy(pv);
	/* 21 is dropped, and said */
	pv = NULL;
	assert_int_equal(import_repair(DOC_PROVIDER("<displayShortName>"
		"\xc3\xa9" "01234567890123456789</displayShortName>\n"), &r,
		&pv, &e), SV_OK);
	assert_int_equal(r.n, 1);
	assert_null(pv->short_name);
	sv_provider_destroy(pv);
	/* a well-formed document needs nothing */
	pv = NULL;
	assert_int_equal(import_repair(GOOD, &r, &pv, &e), SV_OK);
	assert_int_equal(r.n, 0);
	sv_provider_destroy(pv);
}

static void test_repair_allocation_failures(void **state) {
	(void)state;
	long n = 0;
	for (;; n++) {
		assert_true(n < 100000);
		struct repairs r;
		struct sv_provider *pv = NULL;
		struct sv_err e = { .msg = "" };
		sv_alloc_fail_after(n);
		int rc = import_repair(REPAIRABLE, &r, &pv, &e);
		sv_alloc_fail_after(-1);
		if (rc == SV_OK) {
			sv_provider_destroy(pv);
			break;
		}
		if (rc != SV_ENOMEM) {
			fail_msg("n=%ld: rc %d: %s", n, rc, e.msg);
		}
		assert_null(pv);
	}
	assert_true(n > 20);
}

static const struct {
	const char *file;
	const char *msg; /* after "<dir>/<file>:" */
} corpus_failures[] = {
	{ "cty-net.ne.jp.xml", "5: domain 2: 'cty-net.ne.jp' repeats "
		"domain 1" },
	{ "gransy.com.xml", "6: short_name: 25 characters is more than the "
		"20 allowed" },
	{ "messagingengine.com.xml", "3: emailProvider id 'MessagingEngine' "
		"is not a lower-case host name" },
	{ "office365.com.xml", "29: username: placeholder %EMAILADDRESS is "
		"missing its closing '%'" },
	{ "oxcloud-eu.xml", "3: emailProvider id 'OXCloud-EU' is not a "
		"lower-case host name" },
	{ "oxcloud-us.xml", "3: emailProvider id 'OXCloud-US' is not a "
		"lower-case host name" },
};

static int cmp_str(const void *a, const void *b) {
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus(void **state) {
	(void)state;
	DIR *dir = opendir(CORPUS_DIR);
	if (dir == NULL) {
		print_message("corpus: %s: %s: skipped\n", CORPUS_DIR,
			strerror(errno));
		skip();
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".xml") == 0) {
			names = realloc(names, (n + 1) * sizeof(*names));
			assert_non_null(names);
			names[n] = strdup(de->d_name);
			assert_non_null(names[n++]);
		}
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), cmp_str);

	size_t imported = 0, servers = 0, domains = 0, failed = 0;
	size_t nf = sizeof(corpus_failures) / sizeof(corpus_failures[0]);
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, names[i]);
		struct sv_provider *pv = NULL;
		struct sv_err e = { .msg = "" };
		int rc = sv_import_mozilla_file(path, &pv, &e);
		const char *want = NULL;
		for (size_t k = 0; k < nf; k++) {
			if (strcmp(names[i], corpus_failures[k].file) == 0) {
				want = corpus_failures[k].msg;
			}
		}
		if (rc == SV_OK) {
			imported++;
			servers += pv->n_servers;
			domains += pv->n_domains;
			sv_provider_destroy(pv);
			if (want != NULL) {
				print_message("corpus: %s imported, but a "
					"failure was expected\n", names[i]);
				ok = false;
			}
			continue;
		}
		failed++;
		print_message("corpus: refused %s\n", e.msg);
		char expect[sizeof(path) + 256];
		snprintf(expect, sizeof(expect), "%s:%s", path,
			want != NULL ? want : "");
		if (want == NULL || rc != SV_EINVAL ||
				strncmp(e.msg, expect, strlen(expect)) != 0) {
			print_message("corpus: unexpected: %s\n", e.msg);
			ok = false;
		}
		assert_null(pv);
	}
	print_message("corpus: %zu files, %zu imported (%zu servers, %zu "
		"domains), %zu refused\n", n, imported, servers, domains,
		failed);
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
	assert_true(ok);
	assert_int_equal(failed, nf);
	assert_true(imported > 0);
}

/* With --repair the whole corpus imports; each repaired file is listed. */
static void test_corpus_repaired(void **state) {
	(void)state;
	DIR *dir = opendir(CORPUS_DIR);
	if (dir == NULL) {
		skip();
	}
	size_t files = 0, repaired = 0, repairs = 0;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".xml") != 0) {
			continue;
		}
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, de->d_name);
		struct repairs r;
		memset(&r, 0, sizeof(r));
		struct sv_import_options opt = {
			.repair = true, .on_repair = collect, .ctx = &r };
		struct sv_provider *pv = NULL;
		struct sv_err e = { .msg = "" };
		int rc = sv_import_mozilla_file_ex(path, &opt, &pv, &e);
		if (rc != SV_OK) {
			fail_msg("%s", e.msg);
		}
		sv_provider_destroy(pv);
		files++;
		repaired += r.n > 0;
		repairs += r.n;
		if (r.n > 0) {
			print_message("corpus: %s", r.text);
		}
	}
	closedir(dir);
	print_message("corpus: %zu files, %zu repaired (%zu repairs)\n",
		files, repaired, repairs);
	/* cty-net, gransy, messagingengine, nili, office365 (2), oxcloud x2 */
	assert_int_equal(repaired, 7);
	assert_int_equal(repairs, 8);
}

int main(void) {
	xmlInitParser();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_fixture),
		cmocka_unit_test(test_minimal_fixture),
		cmocka_unit_test(test_login_page_info_wait_redirect_kept),
		cmocka_unit_test(test_text_handling),
		cmocka_unit_test(test_bad_documents),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_big_line_numbers),
		cmocka_unit_test(test_row_limits),
		cmocka_unit_test(test_doctype_refused_quickly),
		cmocka_unit_test(test_xinclude_not_fetched),
		cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test(test_repairs),
		cmocka_unit_test(test_repair_limits),
		cmocka_unit_test(test_repair_allocation_failures),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_repaired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
