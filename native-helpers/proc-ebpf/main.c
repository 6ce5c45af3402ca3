// SPDX-License-Identifier: MIT
/* mamori-proc-ebpf: streams process lifecycle and security-relevant syscalls as NDJSON on stdout
 * (native-helpers/PROTOCOL.md, protocol 1, tier "ebpf"). Kernel side: proc.bpf.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "proc.h"
#include "proc.skel.h"

#define HELPER "mamori-proc-ebpf"
#define VERSION "0.2.0"
#define PROTOCOL 1
#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

#define ARGS_MAX 32     /* argv entries reported */
#define ARG_LEN_MAX 256 /* bytes per argv entry */
#define OUT_CAP (1u << 20)
#define EVENT_JSON_MAX (192u << 10) /* worst case of one formatted event (every byte \u00XX escaped) */
#define RING_MIB_DEFAULT 2
#define FIRST_BATCH_NS 10000000ull /* after an idle wakeup, let the burst collect for 10 ms */
#define BUSY_PERIOD_NS 20000000ull /* while records keep coming, drain every 20 ms */
#define DROP_CHECK_NS 100000000ull /* drop counters: every 100 ms while busy, and when going idle */

static volatile sig_atomic_t stop;
static int wake_fd = -1; /* eventfd: the signal handler wakes the main loop's epoll_wait */
static bool core_gone;
static uint64_t final_deadline; /* after SIGTERM: give up writing at this CLOCK_BOOTTIME instant */
static bool verbose;
static char last_libbpf_msg[200];

/* ------------------------------------------------------------------ output buffer */

static char *ob;
static size_t olen;
static uint64_t seq;

static uint64_t now_boot_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Write everything out. A full pipe blocks (the kernel counts what the ring buffer then loses);
 * SIGTERM interrupts the wait (what is left stays buffered for the final flush); EPIPE means the core
 * is gone. */
static void flush_out(void)
{
	size_t off = 0;
	while (off < olen && !core_gone) {
		ssize_t w = write(STDOUT_FILENO, ob + off, olen - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR) {
			if (stop)
				break;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = STDOUT_FILENO, .events = POLLOUT};
			poll(&p, 1, 50);
			if (stop || (final_deadline && now_boot_ns() > final_deadline))
				break;
			continue;
		}
		core_gone = true; /* EPIPE or another fatal error: nobody reads us any more */
		stop = 1;
		break;
	}
	if (core_gone || off >= olen) {
		olen = 0;
	} else if (off) {
		memmove(ob, ob + off, olen - off);
		olen -= off;
	}
}

static inline void need(size_t n)
{
	if (olen + n > OUT_CAP) {
		flush_out();
		if (olen + n > OUT_CAP)
			olen = 0; /* interrupted while stopping: nothing more will be written anyway */
	}
}

static inline void put(const void *s, size_t n)
{
	memcpy(ob + olen, s, n);
	olen += n;
}
#define PUTS(lit) put(lit, sizeof(lit) - 1)

static inline void put_u64(uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(tmp + i, sizeof(tmp) - i);
}

static inline void put_i64(int64_t v)
{
	if (v < 0) {
		ob[olen++] = '-';
		put_u64((uint64_t)0 - (uint64_t)v);
	} else {
		put_u64((uint64_t)v);
	}
}

/* 1 = copy as is; 0 = needs attention (control, quote, backslash, non-ASCII). */
static unsigned char plain[256];

static void init_tables(void)
{
	for (int c = 0; c < 256; c++)
		plain[c] = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0. */
static inline size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

static const char hexd[] = "0123456789abcdef";

/* JSON string body (no quotes). Invalid UTF-8 bytes become \u00XX, one per byte. */
static void put_esc(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && plain[s[j]])
			j++;
		if (j > i) {
			put(s + i, j - i);
			i = j;
			if (i == n)
				break;
		}
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t l = utf8_seq(s + i, n - i);
			if (l) {
				put(s + i, l);
				i += l;
				continue;
			}
		}
		char *o = ob + olen;
		switch (c) {
		case '"': o[0] = '\\'; o[1] = '"'; olen += 2; break;
		case '\\': o[0] = '\\'; o[1] = '\\'; olen += 2; break;
		case '\n': o[0] = '\\'; o[1] = 'n'; olen += 2; break;
		case '\t': o[0] = '\\'; o[1] = 't'; olen += 2; break;
		case '\r': o[0] = '\\'; o[1] = 'r'; olen += 2; break;
		default:
			memcpy(o, "\\u00", 4);
			o[4] = hexd[c >> 4];
			o[5] = hexd[c & 15];
			olen += 6;
		}
		i++;
	}
}

static inline void put_str(const void *s, size_t n)
{
	ob[olen++] = '"';
	put_esc(s, n);
	ob[olen++] = '"';
}

static inline void put_cstr(const char *s)
{
	put_str(s, strlen(s));
}

/* {"type":"<type>","seq":N,"ts_ns":T */
static void begin(const char *type, uint64_t ts)
{
	need(EVENT_JSON_MAX);
	PUTS("{\"type\":\"");
	put(type, strlen(type));
	PUTS("\",\"seq\":");
	put_u64(++seq);
	PUTS(",\"ts_ns\":");
	put_u64(ts);
}

static inline void end(void)
{
	PUTS("}\n");
}

static void emit_log(const char *level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	begin("log", now_boot_ns());
	PUTS(",\"level\":");
	put_cstr(level);
	PUTS(",\"message\":");
	put_cstr(msg);
	end();
}

static void emit_drop(uint64_t count, const char *reason)
{
	begin("drop", now_boot_ns());
	PUTS(",\"count\":");
	put_u64(count);
	PUTS(",\"reason\":");
	put_cstr(reason);
	end();
}

/* ------------------------------------------------------------------ event formatting */

static inline void put_comm(const char comm[16])
{
	PUTS(",\"comm\":");
	put_str(comm, strnlen(comm, 16));
}

/* Path components as the kernel side stores them (each NUL-terminated, the leaf first), written
 * root first: "/a/b/c". A path that was cut keeps its end and has no leading "/" ("b/c"). */
static void put_path(const char *p, size_t len, bool cut, const char *suffix)
{
	static uint16_t starts[PATH_BYTES_MAX / 2 + 1];
	size_t n = 0;
	for (size_t i = 0; i < len && n < sizeof(starts) / sizeof(starts[0]);) {
		starts[n++] = (uint16_t)i;
		const char *z = memchr(p + i, 0, len - i);
		i = z ? (size_t)(z - p) + 1 : len;
	}
	ob[olen++] = '"';
	if (!n && !cut)
		ob[olen++] = '/';
	for (size_t k = n; k-- > 0;) {
		const char *c = p + starts[k];
		size_t room = len - starts[k];
		const char *z = memchr(c, 0, room);
		if (k != n - 1 || !cut)
			ob[olen++] = '/';
		put_esc(c, z ? (size_t)(z - c) : room);
	}
	put(suffix, strlen(suffix));
	ob[olen++] = '"';
}

static void fmt_exec(const struct exec_event *e, size_t size)
{
	size_t hdr = offsetof(struct exec_event, data);
	size_t total = (size_t)e->fn_len + e->argv_len + e->cwd_len + e->env_len + e->exe_len;
	if (size < hdr || size < hdr + total)
		return;
	const struct ev_hdr *h = &e->h;
	begin("exec", h->ts_ns);
	PUTS(",\"pid\":");
	put_u64(h->pid);
	PUTS(",\"tid\":");
	put_u64(h->tid);
	PUTS(",\"ppid\":");
	put_u64(h->ppid);
	PUTS(",\"start_ns\":");
	put_u64(h->start_ns);
	PUTS(",\"uid\":");
	put_u64(h->uid);
	PUTS(",\"gid\":");
	put_u64(h->gid);
	put_comm(h->comm);
	PUTS(",\"filename\":");
	put_str(e->data, e->fn_len);
	if (e->fn_trunc)
		PUTS(",\"filename_truncated\":true");
	else
		PUTS(",\"filename_truncated\":false");

	bool trunc = e->argv_trunc;
	if (e->argv_fail) {
		PUTS(",\"argv\":null");
	} else {
		const char *a = e->data + e->fn_len, *end_a = a + e->argv_len;
		int n = 0;
		PUTS(",\"argv\":[");
		while (a < end_a) {
			if (n == ARGS_MAX) {
				trunc = true;
				break;
			}
			const char *z = memchr(a, 0, end_a - a);
			size_t l = z ? (size_t)(z - a) : (size_t)(end_a - a);
			size_t ol = l;
			if (l > ARG_LEN_MAX) {
				l = ARG_LEN_MAX;
				trunc = true;
			}
			if (n)
				ob[olen++] = ',';
			put_str(a, l);
			n++;
			a += ol + 1;
		}
		ob[olen++] = ']';
	}
	if (trunc)
		PUTS(",\"argv_truncated\":true");
	else
		PUTS(",\"argv_truncated\":false");

	const char *cwd = e->data + e->fn_len + e->argv_len;
	bool cwd_cut = e->cwd_flags & CWD_TRUNC;
	if ((e->cwd_flags & CWD_OK) && (e->cwd_len || !cwd_cut)) {
		PUTS(",\"cwd\":");
		put_path(cwd, e->cwd_len, cwd_cut, (e->cwd_flags & CWD_DELETED) ? " (deleted)" : "");
		if (cwd_cut)
			PUTS(",\"cwd_truncated\":true");
	}

	if (e->env_flags & ENV_SCANNED) {
		const char *v = cwd + e->cwd_len, *end_v = v + e->env_len;
		PUTS(",\"env\":[");
		for (int n = 0; v < end_v; n++) {
			const char *z = memchr(v, 0, end_v - v);
			size_t l = z ? (size_t)(z - v) : (size_t)(end_v - v);
			if (n)
				ob[olen++] = ',';
			put_str(v, l);
			v += l + 1;
		}
		ob[olen++] = ']';
		if (e->env_flags & ENV_TRUNC)
			PUTS(",\"env_truncated\":true");
	}

	const char *exe = cwd + e->cwd_len + e->env_len;
	if (e->exe_kind == EXE_PSEUDO && e->exe_len) {
		/* what d_path() gives for memfd_create files (simple_dname) */
		const char *z = memchr(exe, 0, e->exe_len);
		PUTS(",\"exe_link\":\"/");
		put_esc(exe, z ? (size_t)(z - exe) : e->exe_len);
		PUTS(" (deleted)\"");
	} else if (e->exe_kind == EXE_DELETED) {
		PUTS(",\"exe_link\":");
		put_path(exe, e->exe_len, e->exe_trunc, " (deleted)");
		if (e->exe_trunc)
			PUTS(",\"exe_link_truncated\":true");
	}
	end();
}

static void fmt_fork(const struct fork_event *e)
{
	const struct ev_hdr *h = &e->h;
	begin("fork", h->ts_ns);
	PUTS(",\"pid\":");
	put_u64(h->pid);
	PUTS(",\"ppid\":");
	put_u64(h->ppid);
	PUTS(",\"start_ns\":");
	put_u64(h->start_ns);
	PUTS(",\"parent_start_ns\":");
	put_u64(e->parent_start_ns);
	PUTS(",\"uid\":");
	put_u64(h->uid);
	end();
}

static void fmt_exit(const struct exit_event *e)
{
	const struct ev_hdr *h = &e->h;
	begin("exit", h->ts_ns);
	PUTS(",\"pid\":");
	put_u64(h->pid);
	PUTS(",\"start_ns\":");
	put_u64(h->start_ns);
	PUTS(",\"exit_code\":");
	put_i64(e->exit_code);
	PUTS(",\"signal\":");
	put_i64(e->signal);
	end();
}

static const char *family_name(unsigned fam)
{
	switch (fam) {
	case AF_UNSPEC: return "unspec";
	case AF_UNIX: return "unix";
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_NETLINK: return "netlink";
	case AF_PACKET: return "packet";
	case AF_VSOCK: return "vsock";
	case AF_BLUETOOTH: return "bluetooth";
	}
	return NULL;
}

/* ,"family":..,"<akey>":..,"<pkey>":.. or ,"path":.. (unix). Nothing when there is no address. */
static void put_sockaddr(const unsigned char *d, size_t len, const char *akey, const char *pkey)
{
	if (len < 2)
		return;
	unsigned fam = d[0] | (d[1] << 8);
	const char *name = family_name(fam);
	PUTS(",\"family\":");
	if (name) {
		put_cstr(name);
	} else {
		char tmp[16];
		snprintf(tmp, sizeof(tmp), "af_%u", fam);
		put_cstr(tmp);
	}
	if (fam == AF_INET && len >= 8) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, d + 4, a, sizeof(a));
		PUTS(",\"");
		put(akey, strlen(akey));
		PUTS("\":");
		put_cstr(a);
		PUTS(",\"");
		put(pkey, strlen(pkey));
		PUTS("\":");
		put_u64((d[2] << 8) | d[3]);
	} else if (fam == AF_INET6 && len >= 24) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, d + 8, a, sizeof(a));
		PUTS(",\"");
		put(akey, strlen(akey));
		PUTS("\":");
		put_cstr(a);
		PUTS(",\"");
		put(pkey, strlen(pkey));
		PUTS("\":");
		put_u64((d[2] << 8) | d[3]);
	} else if (fam == AF_UNIX) {
		const unsigned char *p = d + 2;
		size_t pl = len - 2;
		PUTS(",\"path\":\"");
		if (pl && p[0] == 0) { /* abstract namespace: shown as @name, every byte kept */
			ob[olen++] = '@';
			put_esc(p + 1, pl - 1);
		} else {
			const unsigned char *z = memchr(p, 0, pl);
			put_esc(p, z ? (size_t)(z - p) : pl);
		}
		ob[olen++] = '"';
	}
}

static inline int32_t s32(uint64_t v)
{
	return (int32_t)(uint32_t)v;
}

/* uid/gid argument: (uid_t)-1 means "unchanged" and is shown as -1. */
static inline void put_id(uint64_t v)
{
	uint32_t u = (uint32_t)v;
	if (u == 0xffffffffu)
		PUTS("-1");
	else
		put_u64(u);
}

static const char *const setid_names[] = {
	[SC_SETUID] = "setuid",     [SC_SETGID] = "setgid",     [SC_SETREUID] = "setreuid",
	[SC_SETREGID] = "setregid", [SC_SETRESUID] = "setresuid", [SC_SETRESGID] = "setresgid",
	[SC_SETFSUID] = "setfsuid", [SC_SETFSGID] = "setfsgid",
};

static void fmt_syscall(const struct sc_event *e)
{
	const struct ev_hdr *h = &e->h;
	const struct sc_stash *s = &e->s;
	const char *type;
	switch (s->kind) {
	case SC_PTRACE: type = "ptrace"; break;
	case SC_MEMFD_CREATE: type = "memfd_create"; break;
	case SC_INIT_MODULE:
	case SC_FINIT_MODULE: type = "module_load"; break;
	case SC_SETUID ... SC_SETFSGID: type = "setid"; break;
	case SC_CONNECT: type = "connect"; break;
	case SC_ACCEPT:
	case SC_ACCEPT4: type = "accept"; break;
	case SC_BIND: type = "bind"; break;
	case SC_LISTEN: type = "listen"; break;
	default: return;
	}
	size_t dl = s->data_len > SC_DATA_MAX ? SC_DATA_MAX : s->data_len;
	begin(type, h->ts_ns);
	PUTS(",\"pid\":");
	put_u64(h->pid);
	PUTS(",\"tid\":");
	put_u64(h->tid);
	PUTS(",\"start_ns\":");
	put_u64(h->start_ns);
	PUTS(",\"uid\":");
	put_u64(h->uid);
	put_comm(h->comm);
	PUTS(",\"ret\":");
	put_i64(s->compat ? (int64_t)s32((uint64_t)e->ret) : e->ret);
	if (s->compat)
		PUTS(",\"compat\":true");

	switch (s->kind) {
	case SC_PTRACE:
		PUTS(",\"request\":");
		put_i64(s->compat ? s32(s->args[0]) : (int64_t)s->args[0]);
		PUTS(",\"target_pid\":");
		put_i64(s32(s->args[1]));
		break;
	case SC_MEMFD_CREATE:
		PUTS(",\"name\":");
		put_str(s->data, dl);
		PUTS(",\"flags\":");
		put_u64((uint32_t)s->args[1]);
		break;
	case SC_INIT_MODULE:
	case SC_FINIT_MODULE:
		if (s->kind == SC_FINIT_MODULE) {
			PUTS(",\"syscall\":\"finit_module\",\"fd\":");
			put_i64(s32(s->args[0]));
		} else {
			PUTS(",\"syscall\":\"init_module\"");
		}
		PUTS(",\"params\":");
		put_str(s->data, dl);
		if (s->data_trunc)
			PUTS(",\"params_truncated\":true");
		break;
	case SC_SETUID ... SC_SETFSGID: {
		int nargs = (s->kind == SC_SETREUID || s->kind == SC_SETREGID) ? 2
			    : (s->kind == SC_SETRESUID || s->kind == SC_SETRESGID) ? 3 : 1;
		PUTS(",\"syscall\":");
		put_cstr(setid_names[s->kind]);
		PUTS(",\"args\":[");
		for (int i = 0; i < nargs; i++) {
			if (i)
				ob[olen++] = ',';
			put_id(s->args[i]);
		}
		ob[olen++] = ']';
		break;
	}
	case SC_CONNECT:
		put_sockaddr(s->data, dl, "daddr", "dport");
		PUTS(",\"fd\":");
		put_i64(s32(s->args[0]));
		break;
	case SC_BIND:
		put_sockaddr(s->data, dl, "addr", "port");
		PUTS(",\"fd\":");
		put_i64(s32(s->args[0]));
		break;
	case SC_ACCEPT:
	case SC_ACCEPT4:
		if (e->ret >= 0)
			put_sockaddr(s->data, dl, "saddr", "sport");
		PUTS(",\"fd\":");
		put_i64(s->compat ? (int64_t)s32((uint64_t)e->ret) : e->ret);
		break;
	case SC_LISTEN:
		PUTS(",\"fd\":");
		put_i64(s32(s->args[0]));
		PUTS(",\"backlog\":");
		put_i64(s32(s->args[1]));
		break;
	}
	end();
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size < sizeof(struct ev_hdr))
		return 0;
	switch (((const struct ev_hdr *)data)->type) {
	case EV_EXEC:
		fmt_exec(data, size);
		break;
	case EV_FORK:
		if (size >= sizeof(struct fork_event))
			fmt_fork(data);
		break;
	case EV_EXIT:
		if (size >= sizeof(struct exit_event))
			fmt_exit(data);
		break;
	case EV_SYSCALL:
		if (size >= sizeof(struct sc_event))
			fmt_syscall(data);
		break;
	}
	return core_gone ? -EPIPE : 0;
}

/* ------------------------------------------------------------------ loading */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (verbose) {
		fprintf(stderr, HELPER ": libbpf: ");
		return vfprintf(stderr, fmt, ap);
	}
	if (level <= LIBBPF_WARN) {
		vsnprintf(last_libbpf_msg, sizeof(last_libbpf_msg), fmt, ap);
		size_t l = strlen(last_libbpf_msg);
		while (l && (last_libbpf_msg[l - 1] == '\n' || last_libbpf_msg[l - 1] == ' '))
			last_libbpf_msg[--l] = 0;
	}
	return 0;
}

/* Does tracepoint sched_process_exit pass group_dead (kernel >= 6.16)? */
static bool exit_tp_has_group_dead(void)
{
	struct btf *vb = btf__load_vmlinux_btf();
	bool yes = false;
	if (!vb)
		return false;
	int id = btf__find_by_name_kind(vb, "btf_trace_sched_process_exit", BTF_KIND_TYPEDEF);
	if (id > 0) {
		const struct btf_type *t = btf__type_by_id(vb, id);
		for (int hops = 0; t && hops < 4 && !btf_is_func_proto(t); hops++)
			t = btf__type_by_id(vb, t->type); /* typedef -> ptr -> func_proto */
		if (t && btf_is_func_proto(t))
			yes = btf_vlen(t) == 3; /* (void *ctx, struct task_struct *p, bool group_dead) */
	}
	btf__free(vb);
	return yes;
}

struct loaded {
	struct proc_bpf *skel;
	bool syscalls;
	char why_no_syscalls[320];
};

static struct proc_bpf *open_load(unsigned ring_mib, bool group_dead, bool syscalls, int *err)
{
	struct proc_bpf *skel = proc_bpf__open();
	if (!skel) {
		*err = -errno;
		return NULL;
	}
	bpf_map__set_max_entries(skel->maps.events, ring_mib << 20);
	bpf_program__set_autoload(skel->progs.on_exit_group_dead, group_dead);
	bpf_program__set_autoload(skel->progs.on_exit_live, !group_dead);
	bpf_program__set_autoload(skel->progs.on_sys_enter, syscalls);
	bpf_program__set_autoload(skel->progs.on_sys_exit, syscalls);
	if (!syscalls) {
		bpf_map__set_autocreate(skel->maps.stash, false);
		bpf_map__set_autocreate(skel->maps.stash_scratch, false);
	}
	*err = proc_bpf__load(skel);
	if (!*err)
		*err = proc_bpf__attach(skel);
	if (*err) {
		proc_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* 0, or a negative errno with the reason in why. */
static int load(struct loaded *L, unsigned ring_mib, char *why, size_t whylen)
{
	if (access(VMLINUX_BTF, R_OK) != 0) {
		snprintf(why, whylen, "no kernel BTF at %s (needs CONFIG_DEBUG_INFO_BTF)", VMLINUX_BTF);
		return -ENOENT;
	}
	bool gd = exit_tp_has_group_dead();
	int err;
	L->syscalls = true;
	L->skel = open_load(ring_mib, gd, true, &err);
	bool privileged = geteuid() == 0;
	if (!L->skel && privileged) {
		/* Process events alone may still work (e.g. no syscall tracepoints in this kernel). */
		snprintf(L->why_no_syscalls, sizeof(L->why_no_syscalls), "syscall probes unavailable: %s%s%s",
			 strerror(-err), last_libbpf_msg[0] ? ": " : "", last_libbpf_msg);
		int err2;
		L->skel = open_load(ring_mib, gd, false, &err2);
		if (L->skel)
			L->syscalls = false;
	}
	if (!L->skel) {
		if (!privileged && (err == -EPERM || err == -EACCES))
			snprintf(why, whylen, "cannot load eBPF programs: %s (needs root, or CAP_BPF + CAP_PERFMON)",
				 strerror(-err));
		else
			snprintf(why, whylen, "cannot load eBPF programs: %s%s%s", strerror(-err),
				 last_libbpf_msg[0] ? ": " : "", last_libbpf_msg);
		return err ? err : -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ main */

static void on_signal(int sig)
{
	(void)sig;
	int saved = errno;
	stop = 1;
	if (wake_fd >= 0) {
		uint64_t one = 1;
		ssize_t w = write(wake_fd, &one, sizeof(one));
		(void)w;
	}
	errno = saved;
}

static uint64_t read_drops(struct proc_bpf *skel, int ncpu, uint64_t *vals)
{
	uint32_t k = 0;
	uint64_t sum = 0;
	if (bpf_map__lookup_elem(skel->maps.drops, &k, sizeof(k), vals, sizeof(uint64_t) * ncpu, 0) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	return sum;
}

enum { EP_RING = 1, EP_WAKE, EP_STDOUT };

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull)};
	nanosleep(&ts, NULL); /* a signal cuts it short: fine, stop is checked next */
}

/* Idle: blocks in epoll_wait without a timeout until there is work: a record in the ring (the kernel
 * wakes us only for a record that finds the ring empty), a signal (eventfd), or the core closing our
 * stdout (EPOLLERR). Busy: once woken, it waits FIRST_BATCH_NS for the rest of the burst (a command's
 * fork, exec and exit come within a few ms), then drains every BUSY_PERIOD_NS, one wakeup per batch,
 * until a drain finds the ring empty and it goes back to sleep in epoll_wait. */
static int main_loop(struct ring_buffer *rb, struct proc_bpf *skel, int ncpu, uint64_t *dvals, uint64_t *drops_seen)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -1;
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = EP_RING};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, bpf_map__fd(skel->maps.events), &ev) < 0) {
		int e = errno;
		close(ep);
		errno = e;
		return -1;
	}
	ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = EP_WAKE};
	epoll_ctl(ep, EPOLL_CTL_ADD, wake_fd, &ev);
	/* A pipe reports EPOLLERR when its reader is gone (a file or tty cannot be added: no need). */
	ev = (struct epoll_event){.events = 0, .data.u32 = EP_STDOUT};
	epoll_ctl(ep, EPOLL_CTL_ADD, STDOUT_FILENO, &ev);

	int rc = 0;
	uint64_t next_drop_check = 0;
	while (!stop) {
		struct epoll_event evs[4];
		int n = epoll_wait(ep, evs, 4, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		bool ring = false;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == EP_RING)
				ring = true;
			else if (evs[i].data.u32 == EP_STDOUT && (evs[i].events & (EPOLLERR | EPOLLHUP)))
				core_gone = true;
		}
		if (core_gone || stop)
			break;
		if (!ring)
			continue;
		sleep_ns(FIRST_BATCH_NS);
		while (!stop) {
			int got = ring_buffer__consume(rb);
			/* Records are lost only when the ring is full, and a full ring keeps us busy: the
			 * counters are read every 100 ms while busy and once more before sleeping. */
			uint64_t now = now_boot_ns();
			if (got <= 0 || now >= next_drop_check) {
				uint64_t d = read_drops(skel, ncpu, dvals);
				if (d > *drops_seen) {
					emit_drop(d - *drops_seen, "ringbuf_full");
					*drops_seen = d;
				}
				next_drop_check = now + DROP_CHECK_NS;
			}
			if (olen)
				flush_out();
			if (got <= 0 || core_gone)
				break;
			sleep_ns(BUSY_PERIOD_NS);
		}
	}
	close(ep);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " HELPER " [--ringbuf-mib N] [--verbose]\n"
		"       " HELPER " --self-test | --version | --help\n"
		"Streams exec/fork/exit and ptrace, memfd_create, module_load, setid, connect, accept, bind,\n"
		"listen events as NDJSON on stdout (native-helpers/PROTOCOL.md, protocol %d, tier ebpf).\n"
		"Needs root (or CAP_BPF+CAP_PERFMON) and kernel BTF. Exit status 3: cannot run here.\n"
		"  --ringbuf-mib N  kernel ring buffer size in MiB, a power of two (default 2)\n"
		"  --self-test      load and attach, print one JSON line, exit 0 (ok) or 3\n"
		"  --verbose        libbpf diagnostics on stderr\n",
		PROTOCOL);
}

int main(int argc, char **argv)
{
	bool self_test = false;
	unsigned ring_mib = RING_MIB_DEFAULT;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf(HELPER " " VERSION " (protocol %d, tier ebpf)\n", PROTOCOL);
			return 0;
		} else if (!strcmp(a, "--self-test")) {
			self_test = true;
		} else if (!strcmp(a, "--verbose")) {
			verbose = true;
		} else if (!strcmp(a, "--ringbuf-mib") && i + 1 < argc) {
			char *endp;
			unsigned long v = strtoul(argv[++i], &endp, 10);
			if (*endp || v < 1 || v > 1024 || (v & (v - 1))) {
				fprintf(stderr, HELPER ": --ringbuf-mib wants a power of two between 1 and 1024\n");
				return 2;
			}
			ring_mib = (unsigned)v;
		} else {
			fprintf(stderr, HELPER ": unknown argument %s (try --help)\n", a);
			return 2;
		}
	}

	/* Loading parses the kernel BTF (megabytes, freed afterwards): keep big blocks out of the heap
	 * (fixed mmap threshold) and give back what is left, so the idle helper stays small. */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	libbpf_set_print(libbpf_print);
	init_tables();

	struct loaded L = {0};
	char why[512];
	int err = load(&L, ring_mib, why, sizeof(why));

	if (self_test) {
		ob = malloc(EVENT_JSON_MAX);
		if (!ob)
			return 3;
		PUTS("{\"type\":\"self_test\",\"ok\":");
		if (err) {
			PUTS("false,\"reason\":");
			put_cstr(why);
		} else {
			PUTS("true,\"reason\":");
			put_cstr(L.syscalls ? "attached: exec, fork, exit, sys_enter, sys_exit"
					    : L.why_no_syscalls);
		}
		PUTS("}\n");
		fwrite(ob, 1, olen, stdout);
		fflush(stdout);
		if (L.skel)
			proc_bpf__destroy(L.skel);
		return err ? 3 : 0;
	}
	if (err) {
		fprintf(stderr, HELPER ": %s\n", why);
		return 3;
	}

	struct sigaction sa = {0};
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked write returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	malloc_trim(0);
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ob = malloc(OUT_CAP);
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *dvals = calloc(ncpu > 0 ? ncpu : 1, sizeof(uint64_t));
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(L.skel->maps.events), on_event, NULL, NULL);
	if (!ob || !dvals || ncpu <= 0 || !rb || wake_fd < 0) {
		fprintf(stderr, HELPER ": cannot set up the ring buffer reader: %s\n", strerror(errno));
		proc_bpf__destroy(L.skel);
		return 3;
	}

	PUTS("{\"type\":\"hello\",\"protocol\":1,\"helper\":\"" HELPER "\",\"version\":\"" VERSION
	     "\",\"tier\":\"ebpf\",\"pid\":");
	put_u64((uint64_t)getpid());
	PUTS(",\"capabilities\":[\"exec\",\"fork\",\"exit\"");
	if (L.syscalls)
		PUTS(",\"ptrace\",\"memfd_create\",\"module_load\",\"setid\",\"connect\",\"accept\",\"bind\",\"listen\"");
	PUTS("],\"clock\":\"boottime\"}\n");
	if (!L.syscalls)
		emit_log("warn", "%s", L.why_no_syscalls);
	flush_out();

	uint64_t drops_seen = 0;
	if (main_loop(rb, L.skel, ncpu, dvals, &drops_seen) < 0 && !core_gone)
		emit_log("warn", "event wait failed: %s", strerror(errno));

	/* Detach first so nothing new arrives, then drain what is already in the ring. */
	proc_bpf__detach(L.skel);
	if (!core_gone) {
		/* Final writes: non-blocking, at most ~300 ms, so SIGTERM ends us within 1 s even if
		 * nobody reads. */
		stop = 0;
		final_deadline = now_boot_ns() + 300000000ull;
		int fl = fcntl(STDOUT_FILENO, F_GETFL);
		if (fl >= 0)
			fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK);
		ring_buffer__consume(rb);
		uint64_t d = read_drops(L.skel, ncpu, dvals);
		if (d > drops_seen)
			emit_drop(d - drops_seen, "ringbuf_full");
		if (olen)
			flush_out();
	}
	ring_buffer__free(rb);
	proc_bpf__destroy(L.skel);
	return 0;
}
