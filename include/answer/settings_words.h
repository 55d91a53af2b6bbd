/* SPDX-License-Identifier: MIT */
/*
 * settings_words.c: everything the settings page (render_settings.h)
 * says, per language. Static tables: nothing to allocate or free; every
 * pointer stays valid for the life of the process.
 */
#ifndef SV_ANSWER_SETTINGS_WORDS_H
#define SV_ANSWER_SETTINGS_WORDS_H

#include "answer/answer.h"
#include "answer/render_settings.h"
#include "model/model.h"

/* Everything the page says, in one language. */
struct sv_settings_words {
	const char *lang, *other_lang, *other_name;
	const char *colon;            /* between a title and a name */
	const char *title, *intro, *password;
	const char *preferred, *others, *services, *links, *home;
	const char *services_accounts; /* the heading when an account
	                        * (ActiveSync, EWS...) is among them */
	const char *role[3];          /* imap, pop3, smtp */
	const char *server, *port, *security, *auth, *username, *url;
	const char *ssl, *starttls, *none, *none_warning, *plain_warning;
	const char *auth_name[SV_AUTH_COUNT];
	const char *or_word, *oauth_note;
	const char *service[SV_SERVICE_TYPE_COUNT];
	const char *sauth[SV_SAUTH_COUNT];
	const char *link[SV_LINK_KIND_COUNT], *webmail;
	const char *e404_title, *e404_text, *e400_title, *e400_text;
	const char *absent[SV_SLOT_COUNT];
};

/* The words of lang (French for any value but SV_SETTINGS_EN). */
const struct sv_settings_words *sv_settings_words_of(
	enum sv_settings_lang lang);

/* A service type's or method's words; a type or method added to the
 * model before its words is shown by its model name ("caldav"), never
 * dropped. */
const char *sv_settings_service_word(const struct sv_settings_words *wd,
	enum sv_service_type t);
const char *sv_settings_sauth_word(const struct sv_settings_words *wd,
	enum sv_service_auth a);

#endif
