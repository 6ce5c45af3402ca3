// Runs response actions and records each one, with who, why, what it did and how to undo it. What is in
// force (blocked addresses and hashes, isolation) is derived from the recorded actions, and the kernel is
// made to match it after every network action and on start-up: so retrying is safe, a restart changes
// nothing, and undo removes exactly what the action added.
import type { NetworkState as NetworkStateView, ResponseAction, ResponseKind } from '../../../../preload/contract/index.js';
import type { ActionsRepo } from '../../store/actions.js';
import { newId, nowIso } from '../../util/index.js';
import { canonicalAddress, NetworkGuardError, type NetworkGuard, type NetworkState } from '../network/index.js';
import { ProcessControlError, type ProcessControl, type TreeResult } from '../process/index.js';

export interface ActionRequest {
  kind: ResponseKind;
  target: ResponseAction['target'];
  actor: ResponseAction['actor'];
  reason: string;
  alertId?: string | null;
  incidentId?: string | null;
}

export interface ResponderDeps {
  actions: ActionsRepo;
  processes: ProcessControl;
  /** null: this Mamori never changes the firewall (a host where it must not; tests that did not make a namespace). */
  network: NetworkGuard | null;
  /** Quarantines a file for an approved "ask" (the engine's vault and records); returns what happened. */
  quarantine: (a: ResponseAction) => Promise<{ ok: boolean; summary: string; error?: { code: string; message: string } }>;
  /** Restores a file quarantined by a response action (its undo). */
  restore: (a: ResponseAction) => { ok: boolean; summary: string; error?: { code: string; message: string } };
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Every saved change of an action (for the UI and the tray). */
  changed: (a: ResponseAction) => void;
}

/** An undo that is not possible, and why. */
export class ResponseError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'NOT_UNDOABLE' | 'ALREADY_UNDONE' | 'NOT_PENDING' | 'BAD_TARGET' | 'NETWORK_OFF', message: string) {
    super(message);
  }
}

const NETWORK_OFF = 'network responses are switched off for this Mamori (it never changes this machine\'s firewall)';
const NETWORK_KINDS: readonly ResponseKind[] = ['isolate', 'block_ip'];
const INVERSE: Partial<Record<ResponseKind, ResponseKind>> = {
  suspend: 'resume', isolate: 'unisolate', unisolate: 'isolate', block_ip: 'unblock_ip', unblock_ip: 'block_ip',
  block_hash: 'unblock_hash', unblock_hash: 'block_hash',
};
const NOT_UNDOABLE: Partial<Record<ResponseKind, string>> = {
  kill: 'a stopped program cannot be brought back; if it was safe, start it again',
  resume: 'it let processes continue; suspend them again if needed',
};

export class Responder {
  /** One action at a time: each one reads and writes the state in force. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: ResponderDeps) {}

  /** Runs an action now and records it (failures too: they are explained in the record). */
  run(req: ActionRequest): Promise<ResponseAction> {
    return this.serial(() => this.execute(this.draft(req, 'succeeded', null)));
  }

  /** Records a question for the user: the action runs if they approve, or at `decideBy` if the default is to act. */
  ask(req: ActionRequest, decideBy: Date): ResponseAction {
    const a = this.draft(req, 'pending', decideBy.toISOString());
    a.summary = `Waiting for your decision: ${describe(a)}.`;
    return this.save(a);
  }

  /** The user's (or the timeout's) answer to a pending action. */
  decide(id: string, approve: boolean, actor: ResponseAction['actor']): Promise<ResponseAction> {
    return this.serial(async () => {
      const a = this.d.actions.get(id);
      if (!a) throw new ResponseError('NOT_FOUND', `no action with id ${id}`);
      if (a.status !== 'pending') throw new ResponseError('NOT_PENDING', `action ${id} is ${a.status}, not waiting for a decision`);
      if (!approve) {
        return this.save({ ...a, status: 'declined', decideBy: null, summary: `Not done: ${actor === 'user' ? 'you declined' : 'nobody answered in time'}.` });
      }
      return this.execute({ ...a, actor, status: 'succeeded', decideBy: null, time: nowIso() });
    });
  }

  /** Undoes an action with one call: a new action that reverses it, and the original marked undone. */
  undo(id: string, actor: ResponseAction['actor'], reason = 'undone by the user'): Promise<ResponseAction> {
    return this.serial(async () => {
      const a = this.d.actions.get(id);
      if (!a) throw new ResponseError('NOT_FOUND', `no action with id ${id}`);
      if (a.status === 'undone') throw new ResponseError('ALREADY_UNDONE', `action ${id} was already undone${a.undo.undoneBy ? ` by ${a.undo.undoneBy}` : ''}`);
      if (!a.undo.possible) throw new ResponseError('NOT_UNDOABLE', `action ${id} (${a.kind}) cannot be undone: ${a.undo.reason ?? 'nothing to undo'}`);
      if (a.status === 'pending' || a.status === 'declined' || a.status === 'failed') {
        throw new ResponseError('NOT_UNDOABLE', `action ${id} is ${a.status}: it changed nothing, so there is nothing to undo`);
      }
      if (a.kind === 'quarantine') {
        const r = this.d.restore(a);
        const undo = this.draft({ kind: 'quarantine', target: a.target, actor, reason, alertId: a.alertId, incidentId: a.incidentId }, r.ok ? 'succeeded' : 'failed', null);
        undo.undoes = a.id;
        undo.summary = r.summary;
        undo.error = r.error ?? null;
        undo.undo = { possible: false, reason: 'this restored a quarantined file', undoneAt: null, undoneBy: null };
        if (r.ok) this.markUndone(a, undo.id);
        return this.save(undo);
      }
      const kind = INVERSE[a.kind]!;
      const target = a.kind === 'suspend' ? { ...a.target, entityIds: a.processes.filter((p) => p.outcome === 'stopped').map((p) => p.entityId) } : a.target;
      const reverse = this.draft({ kind, target, actor, reason, alertId: a.alertId, incidentId: a.incidentId }, 'succeeded', null);
      reverse.undoes = a.id;
      return this.execute(reverse, a);
    });
  }

  /** What is blocked and whether the host is isolated: from the actions in force (the kernel is made to match). */
  desiredNetwork(policyEnabled = true): NetworkState {
    const inForce = this.d.actions.inForce(NETWORK_KINDS);
    const isolation = policyEnabled ? inForce.filter((a) => a.kind === 'isolate').at(-1) ?? null : null;
    return {
      isolated: isolation !== null,
      allow: isolation?.target.allow ?? [],
      blocked: [...new Set(inForce.filter((a) => a.kind === 'block_ip').map((a) => a.target.address!))],
    };
  }

  blockedHashes(): Set<string> {
    return new Set(this.d.actions.inForce(['block_hash']).map((a) => a.target.sha256!.toLowerCase()));
  }

  /** On start-up and when the policy changes: the kernel gets exactly what the actions in force say. */
  reconcileNetwork(policyEnabled: boolean): Promise<void> {
    return this.serial(async () => {
      if (!policyEnabled) {
        // Never leave the host isolated by a Mamori whose policy is off: end the isolation on record.
        for (const a of this.d.actions.inForce(['isolate'])) {
          const end = this.draft({ kind: 'unisolate', target: {}, actor: 'policy', reason: 'the response policy was switched off', alertId: a.alertId, incidentId: a.incidentId }, 'succeeded', null);
          end.undoes = a.id;
          await this.execute(end, a);
        }
      }
      const available = await this.networkAvailable();
      if (!available.ok) {
        const desired = this.desiredNetwork(policyEnabled);
        if (desired.isolated || desired.blocked.length) this.d.log('warn', `cannot apply the network blocks on record: ${available.message}`);
        return;
      }
      try {
        const r = await this.d.network!.reconcile(this.desiredNetwork(policyEnabled));
        if (r.changed) this.d.log('info', `network: the firewall now matches the actions in force (isolated: ${r.state.isolated}, ${r.state.blocked.length} blocked)`);
      } catch (err) {
        this.d.log('error', `network: could not apply the blocks on record: ${(err as Error).message}`);
      }
    });
  }

  async networkState(): Promise<NetworkStateView> {
    const available = await this.networkAvailable();
    const desired = this.desiredNetwork();
    const isolation = this.d.actions.inForce(['isolate']).at(-1) ?? null;
    if (!available.ok) return { available: false, detail: available.message, ...desired, isolatedBy: isolation?.id ?? null };
    try {
      const s = await this.d.network!.status();
      return { available: true, detail: s.intact ? null : 'the firewall table was changed outside Mamori', isolated: s.isolated, allow: s.allow, blocked: s.blocked, isolatedBy: isolation?.id ?? null };
    } catch (err) {
      return { available: false, detail: (err as Error).message, ...desired, isolatedBy: isolation?.id ?? null };
    }
  }

  // ---- internals ------------------------------------------------------------------------------------------

  private async networkAvailable(): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
    if (!this.d.network) return { ok: false, code: 'NETWORK_OFF', message: NETWORK_OFF };
    return this.d.network.available();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private draft(req: ActionRequest, status: ResponseAction['status'], decideBy: string | null): ResponseAction {
    const undoable = !NOT_UNDOABLE[req.kind];
    return {
      id: newId('ra'), time: nowIso(), kind: req.kind, status, actor: req.actor, reason: req.reason,
      alertId: req.alertId ?? null, incidentId: req.incidentId ?? null, target: req.target, summary: '', processes: [], changed: false,
      error: null, undo: { possible: undoable, reason: NOT_UNDOABLE[req.kind] ?? null, undoneAt: null, undoneBy: null }, undoes: null, decideBy,
    };
  }

  private save(a: ResponseAction): ResponseAction {
    this.d.actions.save(a);
    this.d.changed(a);
    return a;
  }

  private markUndone(a: ResponseAction, by: string): void {
    this.save({ ...a, status: 'undone', undo: { ...a.undo, undoneAt: nowIso(), undoneBy: by } });
  }

  /** Carries out a drafted action; `reverses`: the action it undoes (marked undone when this one worked). */
  private async execute(a: ResponseAction, reverses: ResponseAction | null = null): Promise<ResponseAction> {
    try {
      switch (a.kind) {
        case 'kill': case 'suspend': case 'resume': await this.processAction(a); break;
        case 'isolate': case 'unisolate': case 'block_ip': case 'unblock_ip': await this.networkAction(a); break;
        case 'block_hash': case 'unblock_hash': this.hashAction(a); break;
        case 'quarantine': {
          const r = await this.d.quarantine(a);
          a.status = r.ok ? 'succeeded' : 'failed';
          a.summary = r.summary;
          a.error = r.error ?? null;
          a.changed = r.ok;
          break;
        }
      }
    } catch (err) {
      a.status = 'failed';
      a.error = errorOf(err);
      a.summary = `Could not ${verb(a.kind)}: ${a.error.message}`;
      this.d.log('warn', `response ${a.kind} failed: ${a.error.code}: ${a.error.message}`);
    }
    if (a.status === 'failed') a.undo = { ...a.undo, possible: false, reason: 'it failed, so it changed nothing to undo' };
    if (a.status !== 'failed' && a.undoes) {
      const original = reverses ?? this.d.actions.get(a.undoes);
      if (original && original.status !== 'undone') this.markUndone(original, a.id);
    }
    return this.save(a);
  }

  private async processAction(a: ResponseAction): Promise<void> {
    let r: TreeResult;
    if (a.kind === 'resume') r = await this.d.processes.resumeTree(a.target.entityIds?.length ? a.target.entityIds : a.target.entityId!);
    else if (a.kind === 'kill') r = await this.d.processes.killTree(a.target.entityId!);
    else r = await this.d.processes.suspendTree(a.target.entityId!);
    a.processes = r.processes.slice(0, 500).map((p) => ({
      entityId: p.entityId, pid: p.pid, executable: p.executable, commandLine: p.commandLine, outcome: p.outcome, code: p.code ?? null,
    }));
    a.changed = !r.alreadyDone;
    a.status = r.ok ? 'succeeded' : r.processes.some((p) => p.outcome !== 'failed') ? 'partial' : 'failed';
    a.summary = r.summary;
    if (!r.ok) {
      const failed = r.processes.find((p) => p.outcome === 'failed');
      a.error = { code: failed?.code ?? 'FAILED', message: failed?.message ?? r.summary };
    }
    if (a.kind === 'suspend' && !r.processes.some((p) => p.outcome === 'stopped' && p.changed)) {
      a.undo = { ...a.undo, possible: false, reason: 'nothing was stopped by this action' };
    }
  }

  private async networkAction(a: ResponseAction): Promise<void> {
    const before = this.desiredNetwork();
    if (a.kind === 'block_ip' || a.kind === 'unblock_ip') {
      try {
        a.target = { ...a.target, address: canonicalAddress(a.target.address ?? '') };
      } catch (err) {
        throw err instanceof NetworkGuardError ? err : new ResponseError('BAD_TARGET', (err as Error).message);
      }
    }
    if (a.kind === 'isolate') a.target = { ...a.target, allow: (a.target.allow ?? []).map(canonicalAddress) };
    // The state this action asks for: the actions in force, with this one applied.
    const want: NetworkState = { ...before, blocked: [...before.blocked], allow: [...before.allow] };
    if (a.kind === 'isolate') { want.isolated = true; want.allow = a.target.allow!; }
    if (a.kind === 'unisolate') { want.isolated = false; want.allow = []; }
    if (a.kind === 'block_ip' && !want.blocked.includes(a.target.address!)) want.blocked.push(a.target.address!);
    if (a.kind === 'unblock_ip') want.blocked = want.blocked.filter((x) => x !== a.target.address);
    if (!this.d.network) throw new ResponseError('NETWORK_OFF', NETWORK_OFF);
    const r = await this.d.network.reconcile(want);
    a.changed = r.changed;
    a.status = 'succeeded';
    // Ending an isolation or a block ends every action that had put it in force.
    if (a.kind === 'unisolate' || a.kind === 'unblock_ip') {
      const ends = this.d.actions.inForce([a.kind === 'unisolate' ? 'isolate' : 'block_ip'])
        .filter((x) => a.kind === 'unisolate' || x.target.address === a.target.address);
      for (const x of ends) if (x.id !== a.undoes) this.markUndone(x, a.id);
      if (!a.undoes && ends.length) a.undoes = ends.at(-1)!.id;
    }
    const already = r.changed ? '' : ' (it already was)';
    a.summary = a.kind === 'isolate' ? `The computer is cut off from the network${a.target.allow!.length ? `, except ${a.target.allow!.join(', ')}` : ''}${already}.`
      : a.kind === 'unisolate' ? `The computer is connected to the network again${already}.`
        : a.kind === 'block_ip' ? `Connections to and from ${a.target.address} are blocked${already}.`
          : `Connections to and from ${a.target.address} are allowed again${already}.`;
  }

  private hashAction(a: ResponseAction): void {
    const sha = (a.target.sha256 ?? '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new ResponseError('BAD_TARGET', 'a SHA-256 is 64 hexadecimal characters');
    a.target = { ...a.target, sha256: sha };
    const inForce = this.d.actions.inForce(['block_hash']).filter((x) => x.target.sha256 === sha);
    a.status = 'succeeded';
    if (a.kind === 'block_hash') {
      a.changed = inForce.length === 0;
      a.summary = `Files with SHA-256 ${sha.slice(0, 16)}… are refused when they try to run${a.changed ? '' : ' (they already were)'}.`;
    } else {
      a.changed = inForce.length > 0;
      for (const x of inForce) if (x.id !== a.undoes) this.markUndone(x, a.id);
      if (!a.undoes && inForce.length) a.undoes = inForce.at(-1)!.id;
      a.summary = `Files with SHA-256 ${sha.slice(0, 16)}… may run again${a.changed ? '' : ' (they were not blocked)'}.`;
    }
  }
}

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof ProcessControlError || err instanceof NetworkGuardError || err instanceof ResponseError) return { code: err.code, message: err.message };
  return { code: 'FAILED', message: (err as Error).message };
}

const VERBS: Record<ResponseKind, string> = {
  kill: 'stop the program', suspend: 'pause the program', resume: 'let the program continue', isolate: 'cut the computer off the network',
  unisolate: 'reconnect the computer', block_ip: 'block the address', unblock_ip: 'unblock the address', block_hash: 'block the file from running',
  unblock_hash: 'let the file run again', quarantine: 'quarantine the file',
};
const verb = (k: ResponseKind) => VERBS[k];

function describe(a: ResponseAction): string {
  const t = a.target;
  const what = t.executable ?? t.address ?? t.path ?? (t.sha256 ? `${t.sha256.slice(0, 16)}…` : null);
  return `${verb(a.kind)}${what ? ` (${what})` : ''}`;
}
