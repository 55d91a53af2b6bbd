/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_FUZZ_H
#define SUIVANT_FUZZ_H

/*
 * The libFuzzer entry points. Every target defines LLVMFuzzerTestOneInput;
 * the targets that parse or write XML link fuzz_xml.c, whose
 * LLVMFuzzerInitialize sets libxml2 up once, as main.c does for the
 * server, before the first input.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
