-- SPDX-License-Identifier: MIT
--
-- 0007_hosting: MX rows, and the domain rows that `suivant sync` owns.
-- Applied like every migration (src/store/store.c: one transaction,
-- foreign keys checked before the commit). It reads, alters and rebuilds
-- nothing that another migration may have changed: two new tables.
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

-- The domain rows `suivant sync` wrote for their provider, which the
-- next sync may replace; a row not listed here was added by hand
-- (domain add, import) and no sync touches it. A table of marks rather
-- than a column of domains, so that the domains table keeps its shape
-- for every tool that writes it; a mark goes with its row.
CREATE TABLE domain_synced (
	name TEXT NOT NULL PRIMARY KEY
		REFERENCES domains (name) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
