/*
 * The real tier's test program: one binary whose behaviour the test picks with its arguments
 * (the action's `args`/`test-args`), so that each case asserts what the program really did
 * inside a real Nanos VM. Built static or dynamic, for x86-64 or aarch64 (see programs.ts).
 *
 *   probe                      print "probe: hello" and exit 0
 *   probe exit N               print "probe: exiting N" and exit with N
 *   probe segv                 write to address 16 (SIGSEGV)
 *   probe hang                 sleep forever (nanosleep)
 *   probe stat2 PATH           stat() PATH twice (the Nanos 0.1.55 9p fault), then exit 0
 *   probe prove                read /workspace/task.json, write /workspace/proof.txt with the
 *                              task, $GREETING and the arguments; exit 0
 *   probe write-root           try to create /probe-root.txt (EROFS on a read-only root) and
 *                              print the outcome; exit 0 when it could, 4 when it could not
 *   probe cat PATH...          print each file (the image's `files` and `dirs`)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int cat(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("probe: cannot open %s: %s\n", path, strerror(errno));
    return 1;
  }
  char line[512];
  while (fgets(line, sizeof line, f)) printf("probe: %s: %s", path, line);
  fclose(f);
  return 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "hello";
  setvbuf(stdout, NULL, _IONBF, 0);
  if (!strcmp(mode, "exit") && argc > 2) {
    printf("probe: exiting %s\n", argv[2]);
    return atoi(argv[2]);
  }
  if (!strcmp(mode, "segv")) {
    printf("probe: about to crash\n");
    int *volatile bad = (int *)16;
    *bad = 1;
    return 0;
  }
  if (!strcmp(mode, "hang")) {
    printf("probe: sleeping\n");
    for (;;) {
      struct timespec t = {1000, 0};
      nanosleep(&t, NULL);
    }
  }
  if (!strcmp(mode, "stat2") && argc > 2) {
    struct stat s;
    int a = stat(argv[2], &s);
    printf("probe: stat1 %d\n", a);
    int b = stat(argv[2], &s);
    printf("probe: stat2 %d\n", b);
    return 0;
  }
  if (!strcmp(mode, "prove")) {
    char task[256] = "";
    FILE *in = fopen("/workspace/task.json", "r");
    if (!in) {
      printf("probe: no task: %s\n", strerror(errno));
      return 2;
    }
    size_t n = fread(task, 1, sizeof task - 1, in);
    task[n] = 0;
    fclose(in);
    FILE *out = fopen("/workspace/proof.txt", "w");
    if (!out) {
      printf("probe: cannot write the proof: %s\n", strerror(errno));
      return 3;
    }
    const char *greeting = getenv("GREETING");
    fprintf(out, "task: %s", task);
    fprintf(out, "greeting: %s\n", greeting ? greeting : "(unset)");
    fprintf(out, "argv:");
    for (int i = 1; i < argc; i++) fprintf(out, " %s", argv[i]);
    fprintf(out, "\n");
    fsync(fileno(out));
    fclose(out);
    printf("probe: proof written\n");
    return 0;
  }
  if (!strcmp(mode, "write-root")) {
    FILE *f = fopen("/probe-root.txt", "w");
    if (!f) {
      printf("probe: root write failed: %s\n", strerror(errno));
      return 4;
    }
    fputs("written\n", f);
    fclose(f);
    printf("probe: root write ok\n");
    return 0;
  }
  if (!strcmp(mode, "cat")) {
    int failed = 0;
    for (int i = 2; i < argc; i++) failed |= cat(argv[i]);
    return failed;
  }
  printf("probe: hello\n");
  return 0;
}
