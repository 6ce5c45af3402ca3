/* Shared between proc.bpf.c (kernel side) and main.c (user side): the records in the ring buffer. */
#ifndef MAMORI_PROC_H
#define MAMORI_PROC_H

#define FN_MAX 4096     /* filename bytes kept (including the NUL the kernel read adds) */
#define ARGV_MAX 4096   /* argv bytes read from the new mm (arg_start..arg_end) */
#define SC_DATA_MAX 256 /* sockaddr / memfd name / module params bytes kept */
#define SC_ADDR_MAX 128 /* sizeof(struct sockaddr_storage) */

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

/* Variable length: data holds the filename (fn_len bytes, no NUL) followed by argv (argv_len bytes, NUL separated). */
struct exec_event {
	struct ev_hdr h;
	__u16 fn_len;
	__u16 argv_len;
	__u8 fn_trunc;
	__u8 argv_trunc;
	__u8 argv_fail;
	__u8 pad;
	char data[FN_MAX + ARGV_MAX];
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
