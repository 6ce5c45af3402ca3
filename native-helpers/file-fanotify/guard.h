/* Exec prevention: a FAN_CLASS_CONTENT group with FAN_OPEN_EXEC_PERM on the same filesystems. Each
 * exec is answered from a decision cache (dev, ino, size, mtime, ctime) or by asking the core on
 * stdout and waiting, without blocking anything else, for its verdict on stdin; no verdict in time
 * means allow (fail open) and an exec_timeout line. Protocol: ../PROTOCOL.md, "File events". */
#ifndef MAMORI_GUARD_H
#define MAMORI_GUARD_H

#include <stdbool.h>
#include <stddef.h>

bool guard_start(int timeout_ms, char *why, size_t cap);
int guard_fd(void);
/* Answers or forwards every permission event waiting; false if there was none. */
bool guard_read(void);
/* stdin from the core is readable: verdicts and cache commands. */
void guard_stdin(void);
bool guard_stdin_open(void);
/* ms until the oldest unanswered request times out; -1 if none. */
int guard_next_timeout_ms(void);
void guard_expire(void);
/* Allows everything still waiting (at exit). */
void guard_stop(void);
/* The self-test: may this process hold exec permission marks? */
bool guard_probe(char *why, size_t cap);

#endif
