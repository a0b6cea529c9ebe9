/*
 * deploy_build.c - see deploy_build.h.
 */
#include "deploy_build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ax_crypto.h"
#include "ax_wire.h"
#include "deploy_config.h"

#define MAX_ARGS 128
#define MAX_HASHED 32 /* files in an image's fixed inputs, plus one */
#define SOURCE_MAX (4 * 1024 * 1024)

/* Split a ';'/' ' separated list into argv (pointers into buf). */
static int split(char *buf, char **argv, int n, int max)
{
	for (char *tok = strtok(buf, "; "); tok != NULL && n < max;
	     tok = strtok(NULL, "; "))
		argv[n++] = tok;
	return n;
}

/* How images for one kind of node are built. host (native, process):
 * this build's compiler and flags, the glue and this build's runtime and
 * crypto libraries, like authex_add_module(). tzm: arm-none-eabi-gcc with
 * module.flags, every runtime source compiled in. */
struct target {
	const char *name;     /* enters the cache key */
	const char *cc;
	const char *cflags, *defines, *ldflags;
	const char *inputs;   /* after the module's source on the command */
	const char *hashed;   /* files that enter the cache key */
};

#define MODULE_H DEPLOY_CFG_SOURCE_DIR "/include/authex/module.h"

static const struct target targets[] = {
	{"host", DEPLOY_CFG_CC, DEPLOY_CFG_CFLAGS, DEPLOY_CFG_DEFINES,
	 DEPLOY_CFG_LDFLAGS, DEPLOY_CFG_GLUE ";" DEPLOY_CFG_LIBS,
	 DEPLOY_CFG_GLUE ";" MODULE_H ";" DEPLOY_CFG_LIBS},
	{"tzm", DEPLOY_CFG_TZM_CC, DEPLOY_CFG_TZM_CFLAGS, "",
	 DEPLOY_CFG_TZM_LDFLAGS, DEPLOY_CFG_TZM_SRCS,
	 MODULE_H ";" DEPLOY_CFG_TZM_SRCS ";" DEPLOY_CFG_TZM_HEADERS},
};
#define N_TARGETS (sizeof targets / sizeof targets[0])

struct cmd {
	char cflags[4096], defines[1024], includes[2048], inputs[4096],
		ldflags[1024];
	char incl_args[16][DEPLOY_PATH_MAX + 2];
	char def_args[32][256];
	char *argv[MAX_ARGS + 1];
	int argc;
};

/* The compiler command line, without output, source and inputs (added
 * later). */
static void make_cmd(struct cmd *c, const struct target *t)
{
	char *tmp[32];
	int n;

	snprintf(c->cflags, sizeof c->cflags, "%s", t->cflags);
	snprintf(c->defines, sizeof c->defines, "%s", t->defines);
	snprintf(c->includes, sizeof c->includes, "%s", DEPLOY_CFG_INCLUDES);
	snprintf(c->ldflags, sizeof c->ldflags, "%s", t->ldflags);
	c->argc = 0;
	c->argv[c->argc++] = (char *)t->cc;
	c->argc = split(c->cflags, c->argv, c->argc, MAX_ARGS - 40);
	n = split(c->defines, tmp, 0, 32);
	for (int i = 0; i < n; i++) {
		snprintf(c->def_args[i], sizeof c->def_args[i], "-D%s", tmp[i]);
		c->argv[c->argc++] = c->def_args[i];
	}
	n = split(c->includes, tmp, 0, 16);
	for (int i = 0; i < n; i++) {
		snprintf(c->incl_args[i], sizeof c->incl_args[i], "-I%s",
			 tmp[i]);
		c->argv[c->argc++] = c->incl_args[i];
	}
	c->argc = split(c->ldflags, c->argv, c->argc, MAX_ARGS - 24);
	c->argv[c->argc] = NULL;
}

/* Digest of everything but the module's own source that goes into an
 * image: the target's name, the compiler command and the target's fixed
 * files (host: the glue, module.h, the libraries, a few MB with
 * libcrypto; tzm: module.h and the runtime's sources and headers). It is
 * the same for every module of one run, so it is computed once per
 * process and target. */
static deploy_status hash_fixed(const struct cmd *c, size_t ti,
				uint8_t out[32], char *err, size_t errlen)
{
	static uint8_t fixed[N_TARGETS][32];
	static int have_fixed[N_TARGETS];
	char names[4096], *file[MAX_HASHED];
	struct ax_iov iov[MAX_ARGS + MAX_HASHED + 1];
	uint8_t *bufs[MAX_HASHED] = {0};
	size_t niov = 0, nbuf = 0, len;
	int nfile;
	deploy_status st = DEPLOY_OK;

	if (have_fixed[ti]) {
		memcpy(out, fixed[ti], 32);
		return DEPLOY_OK;
	}
	iov[niov++] = (struct ax_iov){targets[ti].name,
				      strlen(targets[ti].name) + 1};
	for (int i = 0; i < c->argc; i++) /* the command, NULs included */
		iov[niov++] = (struct ax_iov){c->argv[i], strlen(c->argv[i]) + 1};
	snprintf(names, sizeof names, "%s", targets[ti].hashed);
	nfile = split(names, file, 0, MAX_HASHED);
	if (nfile == MAX_HASHED) { /* maybe cut short: never a partial key */
		deploy_errf(err, errlen, "%s image: more than %d fixed inputs",
			    targets[ti].name, MAX_HASHED - 1);
		return DEPLOY_E_FAIL;
	}
	for (int i = 0; i < nfile && st == DEPLOY_OK; i++) {
		st = deploy_read_file(file[i], &bufs[nbuf], &len, 256u << 20,
				      err, errlen);
		if (st == DEPLOY_OK)
			iov[niov++] = (struct ax_iov){bufs[nbuf++], len};
	}
	if (st == DEPLOY_OK &&
	    ax_sha256(iov, niov, fixed[ti]) != AX_CRYPTO_OK) {
		deploy_errf(err, errlen, "SHA-256 failed");
		st = DEPLOY_E_FAIL;
	}
	for (size_t i = 0; i < nbuf; i++)
		free(bufs[i]);
	if (st == DEPLOY_OK) {
		have_fixed[ti] = 1;
		memcpy(out, fixed[ti], 32);
	}
	return st;
}

/* The image cache key: SHA-256(fixed inputs' digest || module source). */
static deploy_status hash_inputs(const char *source, const struct cmd *c,
				 size_t ti, uint8_t out[32], char *err,
				 size_t errlen)
{
	uint8_t fixed[32], *src = NULL;
	size_t len;
	struct ax_iov iov[2];
	deploy_status st = hash_fixed(c, ti, fixed, err, errlen);

	if (st == DEPLOY_OK)
		st = deploy_read_file(source, &src, &len, 256u << 20, err,
				      errlen);
	if (st != DEPLOY_OK)
		return st;
	iov[0] = (struct ax_iov){fixed, sizeof fixed};
	iov[1] = (struct ax_iov){src, len};
	if (ax_sha256(iov, 2, out) != AX_CRYPTO_OK) {
		deploy_errf(err, errlen, "SHA-256 failed");
		st = DEPLOY_E_FAIL;
	}
	free(src);
	return st;
}

static deploy_status mkdirs(const char *dir, char *err, size_t errlen)
{
	char tmp[DEPLOY_PATH_MAX];

	snprintf(tmp, sizeof tmp, "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		(void)mkdir(tmp, 0700);
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
		deploy_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

/* Run argv with stdout and stderr going to log; 0 if it exited 0. */
static int run_compiler(char **argv, const char *log)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* "compiler failed: <first lines of the log>" */
static void compile_error(const char *source, const char *log, char *err,
			  size_t errlen)
{
	uint8_t *text = NULL;
	size_t len = 0;

	if (deploy_read_file(log, &text, &len, 1 << 20, NULL, 0) != DEPLOY_OK)
		len = 0;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n' || text[i] == '\t')
			text[i] = ' ';
	deploy_errf(err, errlen, "compiling %s failed (log: %s): %.400s",
		    source, log, len ? (char *)text : "no output");
	free(text);
}

deploy_status deploy_build_load_image(const char *path,
				      struct deploy_image *img,
				      uint8_t **bytes, char *err,
				      size_t errlen)
{
	uint8_t *b;
	size_t len;
	ax_manifest_status ms;

	if (bytes != NULL)
		*bytes = NULL;
	if (deploy_read_file(path, &b, &len, AX_WIRE_IMAGE_MAX, err, errlen) !=
	    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	snprintf(img->path, sizeof img->path, "%s", path);
	img->size = len;
	ms = ax_manifest_measure(b, len, img->measurement);
	if (ms == AX_MANIFEST_OK)
		ms = ax_manifest_read(b, len, &img->man);
	if (ms != AX_MANIFEST_OK) {
		deploy_errf(err, errlen, "%s: %s", path,
			    ax_manifest_status_str(ms));
		free(b);
		return DEPLOY_E_FAIL;
	}
	if (bytes != NULL)
		*bytes = b;
	else
		free(b);
	return DEPLOY_OK;
}

/* The cache keeps, beside each image, the measurement it had when it was
 * built ("<image>.sha256"). An image whose bytes no longer match (changed
 * on disk, half written, tampered with) is never used: it is built again,
 * so what gets measured and attested is always what the compiler made. */
static deploy_status write_seal(const char *image,
				const struct deploy_image *img, char *err,
				size_t errlen)
{
	char path[DEPLOY_PATH_MAX + 8], hex[65];
	FILE *f;

	snprintf(path, sizeof path, "%s.sha256", image);
	deploy_hex(img->measurement, 32, hex);
	f = fopen(path, "w");
	if (f == NULL || fprintf(f, "%s\n", hex) < 0 || fclose(f) != 0) {
		deploy_errf(err, errlen, "%s: %s", path, strerror(errno));
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

/* 1: the cached image is intact and loaded into img; 0: it was removed. */
static int cached_image(const char *image, struct deploy_image *img,
			char *err, size_t errlen)
{
	char path[DEPLOY_PATH_MAX + 8], hex[65];
	uint8_t *seal = NULL;
	size_t len = 0;
	int same;

	snprintf(path, sizeof path, "%s.sha256", image);
	if (deploy_build_load_image(image, img, NULL, err, errlen) != DEPLOY_OK ||
	    deploy_read_file(path, &seal, &len, 128, NULL, 0) != DEPLOY_OK) {
		free(seal);
		goto stale;
	}
	deploy_hex(img->measurement, 32, hex);
	same = len >= 64 && memcmp(seal, hex, 64) == 0;
	free(seal);
	if (same) {
		img->cached = 1;
		return 1;
	}
stale:
	unlink(image);
	unlink(path);
	memset(img, 0, sizeof *img);
	return 0;
}

/* Index into targets[] of the images for a node of this platform. */
static size_t target_of(const char *platform)
{
	return platform != NULL && strcmp(platform, "tzm") == 0 ? 1 : 0;
}

/* The compiler must exist before anything is built or cached. */
static deploy_status check_compiler(const struct target *t, char *err,
				    size_t errlen)
{
	if (strcmp(t->name, "tzm") != 0)
		return DEPLOY_OK;
	if (t->cc[0] == 0) {
		deploy_errf(err, errlen, "a module for a tzm node is built "
			    "with arm-none-eabi-gcc, which was not found when "
			    "authex was configured: install the Debian "
			    "package gcc-arm-none-eabi, then configure and "
			    "build authex again (make)");
		return DEPLOY_E_FAIL;
	}
	if (access(t->cc, X_OK) != 0) {
		deploy_errf(err, errlen, "a module for a tzm node is built "
			    "with %s: %s (Debian package gcc-arm-none-eabi)",
			    t->cc, strerror(errno));
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

/* Compile source with c into the temporary file tmp; log gets the
 * compiler's output. */
static deploy_status compile(struct cmd *c, const struct target *t,
			     const char *source, const char *tmp,
			     const char *log, char *err, size_t errlen)
{
	int n;

	c->argv[c->argc++] = (char *)"-o";
	c->argv[c->argc++] = (char *)tmp;
	c->argv[c->argc++] = (char *)source;
	snprintf(c->inputs, sizeof c->inputs, "%s", t->inputs);
	n = split(c->inputs, c->argv, c->argc, MAX_ARGS);
	c->argv[n] = NULL;
	if (run_compiler(c->argv, log) != 0) {
		unlink(tmp);
		compile_error(source, log, err, errlen);
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

deploy_status deploy_build_module(const char *source, const char *platform,
				  const char *cache_dir,
				  struct deploy_image *img, char *err,
				  size_t errlen)
{
	size_t ti = target_of(platform);
	struct cmd *c = calloc(1, sizeof *c);
	char hex[65], out[DEPLOY_PATH_MAX], tmp[DEPLOY_PATH_MAX + 32],
		log[DEPLOY_PATH_MAX + 8];
	uint8_t hash[32];
	deploy_status st = DEPLOY_E_FAIL;
	int stale = 0;

	memset(img, 0, sizeof *img);
	if (c == NULL) {
		deploy_errf(err, errlen, "out of memory");
		return DEPLOY_E_FAIL;
	}
	if (check_compiler(&targets[ti], err, errlen) != DEPLOY_OK)
		goto out;
	make_cmd(c, &targets[ti]);
	if (hash_inputs(source, c, ti, hash, err, errlen) != DEPLOY_OK ||
	    mkdirs(cache_dir, err, errlen) != DEPLOY_OK)
		goto out;
	deploy_hex(hash, 16, hex);
	snprintf(out, sizeof out, "%s/%s.so", cache_dir, hex);
	snprintf(log, sizeof log, "%s/%s.log", cache_dir, hex);
	if (access(out, R_OK) == 0) {
		if (cached_image(out, img, err, errlen)) {
			st = DEPLOY_OK;
			goto out;
		}
		stale = 1; /* changed or unverifiable: build it anew */
	}
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", out, (long)getpid());
	img->rebuilt = stale;
	if (compile(c, &targets[ti], source, tmp, log, err, errlen) !=
	    DEPLOY_OK)
		goto out;
	if (rename(tmp, out) != 0) {
		deploy_errf(err, errlen, "%s: %s", out, strerror(errno));
		unlink(tmp);
		goto out;
	}
	st = deploy_build_load_image(out, img, NULL, err, errlen);
	if (st == DEPLOY_OK)
		st = write_seal(out, img, err, errlen);
out:
	free(c);
	return st;
}
