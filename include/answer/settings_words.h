/* SPDX-License-Identifier: MIT */
/*
 * settings_words.c: everything the settings page (render_settings.h)
 * says, in one table with a French and an English column, so that a word
 * is added or changed in one place for both languages. Static: nothing
 * to allocate or free; every pointer stays valid for the life of the
 * process.
 */
#ifndef SV_ANSWER_SETTINGS_WORDS_H
#define SV_ANSWER_SETTINGS_WORDS_H

#include <stddef.h>

#include "answer/answer.h"
#include "answer/render_settings.h"
#include "model/model.h"

/* One thing the page says: [SV_SETTINGS_FR] in French, [SV_SETTINGS_EN]
 * in English. */
typedef const char *sv_settings_word[SV_SETTINGS_LANG_COUNT];

/* Everything the page says, each in both languages. */
struct sv_settings_words {
	sv_settings_word lang, other_lang, other_name;
	sv_settings_word colon;          /* between a title and a name */
	sv_settings_word title, intro, password;
	sv_settings_word preferred, others, services, links, home;
	sv_settings_word services_accounts; /* the heading when an account
	                        * (ActiveSync, EWS...) is among them */
	sv_settings_word role[3];        /* imap, pop3, smtp */
	sv_settings_word server, port, security, auth, username, url;
	sv_settings_word ssl, starttls, none, none_warning, plain_warning;
	sv_settings_word auth_name[SV_AUTH_COUNT];
	sv_settings_word or_word, oauth_note;
	sv_settings_word service[SV_SERVICE_TYPE_COUNT];
	sv_settings_word sauth[SV_SAUTH_COUNT];
	sv_settings_word link[SV_LINK_KIND_COUNT], webmail;
	sv_settings_word e404_title, e404_text, e400_title, e400_text;
	/* Language first, unlike the rest: facts->absent takes one
	 * language's row, indexed by enum sv_slot. */
	const char *absent[SV_SETTINGS_LANG_COUNT][SV_SLOT_COUNT];
};

extern const struct sv_settings_words sv_settings_words;

/* lang as a column of the table: French for any value but
 * SV_SETTINGS_EN. */
enum sv_settings_lang sv_settings_words_column(enum sv_settings_lang lang);

/* A service type's or method's words; a type or method added to the
 * model before its words is shown by its model name ("caldav"), never
 * dropped. */
const char *sv_settings_service_word(enum sv_settings_lang lang,
	enum sv_service_type t);
const char *sv_settings_sauth_word(enum sv_settings_lang lang,
	enum sv_service_auth a);

/* The heading of a server's card or block: what it does for the mail
 * ("Incoming (IMAP)"). */
const char *sv_settings_role_word(enum sv_settings_lang lang,
	const struct sv_server *s);

/*
 * The authentication words of s into said, each once (plain and
 * password-cleartext say the same to a person), methods without words
 * left out; returns how many.
 */
size_t sv_settings_auth_words(enum sv_settings_lang lang,
	const struct sv_server *s, const char *said[SV_MODEL_MAX_AUTH]);

/* The services' heading: an Exchange or JMAP account is neither a
 * calendar nor an address book. */
const char *sv_settings_services_heading(enum sv_settings_lang lang,
	const struct sv_settings_table *t);

/* A link's text in lang, else its first, else NULL. */
const char *sv_settings_link_text(enum sv_settings_lang lang,
	const struct sv_link *l);

#endif
