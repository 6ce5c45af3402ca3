/* Shared between proc.bpf.c (kernel side) and main.c (user side): the records in the ring buffer. */
#ifndef MAMORI_PROC_H
#define MAMORI_PROC_H

#define FN_MAX 4096     /* filename bytes kept (including the NUL the kernel read adds) */
#define ARGV_MAX 4096   /* argv bytes read from the new mm (arg_start..arg_end) */
#define SC_DATA_MAX 256 /* sockaddr / memfd name / module params bytes kept */
#define SC_ADDR_MAX 128 /* sizeof(struct sockaddr_storage) */
#define PATH_BYTES_MAX 4096 /* cwd / exe path bytes kept (components, each with its NUL) */
#define NAME_READ 256       /* one path component: NAME_MAX + NUL */
#define PATH_STEPS_MAX 512  /* path walk: components plus mount crossings */
#define ENV_OUT_MAX 4096    /* loader variables kept ("NAME=value" strings, each with its NUL) */
#define ENV_PIECE 4096      /* environment read per step: one variable, or 4 KiB of a longer one */
#define ENV_STEPS_MAX 1024  /* environment scan bound: steps ... */
#define ENV_SCAN_MAX (256u << 10) /* ... and bytes */
/* Filename, argv, cwd and env together stay below DATA_BASE_MASK + 1 bytes, so each field starts at
 * (offset & DATA_BASE_MASK) and a write of up to 8 KiB from there provably fits (for the verifier). */
#define DATA_BASE_MASK 16383
#define EXEC_DATA_MAX (DATA_BASE_MASK + 1 + 8192)

enum ev_type {
	EV_EXEC = 1,
	EV_FORK = 2,
	EV_EXIT = 3,
	EV_SYSCALL = 4,
};

/* Syscall kinds (architecture independent; the BPF side maps x86_64 and ia32 numbers to these). */
enum sc_kind {
	SC_NONE = 0,
	SC_PTRACE,
	SC_MEMFD_CREATE,
	SC_INIT_MODULE,
	SC_FINIT_MODULE,
	SC_SETUID,
	SC_SETGID,
	SC_SETREUID,
	SC_SETREGID,
	SC_SETRESUID,
	SC_SETRESGID,
	SC_SETFSUID,
	SC_SETFSGID,
	SC_CONNECT,
	SC_ACCEPT,
	SC_ACCEPT4,
	SC_BIND,
	SC_LISTEN,
	SC_SOCKETCALL, /* ia32 only: resolved to one of the above at entry */
	SC_KIND_MAX,
};

struct ev_hdr {
	__u64 ts_ns;    /* bpf_ktime_get_boot_ns() */
	__u64 start_ns; /* group leader's start_boottime */
	__u32 type;     /* enum ev_type */
	__u32 pid;      /* tgid */
	__u32 tid;
	__u32 ppid;     /* real_parent->tgid */
	__u32 uid;      /* real uid */
	__u32 gid;      /* real gid */
	char comm[16];
};

enum cwd_flags {
	CWD_OK = 1,      /* the walk started: cwd_len bytes are components */
	CWD_TRUNC = 2,   /* stopped before the root (too deep or too long): the leading part is missing */
	CWD_DELETED = 4, /* the directory was removed (readlink adds " (deleted)") */
};

enum env_flags {
	ENV_SCANNED = 1, /* the environment was read (env_len may be 0) */
	ENV_TRUNC = 2,   /* the scan stopped at its bound, or a variable was cut */
};

enum exe_kind {
	EXE_NORMAL = 0,  /* nothing to report: /proc/PID/exe is an ordinary path */
	EXE_PSEUDO = 1,  /* memfd (or another pseudo file): data holds its dentry name, e.g. "memfd:x" */
	EXE_DELETED = 2, /* unlinked file: data holds its path components */
};

/* Variable length. data holds, back to back:
 *   filename  fn_len bytes, no NUL
 *   argv      argv_len bytes, NUL separated
 *   cwd       cwd_len bytes: path components, each NUL-terminated, the leaf first
 *   env       env_len bytes: "NAME=value" strings (loader variables only), each NUL-terminated
 *   exe       exe_len bytes: components like cwd (EXE_DELETED) or one name (EXE_PSEUDO) */
struct exec_event {
	struct ev_hdr h;
	__u16 fn_len;
	__u16 argv_len;
	__u16 cwd_len;
	__u16 env_len;
	__u16 exe_len;
	__u8 fn_trunc;
	__u8 argv_trunc;
	__u8 argv_fail;
	__u8 cwd_flags; /* enum cwd_flags */
	__u8 env_flags; /* enum env_flags */
	__u8 exe_kind;  /* enum exe_kind */
	__u8 exe_trunc;
	__u8 pad[5];
	char data[EXEC_DATA_MAX];
};

struct fork_event {
	struct ev_hdr h;
	__u64 parent_start_ns;
};

struct exit_event {
	struct ev_hdr h;
	__s32 exit_code;
	__s32 signal;
	__u32 core_dumped;
	__u32 pad;
};

/* What sys_enter stashes per thread for sys_exit. */
struct sc_stash {
	__u32 kind;       /* enum sc_kind */
	__u32 compat;     /* ia32 syscall: pointers and ids are 32 bit */
	__u64 args[6];
	__u32 data_len;   /* bytes in data (sockaddr length, or string length without NUL) */
	__u32 data_trunc; /* string was cut */
	__u8 data[SC_DATA_MAX];
};

struct sc_event {
	struct ev_hdr h;
	__s64 ret;
	struct sc_stash s;
};

#endif
