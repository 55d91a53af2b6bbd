-- SPDX-License-Identifier: MIT
--
-- 0008_publish_plaintext: whether a provider's answers list its plain
-- (no TLS) servers beside TLS ones of the same type. 0, the default for
-- every provider already stored: they are left out, so no client is
-- offered a downgrade (RFC 8314); 1 when the admin asked for it
-- (`suivant provider set ID --publish-plaintext`). A type whose only
-- servers are plain is listed either way (include/model/model.h,
-- sv_provider_servers_for). Applied like 0001, in one transaction with
-- PRAGMA user_version.

ALTER TABLE providers ADD COLUMN publish_plaintext INTEGER NOT NULL
	DEFAULT 0 CONSTRAINT provider_publish_plaintext
	CHECK (publish_plaintext IN (0, 1));
