// Small shared pieces: severity badge (icon + word + colour, the same everywhere), page heading,
// notices, confirmation dialog, copy button and the restore control with its TARGET_EXISTS fallback.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { ProtectionState, QuarantineItem, Severity } from '../../preload/contract/index.js';
import { useApp } from './state.js';
import { errorCode, errorMessage } from './client.js';
import { navigatedRecently } from './router.js';

/** One distinct shape per severity, so it reads without colour. Inner marks take the badge colour (CSS). */
export function SeverityIcon({ severity }: { severity: Severity }) {
  const common = { className: 'sev-icon', width: 16, height: 16, viewBox: '0 0 16 16', 'aria-hidden': true, focusable: false } as const;
  switch (severity) {
    case 'critical': // octagon with "!"
      return (
        <svg {...common}>
          <path d="M5 1h6l4 4v6l-4 4H5l-4-4V5z" className="sev-shape" />
          <path d="M8 4v5" className="sev-mark-line" strokeWidth="2" strokeLinecap="round" />
          <circle cx="8" cy="12" r="1.1" className="sev-mark-dot" />
        </svg>
      );
    case 'high': // triangle with "!"
      return (
        <svg {...common}>
          <path d="M8 1l7.5 13.5h-15z" className="sev-shape" />
          <path d="M8 6v4" className="sev-mark-line" strokeWidth="1.8" strokeLinecap="round" />
          <circle cx="8" cy="12.3" r="1" className="sev-mark-dot" />
        </svg>
      );
    case 'medium': // diamond
      return (
        <svg {...common}>
          <path d="M8 1l7 7-7 7-7-7z" className="sev-shape" />
        </svg>
      );
    case 'low': // circle
      return (
        <svg {...common}>
          <circle cx="8" cy="8" r="5.5" className="sev-shape" />
        </svg>
      );
    default: // "i" in a ring
      return (
        <svg {...common}>
          <circle cx="8" cy="8" r="6.2" className="sev-ring" strokeWidth="1.6" />
          <path d="M8 7v4.5" className="sev-ring" strokeWidth="1.8" strokeLinecap="round" />
          <circle cx="8" cy="4.8" r="1" className="sev-shape" />
        </svg>
      );
  }
}

export function SeverityBadge({ severity, count }: { severity: Severity; count?: string }) {
  const { t } = useApp();
  return (
    <span className={`sev-badge sev-${severity}`} data-testid="severity-badge" data-severity={severity}>
      <SeverityIcon severity={severity} />
      <span>{t.severity[severity]}</span>
      {count !== undefined ? <span className="sev-count">{count}</span> : null}
    </span>
  );
}

export function StateIcon({ state }: { state: ProtectionState }) {
  const common = { className: 'state-icon', width: 40, height: 40, viewBox: '0 0 40 40', 'aria-hidden': true, focusable: false } as const;
  const shield = 'M20 3l14 5v10c0 9-6 16-14 19C12 34 6 27 6 18V8z';
  switch (state) {
    case 'protected':
      return (
        <svg {...common}>
          <path d={shield} fill="currentColor" />
          <path d="M13 20l5 5 9-10" fill="none" stroke="#fff" strokeWidth="3.2" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      );
    case 'attention':
      return (
        <svg {...common}>
          <path d={shield} fill="currentColor" />
          <path d="M20 11v10" stroke="#fff" strokeWidth="3.4" strokeLinecap="round" />
          <circle cx="20" cy="27" r="2.1" fill="#fff" />
        </svg>
      );
    case 'paused':
      return (
        <svg {...common}>
          <path d={shield} fill="currentColor" />
          <path d="M16 13v13M24 13v13" stroke="#fff" strokeWidth="3.4" strokeLinecap="round" />
        </svg>
      );
    default:
      return (
        <svg {...common}>
          <path d={shield} fill="currentColor" />
          <path d="M14 15l12 10M26 15L14 25" stroke="#fff" strokeWidth="3.2" strokeLinecap="round" />
        </svg>
      );
  }
}

/** The page's <h1>; focused after navigation so keyboard and screen-reader users land on it. */
export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // Move focus to the new page's title after an in-app navigation (not on first load), so
    // keyboard and screen-reader users start at the top of the page they chose.
    if (navigatedRecently()) ref.current?.focus({ preventScroll: false });
  }, []);
  return (
    <div className="page-head">
      <h1 ref={ref} tabIndex={-1} data-testid="page-title">{children}</h1>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </div>
  );
}

export function Loading() {
  const { t } = useApp();
  return <p className="muted" role="status">{t.common.loading}</p>;
}

export function LoadError({ error, onRetry }: { error: unknown; onRetry(): void }) {
  const { t } = useApp();
  const text = errorCode(error) === 'IO_ERROR' ? t.errors.offline : t.errors.generic(errorMessage(error));
  return (
    <div className="notice notice-error" role="alert">
      <p>{text}</p>
      <button type="button" className="btn" onClick={onRetry}>{t.common.retry}</button>
    </div>
  );
}

export function Notice({ kind, children, testId }: { kind: 'error' | 'info' | 'success' | 'warning'; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useApp();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2500);
    return () => window.clearTimeout(timer);
  }, [state]);
  const copy = () => {
    const done = () => setState('copied');
    const fail = () => setState('failed');
    if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).then(done, fail);
    else fail();
  };
  return (
    <span className="copy">
      <button type="button" className="btn btn-small" onClick={copy} aria-label={label ? `${t.common.copy}: ${label}` : t.common.copy}>
        {t.common.copy}
      </button>
      <span className="copy-state" role="status">
        {state === 'copied' ? t.common.copied : state === 'failed' ? t.common.copyFailed : ''}
      </span>
    </span>
  );
}

/** A modal confirmation built on <dialog>: focus is trapped, Esc cancels, Cancel is focused first. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const { t } = useApp();
  const titleId = useId(); // its own: several dialogs may be on one page
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const { open, onCancel } = props;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      cancelRef.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const onClose = () => { if (open) onCancel(); };
    dialog.addEventListener('close', onClose);
    return () => dialog.removeEventListener('close', onClose);
  }, [open, onCancel]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} data-testid="confirm-dialog">
      <h2 id={titleId}>{props.title}</h2>
      <div className="dialog-body">{props.children}</div>
      <div className="dialog-actions">
        <button ref={cancelRef} type="button" className="btn" onClick={onCancel} data-testid="confirm-cancel">
          {t.common.cancel}
        </button>
        <button type="button" className={props.danger ? 'btn btn-danger' : 'btn btn-primary'} onClick={props.onConfirm} data-testid="confirm-ok">
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

type RestoreState =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'exists'; message: string }
  | { kind: 'done'; path: string }
  | { kind: 'failed'; message: string };

/**
 * Restore one quarantined file. Asks the core to refuse when something is already at the original
 * path; then offers "restore under a new name" (onConflict: 'rename').
 */
export function RestoreControl({ item, label, onRestored, compact }: {
  item: Pick<QuarantineItem, 'id' | 'originalPath'>;
  label?: string;
  onRestored?(restoredPath: string): void;
  compact?: boolean;
}) {
  const { client, t } = useApp();
  const [state, setState] = useState<RestoreState>({ kind: 'idle' });

  const run = async (onConflict: 'refuse' | 'rename') => {
    setState({ kind: 'busy' });
    try {
      const result = await client.restoreQuarantine({ id: item.id, onConflict });
      setState({ kind: 'done', path: result.restoredPath });
      onRestored?.(result.restoredPath);
    } catch (err) {
      if (errorCode(err) === 'TARGET_EXISTS') setState({ kind: 'exists', message: errorMessage(err) });
      else setState({ kind: 'failed', message: errorMessage(err) });
    }
  };

  const btnClass = compact ? 'btn btn-small' : 'btn btn-primary';
  return (
    <div className={compact ? 'restore restore-compact' : 'restore'}>
      {state.kind !== 'done' && state.kind !== 'exists' ? (
        <button type="button" className={btnClass} disabled={state.kind === 'busy'} onClick={() => void run('refuse')}
          data-testid="restore-button">
          {label ?? t.quarantine.restore}
        </button>
      ) : null}
      {state.kind === 'exists' ? (
        <Notice kind="warning" testId="restore-exists">
          <p>{t.restore.exists(item.originalPath)}</p>
          <div className="row">
            <button type="button" className="btn btn-primary" onClick={() => void run('rename')} data-testid="restore-rename">
              {t.restore.asNewName}
            </button>
            <button type="button" className="btn" onClick={() => setState({ kind: 'idle' })}>{t.common.cancel}</button>
          </div>
        </Notice>
      ) : null}
      {state.kind === 'done' ? <Notice kind="success" testId="restore-done"><p data-restored-path={state.path}>{t.restore.done(state.path)}</p></Notice> : null}
      {state.kind === 'failed' ? <Notice kind="error" testId="restore-failed"><p>{t.restore.failed(state.message)}</p></Notice> : null}
    </div>
  );
}

/**
 * A list of paths, each with a remove button, and a field to add one (rule folders, exclusions). `testId`
 * names the parts: `${testId}s` the list, `${testId}-input`, `${testId}-add`, `${testId}-remove`.
 * `check` returns why a new entry is refused (shown through onError), or null.
 */
export function PathListEditor({ items, busy, testId, placeholder, addLabel, emptyText, check, onChange, onError }: {
  items: string[]; busy: boolean; testId: string; placeholder: string; addLabel: string; emptyText?: string;
  check(path: string): string | null; onChange(next: string[]): Promise<boolean>; onError(message: string | null): void;
}) {
  const { t } = useApp();
  const [value, setValue] = useState('');
  const inputId = `${testId}-input`;
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const p = value.trim();
    const problem = items.includes(p) ? t.settings.already : check(p);
    if (problem) { onError(problem); return; }
    if (await onChange([...items, p])) setValue('');
  };
  return (
    <>
      {items.length || !emptyText ? (
        <ul className="folder-list" data-testid={`${testId}s`}>
          {items.map((f) => (
            <li key={f}>
              <code className="path">{f}</code>
              <button type="button" className="btn btn-small" disabled={busy} aria-label={t.settings.removeLabel(f)} data-testid={`${testId}-remove`}
                onClick={() => void onChange(items.filter((x) => x !== f))}>{t.settings.remove}</button>
            </li>
          ))}
        </ul>
      ) : <p className="empty">{emptyText}</p>}
      <form className="row" onSubmit={(e) => void add(e)} noValidate>
        <label htmlFor={inputId} className="visually-hidden">{addLabel}</label>
        <input id={inputId} type="text" className="input input-wide" value={value} placeholder={placeholder} spellCheck={false}
          autoComplete="off" onChange={(e) => { setValue(e.target.value); onError(null); }} data-testid={`${testId}-input`} />
        <button type="submit" className="btn" disabled={busy} data-testid={`${testId}-add`}>{addLabel}</button>
      </form>
    </>
  );
}
