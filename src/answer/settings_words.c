/* SPDX-License-Identifier: MIT */
/*
 * The settings page's words (settings_words.h), French and English: kept
 * apart from the writers in render_settings.c so that a translation is
 * an edit of this file alone.
 */
#include "answer/settings_words.h"

static const struct sv_settings_words fr = {
	.lang = "fr", .other_lang = "en", .other_name = "English",
	.colon = " : ",
	.title = "Paramètres de messagerie",
	.intro = "Pour une application qui ne se configure pas seule "
		"(ancien Outlook, téléphone, imprimante, scanner, NAS) : "
		"saisissez ces valeurs telles quelles.",
	.password = "Le mot de passe est celui de votre messagerie ; ce "
		"site ne le demande jamais.",
	.preferred = "Serveurs recommandés", .others = "Autres possibilités",
	.services = "Agenda et contacts", .links = "Liens utiles",
	.services_accounts = "Agenda, contacts et comptes",
	.home = "Accueil",
	.role = { "Réception (IMAP)", "Réception (POP3)", "Envoi (SMTP)" },
	.server = "Serveur", .port = "Port", .security = "Sécurité",
	.auth = "Authentification", .username = "Identifiant",
	.url = "Adresse (URL)",
	.ssl = "SSL/TLS", .starttls = "STARTTLS", .none = "aucune",
	.none_warning = "attention : le mot de passe circule en clair",
	.plain_warning = "attention : rien n’est chiffré",
	.auth_name = {
		[SV_AUTH_PASSWORD_CLEARTEXT] = "mot de passe normal",
		[SV_AUTH_PLAIN] = "mot de passe normal",
		[SV_AUTH_PASSWORD_ENCRYPTED] = "mot de passe chiffré",
		[SV_AUTH_SECURE] = "mot de passe chiffré",
		[SV_AUTH_NTLM] = "NTLM",
		[SV_AUTH_GSSAPI] = "Kerberos (GSSAPI)",
		[SV_AUTH_OAUTH2] = "OAuth2",
		[SV_AUTH_TLS_CLIENT_CERT] = "certificat client",
		[SV_AUTH_NONE] = "aucune",
		[SV_AUTH_CLIENT_IP_ADDRESS] = "aucune (selon l’adresse IP)",
		[SV_AUTH_SMTP_AFTER_POP] = "SMTP après POP",
	},
	.or_word = " ou ",
	.oauth_note = "OAuth2 demande une application qui le prend en "
		"charge ; sinon, choisissez le mot de passe.",
	.service = { "Agenda (CalDAV)", "Contacts (CardDAV)",
		"Fichiers (WebDAV)",
		[SV_SERVICE_ACTIVESYNC] = "Compte Exchange ActiveSync",
		[SV_SERVICE_EWS] = "Compte Exchange (EWS)",
		[SV_SERVICE_OWA] = "Outlook sur le web (OWA)",
		[SV_SERVICE_JMAP] = "Compte JMAP",
		[SV_SERVICE_GRAPH] = "Compte Microsoft Graph" },
	.sauth = { "mot de passe (HTTP Basic)", "mot de passe (HTTP Digest)",
		"OAuth2" },
	.link = { "Documentation du fournisseur",
		"Activer l’accès pour les applications",
		"Instructions du fournisseur" },
	.webmail = "Webmail",
	.e404_title = "Domaine inconnu",
	.e404_text = "Ce service n’a pas de paramètres pour le domaine ",
	.e400_title = "Demande incorrecte",
	.e400_text = "Cette adresse ne peut pas être lue : ",
	.absent = {
		[SV_SLOT_EMAILADDRESS] = "«votre adresse»",
		[SV_SLOT_EMAILLOCALPART] = "«la partie avant le @»",
		[SV_SLOT_EMAILADDRESS_URL] = "",
		[SV_SLOT_EMAILLOCALPART_URL] = "",
	},
};

static const struct sv_settings_words en = {
	.lang = "en", .other_lang = "fr", .other_name = "Français",
	.colon = ": ",
	.title = "Mail settings",
	.intro = "For an app that does not set itself up (older Outlook, "
		"phone, printer, scanner, NAS): type these values as they are.",
	.password = "The password is your mailbox's; this site never asks "
		"for it.",
	.preferred = "Preferred servers", .others = "Alternatives",
	.services = "Calendars and contacts", .links = "Useful links",
	.services_accounts = "Calendars, contacts and accounts",
	.home = "Home",
	.role = { "Incoming (IMAP)", "Incoming (POP3)", "Outgoing (SMTP)" },
	.server = "Server", .port = "Port", .security = "Security",
	.auth = "Authentication", .username = "Username",
	.url = "Address (URL)",
	.ssl = "SSL/TLS", .starttls = "STARTTLS", .none = "none",
	.none_warning = "warning: the password travels unencrypted",
	.plain_warning = "warning: nothing is encrypted",
	.auth_name = {
		[SV_AUTH_PASSWORD_CLEARTEXT] = "normal password",
		[SV_AUTH_PLAIN] = "normal password",
		[SV_AUTH_PASSWORD_ENCRYPTED] = "encrypted password",
		[SV_AUTH_SECURE] = "encrypted password",
		[SV_AUTH_NTLM] = "NTLM",
		[SV_AUTH_GSSAPI] = "Kerberos (GSSAPI)",
		[SV_AUTH_OAUTH2] = "OAuth2",
		[SV_AUTH_TLS_CLIENT_CERT] = "client certificate",
		[SV_AUTH_NONE] = "none",
		[SV_AUTH_CLIENT_IP_ADDRESS] = "none (by IP address)",
		[SV_AUTH_SMTP_AFTER_POP] = "SMTP after POP",
	},
	.or_word = " or ",
	.oauth_note = "OAuth2 needs an app that supports it; otherwise, "
		"choose the password.",
	.service = { "Calendar (CalDAV)", "Contacts (CardDAV)",
		"Files (WebDAV)",
		[SV_SERVICE_ACTIVESYNC] = "Exchange ActiveSync account",
		[SV_SERVICE_EWS] = "Exchange account (EWS)",
		[SV_SERVICE_OWA] = "Outlook on the web (OWA)",
		[SV_SERVICE_JMAP] = "JMAP account",
		[SV_SERVICE_GRAPH] = "Microsoft Graph account" },
	.sauth = { "password (HTTP Basic)", "password (HTTP Digest)",
		"OAuth2" },
	.link = { "Provider's documentation", "Enable access for apps",
		"Provider's instructions" },
	.webmail = "Webmail",
	.e404_title = "Unknown domain",
	.e404_text = "This service has no settings for the domain ",
	.e400_title = "Bad request",
	.e400_text = "This address cannot be read: ",
	.absent = {
		[SV_SLOT_EMAILADDRESS] = "<your address>",
		[SV_SLOT_EMAILLOCALPART] = "<the part before the @>",
		[SV_SLOT_EMAILADDRESS_URL] = "",
		[SV_SLOT_EMAILLOCALPART_URL] = "",
	},
};

const struct sv_settings_words *sv_settings_words_of(
		enum sv_settings_lang lang) {
	return lang == SV_SETTINGS_EN ? &en : &fr;
}

const char *sv_settings_service_word(const struct sv_settings_words *wd,
		enum sv_service_type t) {
	return (unsigned)t < SV_SERVICE_TYPE_COUNT && wd->service[t] != NULL ?
		wd->service[t] : sv_service_type_name(t);
}

const char *sv_settings_sauth_word(const struct sv_settings_words *wd,
		enum sv_service_auth a) {
	return (unsigned)a < SV_SAUTH_COUNT && wd->sauth[a] != NULL ?
		wd->sauth[a] : sv_service_auth_name(a);
}

