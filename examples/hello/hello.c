/*
 * Hello, Nanos: the program of the bundled local example (`npm run example`).
 *
 * It writes one line to /workspace/hello.txt (the workspace volume), prints it to stdout and
 * exits 0, which is all a boot test needs to see.
 *
 * Build it static, so that the image needs no host libraries:
 *   gcc -static -O2 -o examples/hello/hello examples/hello/hello.c
 * Outside Nanos, set WORKSPACE to a writable directory to try it:
 *   WORKSPACE=/tmp/ws examples/hello/hello
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELLO_LINE "Hello from Nanos!"

int main(void)
{
    char path[4096];
    const char *dir = getenv("WORKSPACE");
    if (dir == NULL || dir[0] == '\0')
        dir = "/workspace";
    int n = snprintf(path, sizeof path, "%s/hello.txt", dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "hello: the workspace path is too long\n");
        return 2;
    }

    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "hello: cannot create %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "%s\n", HELLO_LINE);
    if (fclose(f) != 0) {
        fprintf(stderr, "hello: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }

    printf("%s\n", HELLO_LINE);
    return fflush(stdout) == 0 ? 0 : 1;
}
