-- SPDX-License-Identifier: MIT
--
-- 0001_init: the whole struct sv_provider (include/model.h), one table per
-- array. Applied by src/store.c inside one transaction together with
-- PRAGMA user_version and PRAGMA application_id, so this file holds no
-- transaction statements (the BEGIN..END below are trigger bodies). Never
-- edit it once shipped: add 0002_*.sql.
--
-- sv_provider_validate (src/model_validate.c) is the first line of
-- defence; these CHECKs are the last: whatever writes here (the store, or
-- someone with the sqlite3 shell), junk cannot be stored. They follow the
-- validator and are never stricter; what GLOB cannot express (label
-- lengths, placeholder tokens, UTF-8 and control characters) is left to
-- it. Constraints are named so that an error names the rule.
--
-- Conventions: an absent model value is NULL (NULL string, port 0, socket
-- SV_SOCKET_NONE, POP3 count -1, tristate SV_UNSET); tristates are NULL,
-- 0 or 1; `position` columns keep the model's array order. length() counts
-- characters, the validator bytes, so a valid value always fits.

-- One row per provider; webmail and oauth2 are 1:1 and live here.
CREATE TABLE providers (
	-- host-name form, lower case: [a-z0-9-] labels joined by dots
	id TEXT NOT NULL PRIMARY KEY CONSTRAINT provider_id CHECK (
		length(id) BETWEEN 1 AND 253
		AND id NOT GLOB '*[^a-z0-9.-]*'
		AND id NOT GLOB '[.-]*' AND id NOT GLOB '*[.-]'
		AND id NOT GLOB '*..*' AND id NOT GLOB '*.-*'
		AND id NOT GLOB '*-.*'),
	display_name TEXT CONSTRAINT provider_display_name
		CHECK (length(display_name) BETWEEN 1 AND 60),
	short_name TEXT CONSTRAINT provider_short_name
		CHECK (length(short_name) BETWEEN 1 AND 20),
	webmail_login_page TEXT CONSTRAINT webmail_login_page CHECK (
		length(webmail_login_page) <= 4096
		AND (webmail_login_page GLOB '[Hh][Tt][Tt][Pp]://[^/?#]*'
		OR webmail_login_page GLOB '[Hh][Tt][Tt][Pp][Ss]://[^/?#]*')
		AND webmail_login_page NOT GLOB '* *'),
	webmail_info_url TEXT CONSTRAINT webmail_info_url CHECK (
		length(webmail_info_url) <= 4096
		AND (webmail_info_url GLOB '[Hh][Tt][Tt][Pp]://[^/?#]*'
		OR webmail_info_url GLOB '[Hh][Tt][Tt][Pp][Ss]://[^/?#]*')
		AND webmail_info_url NOT GLOB '* *'),
	webmail_username TEXT CONSTRAINT webmail_username
		CHECK (length(webmail_username) <= 255),
	webmail_username_field_id TEXT CONSTRAINT webmail_field
		CHECK (length(webmail_username_field_id) <= 4096),
	webmail_username_field_name TEXT CONSTRAINT webmail_field
		CHECK (length(webmail_username_field_name) <= 4096),
	webmail_password_field_id TEXT CONSTRAINT webmail_field
		CHECK (length(webmail_password_field_id) <= 4096),
	webmail_password_field_name TEXT CONSTRAINT webmail_field
		CHECK (length(webmail_password_field_name) <= 4096),
	webmail_login_button_id TEXT CONSTRAINT webmail_field
		CHECK (length(webmail_login_button_id) <= 4096),
	webmail_login_button_name TEXT CONSTRAINT webmail_field
		CHECK (length(webmail_login_button_name) <= 4096),
	oauth2_issuer TEXT CONSTRAINT oauth2_issuer
		CHECK (length(oauth2_issuer) BETWEEN 1 AND 4096),
	oauth2_scope TEXT CONSTRAINT oauth2_scope
		CHECK (length(oauth2_scope) <= 4096),
	oauth2_auth_url TEXT CONSTRAINT oauth2_auth_url CHECK (
		length(oauth2_auth_url) <= 4096
		AND (oauth2_auth_url GLOB '[Hh][Tt][Tt][Pp]://[^/?#]*'
		OR oauth2_auth_url GLOB '[Hh][Tt][Tt][Pp][Ss]://[^/?#]*')
		AND oauth2_auth_url NOT GLOB '* *'),
	oauth2_token_url TEXT CONSTRAINT oauth2_token_url CHECK (
		length(oauth2_token_url) <= 4096
		AND (oauth2_token_url GLOB '[Hh][Tt][Tt][Pp]://[^/?#]*'
		OR oauth2_token_url GLOB '[Hh][Tt][Tt][Pp][Ss]://[^/?#]*')
		AND oauth2_token_url NOT GLOB '* *'),
	-- no webmail detail without a login page, no oauth2 without issuer
	CONSTRAINT webmail_needs_login_page CHECK (
		webmail_login_page IS NOT NULL
		OR coalesce(webmail_info_url, webmail_username,
			webmail_username_field_id, webmail_username_field_name,
			webmail_password_field_id, webmail_password_field_name,
			webmail_login_button_id, webmail_login_button_name)
			IS NULL),
	CONSTRAINT oauth2_needs_issuer CHECK (oauth2_issuer IS NOT NULL
		OR coalesce(oauth2_scope, oauth2_auth_url, oauth2_token_url)
			IS NULL)
) STRICT, WITHOUT ROWID;

-- The domains a provider serves: an exact lower-case host name,
-- '*.<host name>' (any subdomain) or '*' (everything else). A name belongs
-- to at most one provider (the primary key).
CREATE TABLE domains (
	name TEXT NOT NULL PRIMARY KEY CONSTRAINT domain_name CHECK (
		name = '*' OR (
		length(name) BETWEEN 1 AND 253 + 2 * (name GLOB '[*]*')
		AND name NOT GLOB '*[^a-z0-9.*-]*'
		AND (name NOT GLOB '[*]*' OR name GLOB '[*].?*')
		AND instr(substr(name, 2), '*') = 0
		AND name NOT GLOB '[.-]*' AND name NOT GLOB '*[.-]'
		AND name NOT GLOB '*..*' AND name NOT GLOB '*.-*'
		AND name NOT GLOB '*-.*')),
	provider_id TEXT NOT NULL
		REFERENCES providers (id) ON DELETE CASCADE,
	position INTEGER NOT NULL CONSTRAINT domain_position
		CHECK (position >= 0),
	UNIQUE (provider_id, position)
) STRICT, WITHOUT ROWID;

-- Incoming and outgoing servers. imap, pop3, smtp (and the validator
-- says exchange too) need a host name template, a port and a socket type;
-- URL types (ews, owa, graph) a url and none of those.
CREATE TABLE servers (
	-- never reused, so a stale id cannot name another server
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	provider_id TEXT NOT NULL
		REFERENCES providers (id) ON DELETE CASCADE,
	type TEXT NOT NULL CONSTRAINT server_type CHECK (type IN
		('imap', 'pop3', 'smtp', 'exchange', 'ews', 'owa', 'graph')),
	-- a host name or a Mozilla template such as mail.%EMAILDOMAIN%
	hostname TEXT CONSTRAINT server_hostname CHECK (
		length(hostname) BETWEEN 1 AND 255
		AND hostname NOT GLOB '*[^A-Za-z0-9.%-]*'),
	port INTEGER CONSTRAINT server_port
		CHECK (port BETWEEN 1 AND 65535),
	socket TEXT CONSTRAINT server_socket
		CHECK (socket IN ('plain', 'SSL', 'STARTTLS')),
	username TEXT CONSTRAINT server_username
		CHECK (length(username) <= 255),
	-- lower first; equal priorities keep insertion (document) order
	priority INTEGER NOT NULL DEFAULT 0 CONSTRAINT server_priority
		CHECK (priority BETWEEN -2147483648 AND 2147483647),
	-- NULL: every domain of the provider; else only this one, which must
	-- be one of the same provider's domains (triggers below)
	domain TEXT REFERENCES domains (name) ON DELETE CASCADE,
	url TEXT CONSTRAINT server_url CHECK (length(url) <= 4096
		AND (url GLOB '[Hh][Tt][Tt][Pp]://[^/?#]*'
		OR url GLOB '[Hh][Tt][Tt][Pp][Ss]://[^/?#]*')
		AND url NOT GLOB '* *'),
	owa_url TEXT CONSTRAINT server_owa_url CHECK (length(owa_url) <= 4096
		AND (owa_url GLOB '[Hh][Tt][Tt][Pp]://[^/?#]*'
		OR owa_url GLOB '[Hh][Tt][Tt][Pp][Ss]://[^/?#]*')
		AND owa_url NOT GLOB '* *'),
	ews_url TEXT CONSTRAINT server_ews_url CHECK (length(ews_url) <= 4096
		AND (ews_url GLOB '[Hh][Tt][Tt][Pp]://[^/?#]*'
		OR ews_url GLOB '[Hh][Tt][Tt][Pp][Ss]://[^/?#]*')
		AND ews_url NOT GLOB '* *'),
	-- a <pop3> element was given; its options are NULL without one
	has_pop3 INTEGER NOT NULL DEFAULT 0 CONSTRAINT server_has_pop3
		CHECK (has_pop3 IN (0, 1)),
	pop3_leave_on_server INTEGER CONSTRAINT server_pop3_leave
		CHECK (pop3_leave_on_server IN (0, 1)),
	pop3_days_to_leave INTEGER CONSTRAINT server_pop3_days
		CHECK (pop3_days_to_leave BETWEEN 0 AND 2147483647),
	pop3_download_on_biff INTEGER CONSTRAINT server_pop3_biff
		CHECK (pop3_download_on_biff IN (0, 1)),
	pop3_check_interval_min INTEGER CONSTRAINT server_pop3_interval
		CHECK (pop3_check_interval_min BETWEEN 1 AND 2147483647),
	use_global_preferred_server INTEGER CONSTRAINT server_global
		CHECK (use_global_preferred_server IN (0, 1)),
	add_this_server INTEGER CONSTRAINT server_add_this
		CHECK (add_this_server IN (0, 1)),
	restriction TEXT CONSTRAINT server_restriction
		CHECK (length(restriction) BETWEEN 1 AND 4096),
	CONSTRAINT server_tcp_fields CHECK (
		type NOT IN ('imap', 'pop3', 'smtp') OR (hostname IS NOT NULL
		AND port IS NOT NULL AND socket IS NOT NULL AND url IS NULL)),
	CONSTRAINT server_exchange_fields CHECK (
		type <> 'exchange' OR (hostname IS NOT NULL AND url IS NULL)),
	CONSTRAINT server_url_fields CHECK (
		type NOT IN ('ews', 'owa', 'graph') OR (url IS NOT NULL
		AND hostname IS NULL AND port IS NULL AND socket IS NULL)),
	CONSTRAINT server_exchange_urls CHECK (
		type = 'exchange' OR (owa_url IS NULL AND ews_url IS NULL)),
	CONSTRAINT server_pop3_options CHECK ((has_pop3 = 1 AND type = 'pop3')
		OR (has_pop3 = 0 AND coalesce(pop3_leave_on_server,
			pop3_days_to_leave, pop3_download_on_biff,
			pop3_check_interval_min) IS NULL)),
	CONSTRAINT server_outgoing_fields CHECK (type = 'smtp'
		OR (add_this_server IS NULL AND restriction IS NULL))
) STRICT;

CREATE INDEX servers_by_provider ON servers (provider_id, priority, id);
-- for the ON DELETE CASCADE from domains
CREATE INDEX servers_by_domain ON servers (domain);

CREATE TRIGGER servers_domain_insert
BEFORE INSERT ON servers
WHEN NEW.domain IS NOT NULL AND NOT EXISTS (SELECT 1 FROM domains
	WHERE name = NEW.domain AND provider_id = NEW.provider_id)
BEGIN
	SELECT RAISE(ABORT, 'server domain is not a domain of its provider');
END;

CREATE TRIGGER servers_domain_update
BEFORE UPDATE OF domain, provider_id ON servers
WHEN NEW.domain IS NOT NULL AND NOT EXISTS (SELECT 1 FROM domains
	WHERE name = NEW.domain AND provider_id = NEW.provider_id)
BEGIN
	SELECT RAISE(ABORT, 'server domain is not a domain of its provider');
END;

CREATE TRIGGER domains_provider_update
BEFORE UPDATE OF provider_id ON domains
WHEN EXISTS (SELECT 1 FROM servers
	WHERE domain = OLD.name AND provider_id <> NEW.provider_id)
BEGIN
	SELECT RAISE(ABORT, 'domain has servers of its provider');
END;

-- A server's authentication methods, most preferred first (position
-- 0..SV_MODEL_MAX_AUTH-1), spelled as sv_auth_name() spells them, each at
-- most once.
CREATE TABLE server_auth (
	server_id INTEGER NOT NULL
		REFERENCES servers (id) ON DELETE CASCADE,
	position INTEGER NOT NULL CONSTRAINT auth_position
		CHECK (position BETWEEN 0 AND 7),
	method TEXT NOT NULL CONSTRAINT auth_method CHECK (method IN (
		'password-cleartext', 'password-encrypted', 'plain', 'secure',
		'NTLM', 'GSSAPI', 'OAuth2', 'TLS-client-cert', 'none',
		'client-IP-address', 'smtp-after-pop')),
	PRIMARY KEY (server_id, position),
	UNIQUE (server_id, method)
) STRICT, WITHOUT ROWID;

-- none, client-IP-address and smtp-after-pop are for smtp servers only.
CREATE TRIGGER server_auth_outgoing_only
BEFORE INSERT ON server_auth
WHEN NEW.method IN ('none', 'client-IP-address', 'smtp-after-pop')
	AND (SELECT type FROM servers WHERE id = NEW.server_id) <> 'smtp'
BEGIN
	SELECT RAISE(ABORT, 'authentication method is for smtp servers only');
END;

CREATE TRIGGER server_auth_outgoing_only_update
BEFORE UPDATE OF method, server_id ON server_auth
WHEN NEW.method IN ('none', 'client-IP-address', 'smtp-after-pop')
	AND (SELECT type FROM servers WHERE id = NEW.server_id) <> 'smtp'
BEGIN
	SELECT RAISE(ABORT, 'authentication method is for smtp servers only');
END;

-- <documentation url>, <enable visiturl> and legacy <instruction url>, in
-- document order (position counts across kinds).
CREATE TABLE links (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	provider_id TEXT NOT NULL
		REFERENCES providers (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CONSTRAINT link_kind
		CHECK (kind IN ('documentation', 'enable', 'instruction')),
	position INTEGER NOT NULL CONSTRAINT link_position
		CHECK (position >= 0),
	url TEXT NOT NULL CONSTRAINT link_url CHECK (length(url) <= 4096
		AND (url GLOB '[Hh][Tt][Tt][Pp]://[^/?#]*'
		OR url GLOB '[Hh][Tt][Tt][Pp][Ss]://[^/?#]*')
		AND url NOT GLOB '* *'),
	UNIQUE (provider_id, position)
) STRICT;

-- The <descr lang> / <instruction lang> texts of a link, in order.
CREATE TABLE link_texts (
	link_id INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
	position INTEGER NOT NULL CONSTRAINT text_position
		CHECK (position >= 0),
	-- a language tag: a letter, then letters, digits and hyphens
	lang TEXT CONSTRAINT text_lang CHECK (length(lang) BETWEEN 1 AND 35
		AND lang GLOB '[A-Za-z]*' AND lang NOT GLOB '*[^A-Za-z0-9-]*'),
	text TEXT NOT NULL CONSTRAINT text_text CHECK (length(text) <= 4096),
	PRIMARY KEY (link_id, position)
) STRICT, WITHOUT ROWID;
