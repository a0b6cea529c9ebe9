/*
 * deploy_build.h - build a module image from its C source, for the
 * platform of the node it is placed on:
 *  - native, process: the way CMake's authex_add_module() does it
 *    (module.c + src/runtime/ax_glue.c + this build's runtime and crypto
 *    static libraries, -fvisibility=hidden -fPIC -shared, libcrypto), with
 *    the compiler and flags of the build that produced `authex`;
 *  - tzm: arm-none-eabi-gcc with the flags of src/platform/tzm/module.flags
 *    and the project's warnings, module.c + every .c file of src/runtime/,
 *    giving a position-independent ELF32 ARM shared object (docs/tzm.md).
 * Compilers, flags and paths come from the generated deploy_config.h.
 *
 * Images are cached in cache_dir under the SHA-256 of everything that
 * goes into them (the target, compiler command, source, and the target's
 * fixed files: glue, module.h and the two libraries; or module.h and the
 * runtime's sources and headers), so an unchanged module is never rebuilt
 * and keeps its measurement, and one source built for two targets gives
 * two images. Only the module's own file is hashed: a module that
 * #includes its own headers must be touched to be rebuilt. Each image has
 * its measurement recorded beside it (<hash>.so.sha256); an entry whose
 * bytes no longer match is discarded and built again, never deployed.
 */
#ifndef DEPLOY_BUILD_H
#define DEPLOY_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "ax_manifest.h"
#include "deploy_descriptor.h"
#include "deploy_util.h"

struct deploy_image {
	char path[DEPLOY_PATH_MAX];  /* the cached image file */
	uint8_t measurement[32];     /* SHA-256 of the file */
	size_t size;
	int cached;                  /* 1: found in the cache, not compiled */
	int rebuilt;                 /* 1: the cache entry no longer matched
				      * its recorded measurement: built anew */
	struct ax_manifest man;      /* endpoints read from the image */
};

/*
 * deploy_build_module - build (or find in the cache) the image of source
 * for a node of the given platform ("tzm": the Cortex-M33 image; any
 * other name or NULL: the host image). On a compiler error the message
 * holds the compiler's first lines; the whole log is kept beside the image
 * as <hash>.log. A tzm build without arm-none-eabi-gcc fails with a
 * message naming the Debian package gcc-arm-none-eabi.
 */
DEPLOY_MUST_CHECK deploy_status deploy_build_module(const char *source,
	const char *platform, const char *cache_dir, struct deploy_image *img,
	char *err, size_t errlen);

/*
 * deploy_build_load_image - read an image file whole (at most
 * AX_WIRE_IMAGE_MAX bytes), measure it and read its manifest. The caller
 * frees *bytes (may pass NULL to only measure).
 */
DEPLOY_MUST_CHECK deploy_status deploy_build_load_image(const char *path,
	struct deploy_image *img, uint8_t **bytes, char *err, size_t errlen);

#endif /* DEPLOY_BUILD_H */
