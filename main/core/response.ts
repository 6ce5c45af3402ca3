// The response loop: an alert meets the policy (act, ask or record per severity and category), actions run
// through the Responder, questions wait for the user until their deadline, and the network state on record
// is applied at start-up and whenever the policy is switched on or off.
import { join } from 'node:path';
import {
  MamoriError, type Alert, type ResponseAction, type ResponseException, type ResponsePolicy, type Settings,
} from '../../preload/contract/index.js';
import {
  NetworkGuard, ProcessControl, Responder, ResponseError, type ActionRequest, type NetworkGuardOptions, type ResponderDeps,
} from './respond/index.js';
import type { Store } from './store/index.js';
import { exceptionMatches, planResponse, type AlertFacts, type ExceptionSubject, type PackageFiles } from './triage/index.js';

const DECISION_CHECK_MS = 5_000;

export interface ResponseLoopOptions {
  store: Store;
  helpersDir: string;
  /** 'off': never touch the firewall. */
  network?: NetworkGuardOptions | 'off';
  quarantine: ResponderDeps['quarantine'];
  restore: ResponderDeps['restore'];
  changed: (a: ResponseAction) => void;
  log: ResponderDeps['log'];
  now: () => Date;
  /** false: alerts are only recorded, whatever the policy says (hosts started by tests). */
  auto: boolean;
  packageFiles?: PackageFiles;
}

export class ResponseLoop {
  readonly responder: Responder;
  private timer: NodeJS.Timeout | null = null;
  private blocked: Set<string> | null = null;

  constructor(private readonly o: ResponseLoopOptions) {
    this.responder = new Responder({
      actions: o.store.actions,
      processes: new ProcessControl({ helperPath: join(o.helpersDir, 'mamori-proc-signal') }),
      network: o.network === 'off' ? null : new NetworkGuard(o.network ?? {}),
      quarantine: o.quarantine,
      restore: o.restore,
      log: o.log,
      changed: (a) => { if (a.kind === 'block_hash' || a.kind === 'unblock_hash') this.blocked = null; o.changed(a); },
    });
  }

  private get policy(): ResponsePolicy { return this.o.store.settings.get().responsePolicy; }

  /** On start-up: the firewall gets what the actions on record say; questions past their deadline are answered. */
  async start(o: { checkEveryMs?: number } = {}): Promise<void> {
    await this.responder.reconcileNetwork(this.policy.enabled);
    await this.decideDue();
    const every = o.checkEveryMs ?? DECISION_CHECK_MS;
    const tick = () => { this.timer = setTimeout(() => { void this.decideDue().finally(() => { if (this.timer) tick(); }); }, every); this.timer.unref(); };
    tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Whether an exception says this alert is fine: then it is neither raised nor acted on. */
  excepted(subject: ExceptionSubject): ResponseException | null {
    for (const ex of this.o.store.settings.get().exceptions) if (exceptionMatches(ex, subject, this.o.packageFiles)) return ex;
    return null;
  }

  /** A new alert: what the policy says, carried out (act), asked (ask) or left to the alert itself (record). */
  async onAlert(alert: Alert, facts: AlertFacts): Promise<ResponseAction[]> {
    const policy = this.policy;
    const out: ResponseAction[] = [];
    if (!this.o.auto) return out;
    for (const step of planResponse(alert, policy, facts)) {
      if (step.mode === 'record') continue;
      const req: ActionRequest = { kind: step.kind, target: step.target, actor: 'policy', reason: alert.title, alertId: alert.id, incidentId: alert.incidentId ?? null };
      if (step.mode === 'ask') out.push(this.responder.ask(req, new Date(this.o.now().getTime() + policy.askTimeoutMinutes * 60_000)));
      else out.push(await this.responder.run(req));
    }
    return out;
  }

  /** A user's (or script's) action. Bad targets are BAD_INPUT; failures are recorded and returned. */
  async request(req: Omit<ActionRequest, 'actor'>): Promise<ResponseAction> {
    return this.responder.run({ ...req, actor: 'user' });
  }

  async decide(id: string, approve: boolean): Promise<ResponseAction> {
    try { return await this.responder.decide(id, approve, 'user'); } catch (err) { throw asApiError(err); }
  }

  async undo(id: string): Promise<ResponseAction> {
    try { return await this.responder.undo(id, 'user'); } catch (err) { throw asApiError(err); }
  }

  /** Settings changed: switching the policy off ends any isolation at once (and on start-up, too). */
  async settingsChanged(before: Settings, after: Settings): Promise<void> {
    if (before.responsePolicy.enabled !== after.responsePolicy.enabled) await this.responder.reconcileNetwork(after.responsePolicy.enabled);
  }

  isHashBlocked(sha256: string): boolean {
    this.blocked ??= this.responder.blockedHashes();
    return this.blocked.has(sha256.toLowerCase());
  }

  isolated(): boolean {
    return this.policy.enabled && this.responder.desiredNetwork().isolated;
  }

  /** Pending questions whose time is up get the policy's default. */
  async decideDue(): Promise<void> {
    const now = this.o.now().toISOString();
    for (const a of this.o.store.actions.pending()) {
      if (!a.decideBy || a.decideBy > now) continue;
      try {
        await this.responder.decide(a.id, this.policy.enabled && this.policy.askDefault === 'act', 'policy');
      } catch (err) {
        this.o.log('warn', `deciding ${a.id} failed: ${(err as Error).message}`);
      }
    }
  }
}

function asApiError(err: unknown): unknown {
  if (!(err instanceof ResponseError)) return err;
  return new MamoriError(err.code === 'NOT_FOUND' ? 'NOT_FOUND' : err.code === 'BAD_TARGET' ? 'BAD_INPUT' : 'CONFLICT', err.message);
}
