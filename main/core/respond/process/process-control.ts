// Kill, suspend and resume a process tree named by entity id (pid + start time), never by a bare pid.
//
// A tree is the root and its descendants at the time of the action. To stop children escaping while the
// tree is being killed (a parent forking faster than we can signal), the whole tree is first frozen with
// SIGSTOP, top-down, scanning again until no new descendant appears (a stopped process cannot fork; a fork
// already under way shows its child in the next scan), and only then killed with SIGKILL.
// Limits: a process that left the tree before the action (double fork, setsid daemons: reparented to
// init) or that is made with CLONE_PARENT is not a descendant any more and is not reached.
import { join } from 'node:path';
import { nowIso, packageInfo } from '../../util/index.js';
import { ProcessControlError } from './errors.js';
import { applyNotOk, fail, newEntry, who } from './entries.js';
import { describeProcess, descendants, entityOf, isGone, parseEntityId, readStat, snapshot, type ProcStat } from './proc.js';
import { mamoriLineage, protectedReason } from './protect.js';
import {
  CheckThenKillSignaller, HelperUnavailable, helperReady, PidfdSignaller,
  type Method, type SignalName, type SignalResult, type Signaller, type Target,
} from './signaller.js';
import type { ProcessActionEntry, TreeResult, Undo } from './types.js';

export interface ProcessControlOptions {
  /** The mamori-proc-signal helper (default: native-helpers/bin/mamori-proc-signal in Mamori's folder). */
  helperPath?: string;
  /** 'auto' (default): the helper, or check-then-kill when it is missing or cannot work here (the result
   * says so). 'pidfd': the helper or a HELPER_MISSING / HELPER_UNUSABLE error. */
  method?: 'auto' | Method;
  /** Most processes one action may reach (default 4096). */
  maxProcesses?: number;
  /** How long to wait for stopped processes to show as stopped and killed ones to exit (default 2000 ms). */
  settleMs?: number;
}

const MAX_ROUNDS = 100; // rescans of a tree that keeps growing while it is being stopped

interface Ctx {
  signaller: Signaller;
  fallback?: TreeResult['fallback'];
  lineage: Set<number>;
}

interface Stopped {
  entries: ProcessActionEntry[];
  stats: Map<string, ProcStat>;
  complete: boolean;
}

export class ProcessControl {
  private readonly helperPath: string;
  private helperChecked = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ProcessControlOptions = {}) {
    this.helperPath = o.helperPath ?? join(packageInfo().root, 'native-helpers', 'bin', 'mamori-proc-signal');
  }

  /** Stops the tree, then kills every process in it. Cannot be undone. An entity that has already exited
   * gives ok with alreadyDone (outcome gone). Throws ProcessControlError for a root that cannot be acted on
   * (INVALID_ENTITY_ID, ENTITY_UNVERIFIABLE, REUSED, PROTECTED): then nothing was done. */
  killTree(entityId: string): Promise<TreeResult> {
    return this.serial(() => this.kill(entityId));
  }

  /** Stops (SIGSTOP) the tree. undo.entityIds lists exactly the processes this call stopped. */
  suspendTree(entityId: string): Promise<TreeResult> {
    return this.serial(() => this.suspend(entityId));
  }

  /** SIGCONT to a tree (one entity: it and its descendants now), or to exactly the entities listed (the
   * undo of a suspend; each is checked on its own, problems are per-entry and never thrown). */
  resumeTree(target: string | string[]): Promise<TreeResult> {
    return this.serial(() => (typeof target === 'string' ? this.resumeRoot(target) : this.resumeList(target)));
  }

  // Actions on the same machine one at a time: a kill and a resume must not interleave.
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async kill(entityId: string): Promise<TreeResult> {
    const ctx = await this.context();
    const root = this.checkRoot(entityId, ctx);
    if (!root) return this.goneResult('kill', entityId, ctx);
    const { entries, stats, complete } = await this.stopTree(root, ctx);
    const frozen = entries.filter((e) => e.outcome === 'stopped');
    const results = await this.send(ctx, 'KILL', frozen.map((e) => stats.get(e.entityId)!));
    frozen.forEach((e, i) => {
      const r = results[i]!;
      if (r.ok) {
        e.outcome = 'killed';
        e.changed = true;
        return;
      }
      applyNotOk(e, r);
      if (e.outcome === 'failed') e.message += ' It was left stopped.';
    });
    const killed = entries.filter((e) => e.outcome === 'killed');
    const alive = await this.settle(killed, (e) => isGone(stats.get(e.entityId)!));
    for (const e of alive) e.message = `SIGKILL was sent to ${who(e)}; it has not exited yet (state ${readStat(e.pid)?.state ?? '?'}).`;
    return this.result('kill', entityId, ctx, entries, complete);
  }

  private async suspend(entityId: string): Promise<TreeResult> {
    const ctx = await this.context();
    const root = this.checkRoot(entityId, ctx);
    if (!root) return this.goneResult('suspend', entityId, ctx);
    const { entries, stats, complete } = await this.stopTree(root, ctx);
    const stopped = entries.filter((e) => e.outcome === 'stopped');
    const notYet = await this.settle(stopped, (e) => isGone(stats.get(e.entityId)!) || readStat(e.pid)?.state === 'T');
    for (const e of stopped) {
      if (isGone(stats.get(e.entityId)!)) applyNotOk(e, { ok: false, code: 'GONE' });
    }
    for (const e of notYet) if (e.outcome === 'stopped') e.message = `SIGSTOP was sent to ${who(e)}; it has not stopped yet (state ${readStat(e.pid)?.state ?? '?'}).`;
    return this.result('suspend', entityId, ctx, entries, complete);
  }

  private async resumeRoot(entityId: string): Promise<TreeResult> {
    const ctx = await this.context();
    const root = this.checkRoot(entityId, ctx);
    if (!root) return this.goneResult('resume', entityId, ctx);
    // Children first, so no parent runs on while its children are still held.
    const tree = [root, ...descendants(snapshot(), root)].reverse();
    return this.resumeTargets(ctx, entityId, tree.map((p) => ({ target: p, entry: newEntry(p) })));
  }

  private async resumeList(entityIds: string[]): Promise<TreeResult> {
    const ctx = await this.context();
    const items = entityIds.map((id): { target?: Target; entry: ProcessActionEntry } => {
      try {
        const ref = parseEntityId(id);
        const s = readStat(ref.pid);
        return { target: ref, entry: newEntry({ ...ref, ppid: s?.ticks === ref.ticks ? s.ppid : null }) };
      } catch (err) {
        if (!(err instanceof ProcessControlError)) throw err;
        const pid = Number(/^\d+/.exec(id)?.[0] ?? 0);
        return { entry: { entityId: id, pid, ppid: null, executable: null, commandLine: null, outcome: 'failed', changed: false, code: err.code, message: err.message } };
      }
    });
    return this.resumeTargets(ctx, null, items);
  }

  private async resumeTargets(ctx: Ctx, root: string | null, items: { target?: Target; entry: ProcessActionEntry }[]): Promise<TreeResult> {
    const send: { target: Target; entry: ProcessActionEntry }[] = [];
    for (const { target, entry } of items) {
      if (!target) continue;
      const why = protectedReason({ ...target, kernelThread: readStat(target.pid)?.kernelThread }, ctx.lineage);
      if (why) fail(entry, 'PROTECTED', why);
      else send.push({ target, entry });
    }
    const results = await this.send(ctx, 'CONT', send.map((i) => i.target));
    send.forEach(({ entry }, i) => {
      const r = results[i]!;
      if (!r.ok) return applyNotOk(entry, r);
      entry.outcome = 'resumed';
      entry.changed = r.state === 'T';
    });
    return this.result('resume', root, ctx, items.map((i) => i.entry), true);
  }

  /** SIGSTOP to the root, then to every new descendant, until a scan finds none. */
  private async stopTree(root: ProcStat, ctx: Ctx): Promise<Stopped> {
    const max = this.o.maxProcesses ?? 4096;
    const entries: ProcessActionEntry[] = [];
    const stats = new Map<string, ProcStat>();
    let frontier: ProcStat[] = [root];
    for (let round = 0; frontier.length > 0; round++) {
      if (round >= MAX_ROUNDS || stats.size + frontier.length > max) {
        for (const p of frontier) {
          const e = newEntry(p);
          fail(e, 'TOO_MANY_PROCESSES', ` (${max} processes, ${MAX_ROUNDS} rescans)`);
          entries.push(e);
        }
        return { entries, stats, complete: false };
      }
      const targets: ProcStat[] = [];
      const batch: ProcessActionEntry[] = [];
      for (const p of frontier) {
        const e = newEntry(p); // read before the signal: a killed process has no command line to show
        stats.set(e.entityId, p);
        entries.push(e);
        const why = protectedReason(p, ctx.lineage);
        if (why) fail(e, 'PROTECTED', why);
        else {
          targets.push(p);
          batch.push(e);
        }
      }
      const results = await this.send(ctx, 'STOP', targets);
      batch.forEach((e, i) => {
        const r = results[i]!;
        if (!r.ok) return applyNotOk(e, r);
        e.outcome = 'stopped';
        e.changed = r.state !== 'T';
      });
      frontier = descendants(snapshot(), root).filter((p) => !stats.has(entityOf(p)));
    }
    return { entries, stats, complete: true };
  }

  /** Checks the entity asked for; null when it has already exited. Throws when it must not be touched. */
  private checkRoot(entityId: string, ctx: Ctx): ProcStat | null {
    const ref = parseEntityId(entityId);
    const byPid = protectedReason(ref, ctx.lineage);
    if (byPid) throw new ProcessControlError('PROTECTED', `Process ${entityId} is protected${byPid}: Mamori never stops or kills it.`, entityId);
    const s = readStat(ref.pid);
    if (!s) return null;
    if (s.ticks !== ref.ticks) {
      const now = describeProcess(s).executable ?? 'another program';
      throw new ProcessControlError('REUSED',
        `Process ${entityId} has exited; pid ${ref.pid} now belongs to ${now} (${entityOf(s)}), which was left alone.`, entityId);
    }
    if (s.kernelThread) throw new ProcessControlError('PROTECTED', `Process ${entityId} is part of the kernel: Mamori never stops or kills it.`, entityId);
    if (s.state === 'Z' || s.state === 'X') return null;
    return s;
  }

  private async context(): Promise<Ctx> {
    const lineage = mamoriLineage();
    const method = this.o.method ?? 'auto';
    if (method === 'check-then-kill') return { signaller: new CheckThenKillSignaller(), lineage };
    if (!this.helperChecked) {
      const problem = await helperReady(this.helperPath);
      if (problem) return this.fallBack(problem, lineage);
      this.helperChecked = true; // only success is remembered: a helper built later is picked up
    }
    return { signaller: new PidfdSignaller(this.helperPath), lineage };
  }

  private fallBack(problem: HelperUnavailable, lineage: Set<number>): Ctx {
    this.helperChecked = false;
    if (this.o.method === 'pidfd') throw new ProcessControlError(problem.code, problem.message);
    return {
      signaller: new CheckThenKillSignaller(), lineage,
      fallback: { code: problem.code, message: `${problem.message} Signals were sent after checking the start time in /proc instead (a tiny window for pid reuse remains).` },
    };
  }

  private async send(ctx: Ctx, signal: SignalName, targets: Target[]): Promise<SignalResult[]> {
    if (targets.length === 0) return [];
    try {
      return await ctx.signaller.send(signal, targets);
    } catch (err) {
      if (!(err instanceof HelperUnavailable)) throw err;
      // Mid-action: report, never throw, so what was already done is still returned and recorded.
      if (this.o.method === 'pidfd') return targets.map(() => ({ ok: false, code: 'HELPER_FAILED' }));
      Object.assign(ctx, this.fallBack(err, ctx.lineage)); // signals are idempotent: sending again is safe
      return ctx.signaller.send(signal, targets);
    }
  }

  /** Waits until done(e) for every entry or settleMs passes; returns the entries still not done. */
  private async settle(entries: ProcessActionEntry[], done: (e: ProcessActionEntry) => boolean): Promise<ProcessActionEntry[]> {
    const until = Date.now() + (this.o.settleMs ?? 2000);
    let waiting = entries.filter((e) => !done(e));
    while (waiting.length > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
      waiting = waiting.filter((e) => !done(e));
    }
    return waiting;
  }

  private goneResult(action: TreeResult['action'], entityId: string, ctx: Ctx): TreeResult {
    const { pid } = parseEntityId(entityId);
    const e: ProcessActionEntry = { entityId, pid, ppid: null, executable: null, commandLine: null, outcome: 'gone', changed: false };
    applyNotOk(e, { ok: false, code: 'GONE' });
    return this.result(action, entityId, ctx, [e], true);
  }

  private result(action: TreeResult['action'], root: string | null, ctx: Ctx, processes: ProcessActionEntry[], complete: boolean): TreeResult {
    const count = (o: ProcessActionEntry['outcome']) => processes.filter((e) => e.outcome === o).length;
    const failed = processes.filter((e) => e.outcome === 'failed');
    const done = action === 'kill' ? 'killed' : action === 'suspend' ? 'stopped' : 'resumed';
    let undo: Undo;
    if (action === 'kill') undo = { possible: false, reason: 'A killed process cannot be brought back; run the program again if it was needed.' };
    else if (action === 'resume') undo = { possible: false, reason: 'Resuming is itself the undo of a suspension; suspend the process again if needed.' };
    else undo = { possible: true, action: 'resume', entityIds: processes.filter((e) => e.outcome === 'stopped' && e.changed).map((e) => e.entityId) };
    const unchanged = processes.filter((e) => e.outcome === done && !e.changed).length;
    const parts = [`${capital(done)} ${plural(count(done))}${unchanged ? ` (${unchanged} already ${action === 'resume' ? 'running' : done})` : ''}`];
    if (count('gone')) parts.push(`${plural(count('gone'))} had already exited`);
    if (failed.length) parts.push(`${plural(failed.length)} could not be ${done}: ${failed[0]!.message}`);
    if (!complete) parts.push('the tree kept growing and was not fully reached');
    if (ctx.fallback) parts.push('the pidfd helper was not used');
    return {
      action, root, method: ctx.signaller.method, ...(ctx.fallback ? { fallback: ctx.fallback } : {}),
      ok: failed.length === 0 && complete, alreadyDone: failed.length === 0 && processes.every((e) => !e.changed),
      complete, processes, undo, summary: parts.join('; ') + '.', at: nowIso(),
    };
  }
}

const plural = (n: number) => `${n} process${n === 1 ? '' : 'es'}`;
const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);
