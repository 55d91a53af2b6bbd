-- SPDX-License-Identifier: MIT
--
-- 0010_legacy_accounts: the Exchange (ews), Outlook on the web (owa) and
-- Graph entries that the importer kept before the services model (0009)
-- as URL-typed rows of servers, which nothing served, become services of
-- the same type: same provider, URL, username template, priority and
-- domain (every domain when NULL), and their authentication methods in
-- order, spelled as services spell them. Applied like every migration
-- (src/store/store.c): inside one transaction, foreign keys off until
-- the foreign_key_check before COMMIT.
--
-- Only what the services model can hold moves, so that every moved row
-- passes the validator and a database never stops loading: an https URL
-- that the model's service URL parser accepts (it is stricter than the
-- servers' URL check, and no SQL expression can say the same; the store
-- lends it to this migration as suivant_account_url_ok(), registered on
-- the migrating connection only), and methods the model has for
-- services (enum sv_service_auth): password-cleartext and its alias
-- plain are HTTP Basic (what Thunderbird sends for them, as the importer
-- reads them today), OAuth2 stays OAuth2. A row with any other method
-- (password-encrypted, NTLM, GSSAPI...: the model has no HTTP method for
-- them, and dropping one would lose it), a plain http URL (account
-- clients accept https only) or a URL the parser refuses stays where it
-- is, loaded and exported as before: nothing is lost.
--
-- Priorities are kept: the importer numbered servers 10, 20... in
-- document order, so the moved service keeps its place among the mail
-- servers (answers order accounts and servers by priority).
--
-- Rerunning on rows already moved adds nothing: a legacy row whose
-- service is already there (same provider, type, URL, username and
-- domain, with every one of its methods) is only removed from servers.

CREATE TEMP TABLE legacy_account (
	server_id INTEGER PRIMARY KEY,
	-- NULL when an equal service is already there
	service_id INTEGER
);

CREATE TEMP VIEW legacy_account_auth AS
SELECT server_id, position,
	CASE method WHEN 'password-cleartext' THEN 'http-basic'
		WHEN 'plain' THEN 'http-basic' ELSE method END AS method
FROM server_auth;

INSERT INTO legacy_account (server_id)
SELECT s.id FROM servers s
WHERE s.type IN ('ews', 'owa', 'graph')
	AND s.url IS NOT NULL AND suivant_account_url_ok(s.url)
	AND EXISTS (SELECT 1 FROM server_auth a WHERE a.server_id = s.id)
	AND NOT EXISTS (SELECT 1 FROM server_auth a WHERE a.server_id = s.id
		AND a.method NOT IN ('password-cleartext', 'plain', 'OAuth2'));

-- New ids after every id services has had (AUTOINCREMENT never reuses
-- one), in the legacy rows' order.
UPDATE legacy_account SET service_id = n.id
FROM (SELECT l.server_id,
		max(coalesce((SELECT seq FROM sqlite_sequence
			WHERE name = 'services'), 0),
			coalesce((SELECT max(id) FROM services), 0))
		+ row_number() OVER (ORDER BY l.server_id) AS id
	FROM legacy_account l JOIN servers s ON s.id = l.server_id
	WHERE NOT EXISTS (SELECT 1 FROM services e
		WHERE e.provider_id = s.provider_id AND e.type = s.type
			AND e.url = s.url AND e.username IS s.username
			AND e.domain IS s.domain
			AND NOT EXISTS (SELECT 1 FROM temp.legacy_account_auth a
				WHERE a.server_id = s.id AND a.method NOT IN
					(SELECT method FROM service_auth
					WHERE service_id = e.id)))) AS n
WHERE legacy_account.server_id = n.server_id;

INSERT INTO services (id, provider_id, type, url, username, priority,
	domain, insecure)
SELECT l.service_id, s.provider_id, s.type, s.url, s.username,
	s.priority, s.domain, 0
FROM legacy_account l JOIN servers s ON s.id = l.server_id
WHERE l.service_id IS NOT NULL
ORDER BY l.service_id;

-- Basic once even when both of its spellings were listed, at the place
-- of the first; positions renumbered from 0 in the stored order.
INSERT INTO service_auth (service_id, position, method)
SELECT service_id, row_number() OVER (PARTITION BY service_id
		ORDER BY min(position)) - 1, method
FROM (SELECT l.service_id, a.position, a.method
	FROM legacy_account l JOIN temp.legacy_account_auth a
		ON a.server_id = l.server_id
	WHERE l.service_id IS NOT NULL)
GROUP BY service_id, method;

-- Foreign keys are off during migrations: no cascade, so both tables.
DELETE FROM server_auth
WHERE server_id IN (SELECT server_id FROM legacy_account);
DELETE FROM servers WHERE id IN (SELECT server_id FROM legacy_account);

DROP VIEW temp.legacy_account_auth;
DROP TABLE temp.legacy_account;
