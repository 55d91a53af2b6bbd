-- SPDX-License-Identifier: MIT
--
-- 0005_webadmin: what the web admin (serve --admin-listen) needs beside
-- the provider rows: its accounts, its sessions, the audit trail of its
-- changes, and a version per provider for optimistic concurrency.
-- Applied like every migration, in one transaction (src/store/store.c).

-- Admin accounts (suivant admin-user add|rm|list). The password is an
-- Argon2id hash in the PHC string form ($argon2id$v=19$m=...,t=...,p=...
-- $salt$hash), which carries its own parameters.
CREATE TABLE admin_users (
	name TEXT NOT NULL PRIMARY KEY CONSTRAINT admin_user_name CHECK (
		length(name) BETWEEN 1 AND 64
		AND name NOT GLOB '*[^A-Za-z0-9._@-]*'),
	password_hash TEXT NOT NULL CONSTRAINT admin_user_hash
		CHECK (password_hash GLOB '$argon2id$*'),
	created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Server-side sessions. The cookie holds a random 256-bit token; only its
-- SHA-256 is stored, so a copy of the database opens no session. The
-- CSRF token is per session and travels in every form.
CREATE TABLE admin_sessions (
	token_hash TEXT NOT NULL PRIMARY KEY CONSTRAINT session_token CHECK (
		length(token_hash) = 64
		AND token_hash NOT GLOB '*[^0-9a-f]*'),
	user_name TEXT NOT NULL
		REFERENCES admin_users (name) ON DELETE CASCADE,
	csrf TEXT NOT NULL CONSTRAINT session_csrf CHECK (length(csrf) = 64),
	created_at INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX admin_sessions_by_user ON admin_sessions (user_name);

-- Every change made through the web admin: who, when (Unix seconds, UTC),
-- what (an action name such as "server set"), on which provider, and the
-- object before and after as JSON text (NULL when there was none).
CREATE TABLE admin_audit (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	provider_id TEXT,
	before_json TEXT,
	after_json TEXT
) STRICT;

-- A counter per provider id that every write to its rows increments,
-- whoever writes (the web admin, the command line, an import, the sqlite3
-- shell): a form carries the version it was built from, and a write based
-- on another one is refused instead of overwriting someone's change. Not
-- a foreign key: the counter outlives a provider removed and added again,
-- so that an old form cannot match a new provider of the same id.
CREATE TABLE provider_versions (
	provider_id TEXT NOT NULL PRIMARY KEY,
	version INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO provider_versions (provider_id, version)
	SELECT id, 1 FROM providers;

CREATE TRIGGER version_providers_insert AFTER INSERT ON providers
BEGIN
	INSERT INTO provider_versions (provider_id, version)
	VALUES (NEW.id, 1) ON CONFLICT (provider_id)
	DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER version_providers_update AFTER UPDATE ON providers
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id IN (OLD.id, NEW.id);
END;

CREATE TRIGGER version_providers_delete AFTER DELETE ON providers
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id = OLD.id;
END;

CREATE TRIGGER version_domains_insert AFTER INSERT ON domains
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id = NEW.provider_id;
END;

CREATE TRIGGER version_domains_update AFTER UPDATE ON domains
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id IN (OLD.provider_id, NEW.provider_id);
END;

CREATE TRIGGER version_domains_delete AFTER DELETE ON domains
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id = OLD.provider_id;
END;

CREATE TRIGGER version_servers_insert AFTER INSERT ON servers
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id = NEW.provider_id;
END;

CREATE TRIGGER version_servers_update AFTER UPDATE ON servers
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id IN (OLD.provider_id, NEW.provider_id);
END;

CREATE TRIGGER version_servers_delete AFTER DELETE ON servers
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id = OLD.provider_id;
END;

-- Authentication methods change with their server's rows, except from
-- outside suivant; count those too (a row deleted with its server finds
-- no server: the server's own trigger counted it).
CREATE TRIGGER version_server_auth_insert AFTER INSERT ON server_auth
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id = (SELECT provider_id FROM servers
		WHERE id = NEW.server_id);
END;

CREATE TRIGGER version_server_auth_update AFTER UPDATE ON server_auth
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id IN (SELECT provider_id FROM servers
		WHERE id IN (OLD.server_id, NEW.server_id));
END;

CREATE TRIGGER version_server_auth_delete AFTER DELETE ON server_auth
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id = (SELECT provider_id FROM servers
		WHERE id = OLD.server_id);
END;

CREATE TRIGGER version_links_insert AFTER INSERT ON links
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id = NEW.provider_id;
END;

CREATE TRIGGER version_links_update AFTER UPDATE ON links
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id IN (OLD.provider_id, NEW.provider_id);
END;

CREATE TRIGGER version_links_delete AFTER DELETE ON links
BEGIN
	UPDATE provider_versions SET version = version + 1
	WHERE provider_id = OLD.provider_id;
END;
