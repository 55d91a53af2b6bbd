/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_AUTODISCOVER_NS_H
#define SUIVANT_AUTODISCOVER_NS_H

/*
 * The XML namespace names of Microsoft Autodiscover v1 ([MS-OXDSCLI],
 * PROTOCOLS.md 3), shared by the request parser (autodiscover_request.c)
 * and the renderer of the answers (answer/render_autodiscover.c), which
 * must not depend on each other. Protocol vocabulary only: no code, so
 * no source file of its own. Namespace names are compared as strings
 * (exactly: "https://" is not the same name).
 */

#define SV_AUTODISCOVER_NS_REQUEST_OUTLOOK \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
	"requestschema/2006"
#define SV_AUTODISCOVER_NS_REQUEST_MOBILESYNC \
	"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/" \
	"requestschema/2006"
/* Root of every response document, success or error. */
#define SV_AUTODISCOVER_NS_RESPONSE \
	"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
/* The Outlook response schema: an AcceptableResponseSchema value and the
 * namespace of the success document's <Response>. */
#define SV_AUTODISCOVER_NS_OUTLOOK \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
	"responseschema/2006a"
/* Older spelling some tools send; answered with the 2006a document. */
#define SV_AUTODISCOVER_NS_OUTLOOK_2006 \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
	"responseschema/2006"
#define SV_AUTODISCOVER_NS_MOBILESYNC \
	"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/" \
	"responseschema/2006"

#endif
