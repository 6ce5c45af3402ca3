/*
 * exec-timer PREFIX FIRST LAST: fork + execv(PREFIX<i>) + waitpid for i = FIRST..LAST, one after another, and
 * print the nanoseconds each took (CLOCK_MONOTONIC), one line per exec. Built by the files bench (cc -O2) so the
 * exec guard's cost can be read per exec (p50/p99), not only as the mean of a shell loop. Exit 1 when a child
 * did not exit 0 (the guard must never refuse /bin/true), 2 on bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: exec-timer PREFIX FIRST LAST\n"); return 2; }
  long first = strtol(argv[2], NULL, 10), last = strtol(argv[3], NULL, 10);
  if (first < 0 || last < first || strlen(argv[1]) > 4000) { fprintf(stderr, "bad range\n"); return 2; }
  char path[4096 + 32];
  int failed = 0;
  for (long i = first; i <= last; i++) {
    snprintf(path, sizeof path, "%s%ld", argv[1], i);
    char *child_argv[] = { path, NULL };
    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) { execv(path, child_argv); _exit(127); }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); return 1; }
    long long t1 = now_ns();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    printf("%lld\n", t1 - t0);
  }
  if (failed) fprintf(stderr, "%d exec(s) failed\n", failed);
  return failed ? 1 : 0;
}
