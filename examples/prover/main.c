/*
 * A tiny stand-in for a Gevulot prover, used by the boot test in .github/workflows/e2e.yml.
 *
 * As far as a boot test can see, it behaves like a prover: it runs once under Nanos with a
 * read-only root filesystem, writes its "proof" into the workspace volume (/workspace), prints
 * to stdout and exits 0. A real prover also talks to the Gevulot shim; this one does not.
 *
 * The proof file holds:
 *   nanos-image-action prover: proof generated
 *   argv: <every argument, argv[0] included, separated by spaces>
 *   greeting: <the GREETING environment variable, or "(unset)">
 *
 * Build it static, so that the image needs no host libraries:
 *   gcc -static -O2 -o prover examples/prover/main.c
 * Outside Nanos, set WORKSPACE to a writable directory to try it:
 *   WORKSPACE=/tmp/ws ./prover --proof-id 42
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROOF_LINE "nanos-image-action prover: proof generated"

static const char *workspace(void)
{
    const char *dir = getenv("WORKSPACE");
    return dir != NULL && dir[0] != '\0' ? dir : "/workspace";
}

int main(int argc, char **argv)
{
    char path[4096];
    const char *greeting = getenv("GREETING");
    int n = snprintf(path, sizeof path, "%s/proof.txt", workspace());
    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "prover: the workspace path is too long\n");
        return 2;
    }

    printf("prover: started with %d argument(s)\n", argc - 1);
    fflush(stdout);

    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "prover: cannot create %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "%s\nargv:", PROOF_LINE);
    for (int i = 0; i < argc; i++)
        fprintf(f, " %s", argv[i]);
    fprintf(f, "\ngreeting: %s\n", greeting != NULL ? greeting : "(unset)");
    if (fflush(f) != 0) {
        fprintf(stderr, "prover: cannot write %s: %s\n", path, strerror(errno));
        fclose(f);
        return 1;
    }
    /* Best effort: the file system behind /workspace may not implement fsync. */
    if (fsync(fileno(f)) != 0)
        fprintf(stderr, "prover: fsync %s: %s (ignored)\n", path, strerror(errno));
    if (fclose(f) != 0) {
        fprintf(stderr, "prover: cannot close %s: %s\n", path, strerror(errno));
        return 1;
    }

    printf("prover: wrote %s\n%s\n", path, PROOF_LINE);
    return fflush(stdout) == 0 ? 0 : 1;
}
