// SPDX-License-Identifier: GPL-2.0
/* mamori-proc-ebpf kernel side: process lifecycle and security-relevant syscalls into one ring buffer.
 * Hooks are BTF tracepoints only (no kprobes, no tracefs): sched_process_exec/fork/exit, sys_enter/sys_exit. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "proc.h"

char LICENSE[] SEC("license") = "GPL";

#define TS_COMPAT 0x0002          /* arch/x86/include/asm/thread_info.h: ia32 syscall in progress */
#define SIGNAL_GROUP_EXIT 0x00000004
#define UID16 0x100               /* classify flag: 16-bit uid syscall (ia32 setuid & co.) */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20); /* user space may resize before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_event);
} exec_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_stash);
} stash_scratch SEC(".maps");

/* tid -> syscall arguments captured at entry. LRU so a thread that never returns cannot leak an entry. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct sc_stash);
} stash SEC(".maps");

static __always_inline void count_drop(void)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&drops, &k);
	if (c)
		__sync_fetch_and_add(c, 1);
}

/* Records are committed with flags 0: the kernel wakes the reader only for a record that finds the
 * ring empty (reader caught up), so a burst costs one wakeup, and the reader batches from there. */
#define RB_WAKE 0

static __always_inline void fill_hdr(struct ev_hdr *h, struct task_struct *t, __u32 type)
{
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->type = type;
	h->pid = BPF_CORE_READ(t, tgid);
	h->tid = BPF_CORE_READ(t, pid);
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->start_ns = BPF_CORE_READ(t, group_leader, start_boottime);
	h->uid = BPF_CORE_READ(t, cred, uid.val);
	h->gid = BPF_CORE_READ(t, cred, gid.val);
	BPF_CORE_READ_INTO(&h->comm, t, comm);
}

/* ---------------------------------------------------------------- process lifecycle */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[ENV_PIECE]);
} env_scratch SEC(".maps");

/* ---- path walk (cwd, deleted exe): what d_path() does, leaf to root, crossing mounts.
 * Pointers are kept as numbers and read with CO-RE probe reads, so the bpf_loop callback needs no
 * pointer tracking from the verifier. */
struct path_walk {
	__u64 dentry; /* struct dentry * */
	__u64 mnt;    /* struct mount * (container of the vfsmount) */
	__u64 mnt_root; /* mnt->mnt.mnt_root, read again only when crossing to the parent mount */
	__u32 base;   /* where this field starts in exec_event.data */
	__u32 len;    /* bytes written so far */
	__u32 done;   /* reached the top of the mount tree */
	__u32 trunc;  /* out of room or steps */
};

static long walk_step(__u64 i, void *ctx)
{
	struct path_walk *w = ctx;
	struct dentry *d = (struct dentry *)w->dentry;
	struct mount *m = (struct mount *)w->mnt;

	if ((__u64)d == w->mnt_root) {
		struct mount *pm = BPF_CORE_READ(m, mnt_parent);
		if (!pm || pm == m) { /* top of this mount tree */
			w->done = 1;
			return 1;
		}
		w->dentry = (__u64)BPF_CORE_READ(m, mnt_mountpoint);
		w->mnt = (__u64)pm;
		w->mnt_root = (__u64)BPF_CORE_READ(pm, mnt.mnt_root);
		return 0;
	}
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (!parent || parent == d) { /* detached from the tree: d_path stops here too */
		w->done = 1;
		return 1;
	}
	if (w->len > PATH_BYTES_MAX - 2) {
		w->trunc = 1;
		return 1;
	}
	__u32 zero = 0;
	struct exec_event *e = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!e)
		return 1;
	__u32 off = (w->base & DATA_BASE_MASK) + (w->len & (PATH_BYTES_MAX - 1));
	long n = bpf_probe_read_kernel_str(e->data + off, NAME_READ, BPF_CORE_READ(d, d_name.name));
	if (n <= 0 || w->len + n > PATH_BYTES_MAX) {
		w->trunc = 1;
		return 1;
	}
	w->len += n;
	w->dentry = (__u64)parent;
	return 0;
}

static __always_inline struct mount *real_mount(struct vfsmount *v)
{
	return (struct mount *)((char *)v - bpf_core_field_offset(struct mount, mnt));
}

/* d_unlinked(): unhashed, and not the root of its tree. */
static __always_inline int dentry_unlinked(struct dentry *d)
{
	return !d->d_hash.pprev && d->d_parent != d;
}

/* Walks dentry/vfsmount into data at base; returns bytes written, sets *trunc when it stopped early. */
static __always_inline __u32 walk_path(struct dentry *d, struct vfsmount *v, __u32 base, __u8 *trunc)
{
	struct path_walk w = {
		.dentry = (__u64)d, .mnt = (__u64)real_mount(v), .mnt_root = (__u64)v->mnt_root, .base = base,
	};
	bpf_loop(PATH_STEPS_MAX, walk_step, &w, 0);
	*trunc = w.trunc || !w.done;
	return w.len;
}

/* ---- environment scan: keep LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT */
struct env_scan {
	__u64 pos;      /* user address of the next read */
	__u64 end;      /* mm->env_end */
	__u32 base;     /* where env starts in exec_event.data */
	__u32 len;      /* bytes kept */
	__u32 scanned;  /* bytes read */
	__u32 mid;      /* pos is inside a variable longer than ENV_PIECE */
	__u32 done;
	__u32 trunc;
};

static __always_inline int is_loader_var(const char *s)
{
	if (s[0] != 'L' || s[1] != 'D' || s[2] != '_')
		return 0;
	const char *t = s + 3;
	if (t[0] == 'P' && t[1] == 'R' && t[2] == 'E' && t[3] == 'L' && t[4] == 'O' && t[5] == 'A' &&
	    t[6] == 'D' && t[7] == '=')
		return 1;
	if (t[0] == 'A' && t[1] == 'U' && t[2] == 'D' && t[3] == 'I' && t[4] == 'T' && t[5] == '=')
		return 1;
	if (t[0] == 'L' && t[1] == 'I' && t[2] == 'B' && t[3] == 'R' && t[4] == 'A' && t[5] == 'R' &&
	    t[6] == 'Y' && t[7] == '_' && t[8] == 'P' && t[9] == 'A' && t[10] == 'T' && t[11] == 'H' &&
	    t[12] == '=')
		return 1;
	return 0;
}

static long env_step(__u64 i, void *ctx)
{
	struct env_scan *s = ctx;
	if (s->pos >= s->end) {
		s->done = 1;
		return 1;
	}
	if (s->scanned >= ENV_SCAN_MAX) {
		s->trunc = 1;
		return 1;
	}
	__u32 zero = 0;
	char *buf = bpf_map_lookup_elem(&env_scratch, &zero);
	struct exec_event *e = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!buf || !e)
		return 1;
	buf[0] = 0;
	long n = bpf_probe_read_user_str(buf, ENV_PIECE, (const void *)s->pos);
	if (n <= 0) { /* unreadable: keep what was found so far */
		s->trunc = 1;
		return 1;
	}
	int start = !s->mid;
	/* n == ENV_PIECE: cut, or exactly ENV_PIECE - 1 bytes long; in both cases resume at the byte
	 * where the read stopped (an empty "rest" just ends the variable). */
	s->mid = n == ENV_PIECE;
	s->pos += s->mid ? ENV_PIECE - 1 : n;
	s->scanned += n;
	if (!start || n < 10 || !is_loader_var(buf))
		return 0;
	if (s->mid || s->len + n > ENV_OUT_MAX) { /* too long to keep whole */
		s->trunc = 1;
		return 0;
	}
	__u32 off = (s->base & DATA_BASE_MASK) + (s->len & (ENV_OUT_MAX - 1));
	__u32 cn = n & (ENV_PIECE - 1); /* n < ENV_PIECE here; tells the verifier */
	if (cn && bpf_probe_read_kernel(e->data + off, cn, buf) == 0)
		s->len += cn;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0;
	struct exec_event *e = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!e)
		return 0;
	fill_hdr(&e->h, p, EV_EXEC);

	const char *fn = BPF_CORE_READ(bprm, filename);
	long n = bpf_probe_read_kernel_str(e->data, FN_MAX, fn);
	if (n < 1)
		n = 1;
	__u32 fl = (__u32)(n - 1) & (FN_MAX - 1); /* without the NUL; <= FN_MAX - 1 */
	e->fn_len = fl;
	e->fn_trunc = n >= FN_MAX;

	/* The new mm is installed: argv is in its user stack between arg_start and arg_end. */
	/* Direct BTF loads from here on (p is a trusted pointer): no helper call per field. */
	struct mm_struct *mm = p->mm;
	if (!mm)
		return 0;
	unsigned long as = mm->arg_start;
	unsigned long ae = mm->arg_end;
	__u64 al = ae > as ? ae - as : 0;
	e->argv_trunc = 0;
	e->argv_fail = 0;
	if (al > ARGV_MAX) {
		al = ARGV_MAX;
		e->argv_trunc = 1;
	}
	asm volatile("" : "+r"(al));
	if (al > ARGV_MAX)
		al = ARGV_MAX;
	if (al && bpf_probe_read_user(e->data + fl, al, (const void *)as) < 0) {
		al = 0;
		e->argv_fail = 1;
	}
	e->argv_len = al;
	__u64 pos = fl + al;

	/* Working directory, as readlink(/proc/PID/cwd) would show it. */
	e->cwd_flags = 0;
	e->cwd_len = 0;
	struct fs_struct *fs = p->fs;
	struct dentry *cd = fs ? fs->pwd.dentry : NULL;
	struct vfsmount *cm = fs ? fs->pwd.mnt : NULL;
	if (cd && cm) {
		__u8 trunc = 0;
		e->cwd_len = walk_path(cd, cm, pos, &trunc);
		e->cwd_flags = CWD_OK | (trunc ? CWD_TRUNC : 0) | (dentry_unlinked(cd) ? CWD_DELETED : 0);
		pos += e->cwd_len;
	}

	/* Loader variables from the new environment (mm->env_start..env_end, just written by exec). */
	struct env_scan es = {
		.pos = mm->env_start, .end = mm->env_end, .base = pos,
	};
	e->env_flags = 0;
	e->env_len = 0;
	if (es.pos && es.end >= es.pos) {
		bpf_loop(ENV_STEPS_MAX, env_step, &es, 0);
		e->env_len = es.len;
		e->env_flags = ENV_SCANNED | (es.trunc || !es.done ? ENV_TRUNC : 0);
		pos += es.len;
	}

	/* The executed file (mm->exe_file, what /proc/PID/exe links to), only when it has no name on disk. */
	e->exe_kind = EXE_NORMAL;
	e->exe_len = 0;
	e->exe_trunc = 0;
	struct file *xf = mm->exe_file;
	struct dentry *xd = xf ? xf->f_path.dentry : NULL;
	struct vfsmount *xm = xf ? xf->f_path.mnt : NULL;
	if (xd && xm) {
		int is_root = xd->d_parent == xd;
		const struct dentry_operations *dop = xd->d_op;
		if (dop && dop->d_dname && (!is_root || xd != xm->mnt_root)) {
			/* memfd_create / hugetlb memfd: d_path() gives "/" + name + " (deleted)" */
			__u32 off = pos & DATA_BASE_MASK;
			long xn = bpf_probe_read_kernel_str(e->data + off, NAME_READ, xd->d_name.name);
			if (xn > 0) {
				e->exe_kind = EXE_PSEUDO;
				e->exe_len = xn;
			}
		} else if (dentry_unlinked(xd)) {
			e->exe_len = walk_path(xd, xm, pos, &e->exe_trunc);
			e->exe_kind = EXE_DELETED;
		}
	}
	pos += e->exe_len;

	if (pos > EXEC_DATA_MAX)
		pos = EXEC_DATA_MAX;
	asm volatile("" : "+r"(pos));
	if (pos > EXEC_DATA_MAX)
		pos = EXEC_DATA_MAX;
	__u64 sz = __builtin_offsetof(struct exec_event, data) + pos;
	if (bpf_ringbuf_output(&events, e, sz, RB_WAKE) < 0)
		count_drop();
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0; /* a new thread, not a new process */
	struct fork_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fill_hdr(&e->h, child, EV_FORK);
	e->h.start_ns = BPF_CORE_READ(child, start_boottime);
	e->parent_start_ns = BPF_CORE_READ(child, real_parent, group_leader, start_boottime);
	bpf_ringbuf_submit(e, RB_WAKE);
	return 0;
}

static __always_inline int emit_exit(struct task_struct *p)
{
	struct exit_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fill_hdr(&e->h, p, EV_EXIT);
	/* What wait() would report: the group exit code when the group is exiting, else this task's. */
	int code;
	if (BPF_CORE_READ(p, signal, flags) & SIGNAL_GROUP_EXIT)
		code = BPF_CORE_READ(p, signal, group_exit_code);
	else
		code = BPF_CORE_READ(p, exit_code);
	e->exit_code = (code >> 8) & 0xff;
	e->signal = code & 0x7f;
	e->core_dumped = (code & 0x80) ? 1 : 0;
	bpf_ringbuf_submit(e, RB_WAKE);
	return 0;
}

/* Kernels >= 6.16 pass group_dead (true when the last thread of the process exits). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit_group_dead, struct task_struct *p, bool group_dead)
{
	if (!group_dead)
		return 0;
	return emit_exit(p);
}

/* Older kernels: signal->live was decremented just before the tracepoint. Loaded only when the
 * tracepoint has no group_dead argument (user space checks BTF). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit_live, struct task_struct *p)
{
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	return emit_exit(p);
}

/* ---------------------------------------------------------------- syscalls */

static __always_inline __u32 classify64(long nr)
{
	switch (nr) {
	case 101: return SC_PTRACE;
	case 319: return SC_MEMFD_CREATE;
	case 175: return SC_INIT_MODULE;
	case 313: return SC_FINIT_MODULE;
	case 105: return SC_SETUID;
	case 106: return SC_SETGID;
	case 113: return SC_SETREUID;
	case 114: return SC_SETREGID;
	case 117: return SC_SETRESUID;
	case 119: return SC_SETRESGID;
	case 122: return SC_SETFSUID;
	case 123: return SC_SETFSGID;
	case 42: return SC_CONNECT;
	case 43: return SC_ACCEPT;
	case 288: return SC_ACCEPT4;
	case 49: return SC_BIND;
	case 50: return SC_LISTEN;
	}
	return SC_NONE;
}

static __always_inline __u32 classify32(long nr)
{
	switch (nr) {
	case 26: return SC_PTRACE;
	case 356: return SC_MEMFD_CREATE;
	case 128: return SC_INIT_MODULE;
	case 350: return SC_FINIT_MODULE;
	case 213: return SC_SETUID;
	case 214: return SC_SETGID;
	case 203: return SC_SETREUID;
	case 204: return SC_SETREGID;
	case 208: return SC_SETRESUID;
	case 210: return SC_SETRESGID;
	case 215: return SC_SETFSUID;
	case 216: return SC_SETFSGID;
	case 23: return SC_SETUID | UID16;
	case 46: return SC_SETGID | UID16;
	case 70: return SC_SETREUID | UID16;
	case 71: return SC_SETREGID | UID16;
	case 164: return SC_SETRESUID | UID16;
	case 170: return SC_SETRESGID | UID16;
	case 138: return SC_SETFSUID | UID16;
	case 139: return SC_SETFSGID | UID16;
	case 102: return SC_SOCKETCALL;
	case 361: return SC_BIND;
	case 362: return SC_CONNECT;
	case 363: return SC_LISTEN;
	case 364: return SC_ACCEPT4;
	}
	return SC_NONE;
}

/* Direct (BTF) loads below, not BPF_CORE_READ: these run on every syscall and a helper call costs. */
static __always_inline int in_compat(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	return (t->thread_info.status & TS_COMPAT) != 0;
}

static __always_inline void read_sockaddr(struct sc_stash *s, __u64 uaddr, long len)
{
	s->data_len = 0;
	if (!uaddr || len <= 0)
		return;
	__u32 n = len > SC_ADDR_MAX ? SC_ADDR_MAX : (__u32)len;
	asm volatile("" : "+r"(n)); /* keep clang from folding the mask below away */
	n &= SC_DATA_MAX - 1;        /* no-op (n <= 128); tells the verifier n fits in data */
	if (bpf_probe_read_user(s->data, n, (const void *)uaddr) == 0)
		s->data_len = n;
}

static __always_inline void read_ustr(struct sc_stash *s, __u64 uptr)
{
	s->data_len = 0;
	s->data_trunc = 0;
	if (!uptr)
		return;
	long n = bpf_probe_read_user_str(s->data, SC_DATA_MAX, (const void *)uptr);
	if (n > 0) {
		s->data_len = n - 1;
		s->data_trunc = n >= SC_DATA_MAX;
	}
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	/* Hot path: most syscalls are in neither table and leave here without touching memory. */
	if (!classify64(id) && !classify32(id))
		return 0;
	int compat = in_compat();
	__u32 k = compat ? classify32(id) : classify64(id);
	if (!k)
		return 0;

	__u32 zero = 0;
	struct sc_stash *s = bpf_map_lookup_elem(&stash_scratch, &zero);
	if (!s)
		return 0;
	s->compat = compat;
	s->data_len = 0;
	s->data_trunc = 0;
	if (compat) {
		s->args[0] = (__u32)BPF_CORE_READ(regs, bx);
		s->args[1] = (__u32)BPF_CORE_READ(regs, cx);
		s->args[2] = (__u32)BPF_CORE_READ(regs, dx);
		s->args[3] = (__u32)BPF_CORE_READ(regs, si);
		s->args[4] = (__u32)BPF_CORE_READ(regs, di);
		s->args[5] = (__u32)BPF_CORE_READ(regs, bp);
		if (k == SC_SOCKETCALL) {
			/* socketcall(call, unsigned int args[]) */
			__u32 a[6] = {};
			__u32 call = s->args[0];
			switch (call) {
			case 2: k = SC_BIND; break;
			case 3: k = SC_CONNECT; break;
			case 4: k = SC_LISTEN; break;
			case 5: k = SC_ACCEPT; break;
			case 18: k = SC_ACCEPT4; break;
			default: return 0;
			}
			if (bpf_probe_read_user(a, sizeof(a), (const void *)s->args[1]) < 0)
				__builtin_memset(a, 0, sizeof(a));
			for (int i = 0; i < 6; i++)
				s->args[i] = a[i];
		}
	} else {
		s->args[0] = BPF_CORE_READ(regs, di);
		s->args[1] = BPF_CORE_READ(regs, si);
		s->args[2] = BPF_CORE_READ(regs, dx);
		s->args[3] = BPF_CORE_READ(regs, r10);
		s->args[4] = BPF_CORE_READ(regs, r8);
		s->args[5] = BPF_CORE_READ(regs, r9);
	}
	if (k & UID16) {
		k &= ~UID16;
		for (int i = 0; i < 3; i++) {
			__u64 v = s->args[i] & 0xffff;
			s->args[i] = v == 0xffff ? 0xffffffffULL : v;
		}
	}
	s->kind = k;

	switch (k) {
	case SC_CONNECT:
	case SC_BIND:
		read_sockaddr(s, s->args[1], (int)s->args[2]);
		break;
	case SC_MEMFD_CREATE:
		read_ustr(s, s->args[0]);
		break;
	case SC_INIT_MODULE:
		read_ustr(s, s->args[2]);
		break;
	case SC_FINIT_MODULE:
		read_ustr(s, s->args[1]);
		break;
	}

	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&stash, &tid, s, BPF_ANY);
	return 0;
}

#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* The peer of an accepted connection, also when accept() was called without an address buffer
 * (libuv, many servers): taken from the new socket itself
 * (current->files->fdt->fd[fd] -> socket -> sock_common), laid out as a sockaddr. */
static __always_inline void peer_from_fd(struct sc_stash *s, long fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) < 0 || !f)
		return;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 port = BPF_CORE_READ(sk, __sk_common.skc_dport); /* network order, as in a sockaddr */
	__builtin_memset(s->data, 0, 28);
	__builtin_memcpy(s->data, &fam, 2);
	__builtin_memcpy(s->data + 2, &port, 2);
	if (fam == 2 /* AF_INET */) {
		__be32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(s->data + 4, &a, 4);
		s->data_len = 16;
	} else if (fam == 10 /* AF_INET6 */) {
		BPF_CORE_READ_INTO(s->data + 8, sk, __sk_common.skc_v6_daddr);
		s->data_len = 28;
	} else {
		s->data_len = 2; /* family only (unix peers are usually unnamed) */
	}
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;
	if (!classify64(nr) && !classify32(nr))
		return 0;
	int compat = in_compat();
	__u32 k = compat ? classify32(nr) : classify64(nr);
	if (!k)
		return 0;
	k &= ~UID16;

	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sc_stash *s = bpf_map_lookup_elem(&stash, &tid);
	if (!s)
		return 0;
	if (k != SC_SOCKETCALL && s->kind != k)
		goto out; /* stale entry from an earlier call that never returned */

	struct sc_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		goto out;
	}
	struct task_struct *t = bpf_get_current_task_btf();
	fill_hdr(&e->h, t, EV_SYSCALL);
	e->ret = ret;
	__builtin_memcpy(&e->s, s, sizeof(*s));
	if ((e->s.kind == SC_ACCEPT || e->s.kind == SC_ACCEPT4) && ret >= 0) {
		/* The new socket is authoritative for inet peers; the caller's buffer (if any) adds the
		 * path of a named unix peer. */
		int alen = 0;
		e->s.data_len = 0;
		peer_from_fd(&e->s, ret);
		if (e->s.data_len <= 2 && e->s.args[1] && e->s.args[2] &&
		    bpf_probe_read_user(&alen, sizeof(alen), (const void *)e->s.args[2]) == 0 && alen > 2)
			read_sockaddr(&e->s, e->s.args[1], alen);
	}
	bpf_ringbuf_submit(e, RB_WAKE);
out:
	bpf_map_delete_elem(&stash, &tid);
	return 0;
}
