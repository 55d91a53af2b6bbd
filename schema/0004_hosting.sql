-- SPDX-License-Identifier: MIT
--
-- 0004_hosting: MX rows, and the domain rows that `suivant sync` owns.
-- Applied like every migration (src/store/store.c: one transaction,
-- foreign keys checked before the commit). It reads and rebuilds nothing
-- that another migration may have changed: one new table, one new column.
--
-- MX rows ("mx:HOST", "mx:*.SUFFIX": util/name.h) name mail servers, not
-- mail domains, so they get a table of their own rather than loosening
-- the CHECK of domains.name, which every request path relies on. A row's
-- name is stored with its "mx:" prefix, as the model holds it, and its
-- position counts in the same sequence as the provider's domains rows
-- (the store gives each new row one more than the highest of both).

CREATE TABLE domain_mx (
	name TEXT NOT NULL PRIMARY KEY CONSTRAINT domain_mx_name CHECK (
		name GLOB 'mx:?*'
		AND length(name) BETWEEN 4 AND 3 + 253 + 2 * (name GLOB 'mx:[*]*')
		AND substr(name, 4) NOT GLOB '*[^a-z0-9.*-]*'
		AND (substr(name, 4) NOT GLOB '[*]*'
			OR substr(name, 4) GLOB '[*].?*')
		AND instr(substr(name, 5), '*') = 0
		AND substr(name, 4) NOT GLOB '[.-]*'
		AND substr(name, 4) NOT GLOB '*[.-]'
		AND substr(name, 4) NOT GLOB '*..*'
		AND substr(name, 4) NOT GLOB '*.-*'
		AND substr(name, 4) NOT GLOB '*-.*'),
	provider_id TEXT NOT NULL
		REFERENCES providers (id) ON DELETE CASCADE,
	position INTEGER NOT NULL CONSTRAINT domain_mx_position
		CHECK (position >= 0)
) STRICT, WITHOUT ROWID;

CREATE INDEX domain_mx_by_provider ON domain_mx (provider_id, position);

-- 1: the row was written by `suivant sync` for its provider, which may
-- replace it at the next sync; 0: added by hand (domain add, import),
-- which a sync never touches.
ALTER TABLE domains ADD COLUMN synced INTEGER NOT NULL DEFAULT 0
	CONSTRAINT domain_synced CHECK (synced IN (0, 1));
