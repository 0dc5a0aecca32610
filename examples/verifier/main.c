/*
 * A tiny stand-in for a Gevulot verifier, used by the boot test in .github/workflows/e2e.yml.
 *
 * As far as a boot test can see, it behaves like a verifier: it runs once under Nanos with a
 * read-only root filesystem, reads the proof the prover left in the workspace volume
 * (/workspace/proof.txt), writes its verdict to /workspace/verified.txt, prints to stdout and
 * exits 0. A real verifier also talks to the Gevulot shim; this one does not.
 *
 * The verdict file holds one line:
 *   nanos-image-action verifier: proof valid     (proof.txt starts with the prover's line)
 *   nanos-image-action verifier: proof invalid   (proof.txt says something else)
 *   nanos-image-action verifier: proof missing   (there is no proof.txt)
 * The verdict is data, not an exit status: the program exits 0 whenever it wrote the file.
 *
 * Build it static, so that the image needs no host libraries:
 *   gcc -static -O2 -o verifier examples/verifier/main.c
 * Outside Nanos, set WORKSPACE to a writable directory to try it:
 *   WORKSPACE=/tmp/ws ./verifier
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROOF_LINE "nanos-image-action prover: proof generated"
#define VERDICT_PREFIX "nanos-image-action verifier: proof "

static const char *workspace(void)
{
    const char *dir = getenv("WORKSPACE");
    return dir != NULL && dir[0] != '\0' ? dir : "/workspace";
}

/* "valid", "invalid" or "missing", from the first line of the proof file. */
static const char *verdict(const char *proof_path)
{
    char line[256];
    FILE *f = fopen(proof_path, "r");
    if (f == NULL)
        return errno == ENOENT ? "missing" : "invalid";
    const char *result = "invalid";
    if (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, PROOF_LINE) == 0)
            result = "valid";
    }
    fclose(f);
    return result;
}

int main(void)
{
    char proof[4096], out[4096];
    int a = snprintf(proof, sizeof proof, "%s/proof.txt", workspace());
    int b = snprintf(out, sizeof out, "%s/verified.txt", workspace());
    if (a < 0 || b < 0 || (size_t)a >= sizeof proof || (size_t)b >= sizeof out) {
        fprintf(stderr, "verifier: the workspace path is too long\n");
        return 2;
    }

    printf("verifier: started\n");
    fflush(stdout);
    const char *result = verdict(proof);

    FILE *f = fopen(out, "w");
    if (f == NULL) {
        fprintf(stderr, "verifier: cannot create %s: %s\n", out, strerror(errno));
        return 1;
    }
    fprintf(f, "%s%s\n", VERDICT_PREFIX, result);
    if (fflush(f) != 0) {
        fprintf(stderr, "verifier: cannot write %s: %s\n", out, strerror(errno));
        fclose(f);
        return 1;
    }
    /* Best effort: the file system behind /workspace may not implement fsync. */
    if (fsync(fileno(f)) != 0)
        fprintf(stderr, "verifier: fsync %s: %s (ignored)\n", out, strerror(errno));
    if (fclose(f) != 0) {
        fprintf(stderr, "verifier: cannot close %s: %s\n", out, strerror(errno));
        return 1;
    }

    printf("verifier: wrote %s\n%s%s\n", out, VERDICT_PREFIX, result);
    return fflush(stdout) == 0 ? 0 : 1;
}
