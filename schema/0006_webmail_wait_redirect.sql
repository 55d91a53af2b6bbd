-- SPDX-License-Identifier: MIT
-- <loginPageInfo waitForRedirectionURLPrefix="URL"> (Thunderbird's ISP
-- database, e.g. t-online.de): the URL the webmail login form redirects
-- to once the user is logged in. An attribute of loginPageInfo, so only
-- with webmail_info_url; checked as the other URLs are.
ALTER TABLE providers ADD COLUMN webmail_wait_redirect_prefix TEXT
	CONSTRAINT webmail_wait_redirect_prefix CHECK (
		webmail_wait_redirect_prefix IS NULL OR (
		length(webmail_wait_redirect_prefix) <= 4096
		AND (webmail_wait_redirect_prefix
			GLOB '[Hh][Tt][Tt][Pp]://[^/?#]*'
		OR webmail_wait_redirect_prefix
			GLOB '[Hh][Tt][Tt][Pp][Ss]://[^/?#]*')
		AND webmail_wait_redirect_prefix NOT GLOB '* *'
		AND webmail_info_url IS NOT NULL));
