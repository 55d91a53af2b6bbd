-- SPDX-License-Identifier: MIT
--
-- 0005_webadmin: what the web admin (serve --admin-listen) needs beside
-- the provider rows: its accounts, its sessions and the audit trail of
-- its changes. (Its forms carry a fingerprint of the provider they show,
-- computed from the loaded provider: no column, no trigger, so that
-- imports pay nothing for it.)
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
