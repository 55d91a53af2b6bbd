-- SPDX-License-Identifier: MIT
--
-- 0009_services: the URL-based services of a provider, beside its mail
-- servers (struct sv_service, include/model/model.h): calendars
-- (caldav), address books (carddav) and file shares (webdav), each with
-- a URL template, a username template, an ordered list of HTTP
-- authentication methods and a priority, for every domain of the
-- provider or for one of them. Applied like 0001 (src/store/store.c):
-- inside one transaction, no transaction statements here. It only adds
-- tables, so a database of any earlier version keeps every row as it is.
--
-- The type and method lists already hold what the Exchange, ActiveSync,
-- JMAP and Graph services will need (same shape: a URL, a login, HTTP
-- methods), so that adding those types to the model needs no migration
-- of this table; the validator decides which types a release serves. As
-- in 0001, these CHECKs follow the validator and are never stricter.

CREATE TABLE services (
	-- never reused, so a stale id cannot name another service
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	provider_id TEXT NOT NULL
		REFERENCES providers (id) ON DELETE CASCADE,
	type TEXT NOT NULL CONSTRAINT service_type CHECK (type IN
		('caldav', 'carddav', 'webdav', 'activesync', 'ews', 'owa',
		'jmap', 'graph')),
	-- an absolute URL, placeholders allowed (src/model/service_url.c)
	url TEXT NOT NULL CONSTRAINT service_url CHECK (
		length(url) BETWEEN 1 AND 2048
		AND (url GLOB '[Hh][Tt][Tt][Pp]://[^/?#]*'
		OR url GLOB '[Hh][Tt][Tt][Pp][Ss]://[^/?#]*')
		AND url NOT GLOB '*[ #]*'),
	username TEXT CONSTRAINT service_username
		CHECK (length(username) <= 255),
	-- lower first; equal priorities keep insertion (document) order
	priority INTEGER NOT NULL DEFAULT 0 CONSTRAINT service_priority
		CHECK (priority BETWEEN -2147483648 AND 2147483647),
	-- NULL: every domain of the provider; else only this one, which must
	-- be one of the same provider's domains (triggers below)
	domain TEXT REFERENCES domains (name) ON DELETE CASCADE,
	-- 1: the admin allowed a plain http URL (--allow-insecure)
	insecure INTEGER NOT NULL DEFAULT 0 CONSTRAINT service_insecure
		CHECK (insecure IN (0, 1)),
	CONSTRAINT service_https CHECK (insecure = 1
		OR url GLOB '[Hh][Tt][Tt][Pp][Ss]://*')
) STRICT;

CREATE INDEX services_by_provider ON services (provider_id, priority, id);
-- for the ON DELETE CASCADE from domains
CREATE INDEX services_by_domain ON services (domain);

CREATE TRIGGER services_domain_insert
BEFORE INSERT ON services
WHEN NEW.domain IS NOT NULL AND NOT EXISTS (SELECT 1 FROM domains
	WHERE name = NEW.domain AND provider_id = NEW.provider_id)
BEGIN
	SELECT RAISE(ABORT, 'service domain is not a domain of its provider');
END;

CREATE TRIGGER services_domain_update
BEFORE UPDATE OF domain, provider_id ON services
WHEN NEW.domain IS NOT NULL AND NOT EXISTS (SELECT 1 FROM domains
	WHERE name = NEW.domain AND provider_id = NEW.provider_id)
BEGIN
	SELECT RAISE(ABORT, 'service domain is not a domain of its provider');
END;

CREATE TRIGGER domains_provider_update_services
BEFORE UPDATE OF provider_id ON domains
WHEN EXISTS (SELECT 1 FROM services
	WHERE domain = OLD.name AND provider_id <> NEW.provider_id)
BEGIN
	SELECT RAISE(ABORT, 'domain has services of its provider');
END;

-- A service's authentication methods, most preferred first (position
-- 0..SV_MODEL_MAX_AUTH-1), spelled as sv_service_auth_name() spells
-- them, each at most once.
CREATE TABLE service_auth (
	service_id INTEGER NOT NULL
		REFERENCES services (id) ON DELETE CASCADE,
	position INTEGER NOT NULL CONSTRAINT service_auth_position
		CHECK (position BETWEEN 0 AND 7),
	method TEXT NOT NULL CONSTRAINT service_auth_method CHECK (method IN (
		'http-basic', 'http-digest', 'OAuth2', 'NTLM', 'GSSAPI',
		'TLS-client-cert')),
	PRIMARY KEY (service_id, position),
	UNIQUE (service_id, method)
) STRICT, WITHOUT ROWID;
