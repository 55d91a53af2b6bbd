/* SPDX-License-Identifier: MIT */
/*
 * The settings page's words (settings_words.h): one table, each word
 * with its French and its English side by side, kept apart from the
 * writers in render_settings.c so that a translation is an edit of this
 * file alone.
 */
#include <stdbool.h>
#include <string.h>

#include "answer/settings_words.h"

const struct sv_settings_words sv_settings_words = {
	.lang = { "fr", "en" },
	.other_lang = { "en", "fr" },
	.other_name = { "English", "Français" },
	.colon = { " : ", ": " },
	.title = { "Paramètres de messagerie", "Mail settings" },
	.intro = {
		"Pour une application qui ne se configure pas seule "
		"(ancien Outlook, téléphone, imprimante, scanner, NAS) : "
		"saisissez ces valeurs telles quelles.",
		"For an app that does not set itself up (older Outlook, "
		"phone, printer, scanner, NAS): type these values as they "
		"are.",
	},
	.password = {
		"Le mot de passe est celui de votre messagerie ; ce "
		"site ne le demande jamais.",
		"The password is your mailbox's; this site never asks "
		"for it.",
	},
	.preferred = { "Serveurs recommandés", "Preferred servers" },
	.others = { "Autres possibilités", "Alternatives" },
	.services = { "Agenda et contacts", "Calendars and contacts" },
	.links = { "Liens utiles", "Useful links" },
	.services_accounts = { "Agenda, contacts et comptes",
		"Calendars, contacts and accounts" },
	.home = { "Accueil", "Home" },
	.role = {
		{ "Réception (IMAP)", "Incoming (IMAP)" },
		{ "Réception (POP3)", "Incoming (POP3)" },
		{ "Envoi (SMTP)", "Outgoing (SMTP)" },
	},
	.server = { "Serveur", "Server" },
	.port = { "Port", "Port" },
	.security = { "Sécurité", "Security" },
	.auth = { "Authentification", "Authentication" },
	.username = { "Identifiant", "Username" },
	.url = { "Adresse (URL)", "Address (URL)" },
	.ssl = { "SSL/TLS", "SSL/TLS" },
	.starttls = { "STARTTLS", "STARTTLS" },
	.none = { "aucune", "none" },
	.none_warning = { "attention : le mot de passe circule en clair",
		"warning: the password travels unencrypted" },
	.plain_warning = { "attention : rien n’est chiffré",
		"warning: nothing is encrypted" },
	.auth_name = {
		[SV_AUTH_PASSWORD_CLEARTEXT] = { "mot de passe normal",
			"normal password" },
		[SV_AUTH_PLAIN] = { "mot de passe normal", "normal password" },
		[SV_AUTH_PASSWORD_ENCRYPTED] = { "mot de passe chiffré",
			"encrypted password" },
		[SV_AUTH_SECURE] = { "mot de passe chiffré",
			"encrypted password" },
		[SV_AUTH_NTLM] = { "NTLM", "NTLM" },
		[SV_AUTH_GSSAPI] = { "Kerberos (GSSAPI)",
			"Kerberos (GSSAPI)" },
		[SV_AUTH_OAUTH2] = { "OAuth2", "OAuth2" },
		[SV_AUTH_TLS_CLIENT_CERT] = { "certificat client",
			"client certificate" },
		[SV_AUTH_NONE] = { "aucune", "none" },
		[SV_AUTH_CLIENT_IP_ADDRESS] = { "aucune (selon l’adresse IP)",
			"none (by IP address)" },
		[SV_AUTH_SMTP_AFTER_POP] = { "SMTP après POP",
			"SMTP after POP" },
	},
	.or_word = { " ou ", " or " },
	.oauth_note = {
		"OAuth2 demande une application qui le prend en "
		"charge ; sinon, choisissez le mot de passe.",
		"OAuth2 needs an app that supports it; otherwise, "
		"choose the password.",
	},
	.service = {
		[SV_SERVICE_CALDAV] = { "Agenda (CalDAV)",
			"Calendar (CalDAV)" },
		[SV_SERVICE_CARDDAV] = { "Contacts (CardDAV)",
			"Contacts (CardDAV)" },
		[SV_SERVICE_WEBDAV] = { "Fichiers (WebDAV)",
			"Files (WebDAV)" },
		[SV_SERVICE_ACTIVESYNC] = { "Compte Exchange ActiveSync",
			"Exchange ActiveSync account" },
		[SV_SERVICE_EWS] = { "Compte Exchange (EWS)",
			"Exchange account (EWS)" },
		[SV_SERVICE_OWA] = { "Outlook sur le web (OWA)",
			"Outlook on the web (OWA)" },
		[SV_SERVICE_JMAP] = { "Compte JMAP", "JMAP account" },
		[SV_SERVICE_GRAPH] = { "Compte Microsoft Graph",
			"Microsoft Graph account" },
	},
	.sauth = {
		{ "mot de passe (HTTP Basic)", "password (HTTP Basic)" },
		{ "mot de passe (HTTP Digest)", "password (HTTP Digest)" },
		{ "OAuth2", "OAuth2" },
	},
	.link = {
		{ "Documentation du fournisseur", "Provider's documentation" },
		{ "Activer l’accès pour les applications",
			"Enable access for apps" },
		{ "Instructions du fournisseur", "Provider's instructions" },
	},
	.webmail = { "Webmail", "Webmail" },
	.e404_title = { "Domaine inconnu", "Unknown domain" },
	.e404_text = { "Ce service n’a pas de paramètres pour le domaine ",
		"This service has no settings for the domain " },
	.e400_title = { "Demande incorrecte", "Bad request" },
	.e400_text = { "Cette adresse ne peut pas être lue : ",
		"This address cannot be read: " },
	.absent = {
		[SV_SETTINGS_FR] = {
			[SV_SLOT_EMAILADDRESS] = "«votre adresse»",
			[SV_SLOT_EMAILLOCALPART] = "«la partie avant le @»",
			[SV_SLOT_EMAILADDRESS_URL] = "",
			[SV_SLOT_EMAILLOCALPART_URL] = "",
		},
		[SV_SETTINGS_EN] = {
			[SV_SLOT_EMAILADDRESS] = "<your address>",
			[SV_SLOT_EMAILLOCALPART] = "<the part before the @>",
			[SV_SLOT_EMAILADDRESS_URL] = "",
			[SV_SLOT_EMAILLOCALPART_URL] = "",
		},
	},
};

enum sv_settings_lang sv_settings_words_column(enum sv_settings_lang lang) {
	return lang == SV_SETTINGS_EN ? SV_SETTINGS_EN : SV_SETTINGS_FR;
}

const char *sv_settings_service_word(enum sv_settings_lang lang,
		enum sv_service_type t) {
	return (unsigned)t < SV_SERVICE_TYPE_COUNT &&
		sv_settings_words.service[t][lang] != NULL ?
		sv_settings_words.service[t][lang] : sv_service_type_name(t);
}

const char *sv_settings_sauth_word(enum sv_settings_lang lang,
		enum sv_service_auth a) {
	return (unsigned)a < SV_SAUTH_COUNT &&
		sv_settings_words.sauth[a][lang] != NULL ?
		sv_settings_words.sauth[a][lang] : sv_service_auth_name(a);
}

const char *sv_settings_role_word(enum sv_settings_lang lang,
		const struct sv_server *s) {
	return sv_settings_words.role[s->type == SV_SERVER_IMAP ? 0 :
		s->type == SV_SERVER_POP3 ? 1 : 2][lang];
}

size_t sv_settings_auth_words(enum sv_settings_lang lang,
		const struct sv_server *s,
		const char *said[SV_MODEL_MAX_AUTH]) {
	size_t n_said = 0;
	for (size_t i = 0; i < s->n_auth && i < SV_MODEL_MAX_AUTH; i++) {
		const char *name = (unsigned)s->auth[i] < SV_AUTH_COUNT ?
			sv_settings_words.auth_name[s->auth[i]][lang] : NULL;
		bool dup = name == NULL;
		for (size_t j = 0; j < n_said && !dup; j++) {
			dup = strcmp(said[j], name) == 0;
		}
		if (!dup) {
			said[n_said++] = name;
		}
	}
	return n_said;
}

const char *sv_settings_services_heading(enum sv_settings_lang lang,
		const struct sv_settings_table *t) {
	for (size_t i = 0; i < t->n_services; i++) {
		if (sv_service_type_is_account(t->services[i]->type)) {
			return sv_settings_words.services_accounts[lang];
		}
	}
	return sv_settings_words.services[lang];
}

const char *sv_settings_link_text(enum sv_settings_lang lang,
		const struct sv_link *l) {
	for (size_t i = 0; i < l->n_texts; i++) {
		if (l->texts[i].lang != NULL && strcmp(l->texts[i].lang,
				sv_settings_words.lang[lang]) == 0) {
			return l->texts[i].text;
		}
	}
	return l->n_texts > 0 ? l->texts[0].text : NULL;
}
