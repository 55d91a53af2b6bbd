/* SPDX-License-Identifier: MIT */
/* libxml2's one-time set-up for the XML fuzz targets (fuzz.h). */
#include <libxml/parser.h>

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
	(void)argc;
	(void)argv;
	xmlInitParser();
	return 0;
}
