/* SPDX-License-Identifier: MIT */
/*
 * Installs the bundled provider files (db/, compiled in by src/embed.py)
 * through the same importer and store path as `suivant import`, so bundled
 * data obeys exactly the rules admins' files do.
 */
#include "dataset/bundle.h"
#include "import/import_mozilla.h"
#include "model/model.h"

int sv_bundle_install(struct sv_store *st, size_t *n_providers,
		struct sv_err *err) {
	int rc = sv_store_begin(st, err);
	if (rc != SV_OK) {
		return rc;
	}
	for (size_t i = 0; i < sv_embedded_data_count; i++) {
		const struct sv_embedded_file *f = &sv_embedded_data[i];
		struct sv_provider *pv = NULL;
		rc = sv_import_mozilla_memory(f->data, f->len, f->name, &pv,
			err);
		if (rc == SV_OK) {
			rc = sv_store_put_provider(st, pv, err);
			sv_provider_destroy(pv);
		}
		if (rc != SV_OK) {
			sv_store_rollback(st);
			return rc;
		}
	}
	rc = sv_store_commit(st, err);
	if (rc == SV_OK && n_providers != NULL) {
		*n_providers = sv_embedded_data_count;
	}
	return rc;
}
