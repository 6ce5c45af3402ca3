// Scans > Schedule: when the quick and the full scan run by themselves, how much CPU they may use, and when
// they ran last / run next. Saved through the settings like everything else.
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { ScanSchedule as Schedule } from '../../../preload/contract/index.js';
import { LoadError, Loading, Notice } from '../components.js';
import { useApp, useLive } from '../state.js';
import { errorMessage } from '../client.js';

const CPU_CHOICES = [25, 50, 100];

export function ScanSchedule() {
  const { t, fmt, saveSettings } = useApp();
  const ids = { quickAt: useId(), fullDay: useId(), fullAt: useId(), cpu: useId() };
  const info = useLive((c) => c.getScanSchedule({}), ['scanFinished', 'scanProgress'], []);
  const [draft, setDraft] = useState<Schedule | null>(null);
  const [cpu, setCpu] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);

  // The form starts from what is saved, and follows it until the user edits.
  useEffect(() => {
    if (!info.data || draft) return;
    const { quick, full } = info.data;
    setDraft({ quick: { enabled: quick.enabled, at: quick.at }, full: { enabled: full.enabled, day: full.day, at: full.at } });
    setCpu(info.data.cpuPercent);
  }, [info.data, draft]);

  if (info.error && !info.data) return <LoadError error={info.error} onRetry={info.reload} />;
  if (!info.data || !draft || cpu === null) return <Loading />;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await saveSettings({ scanSchedule: draft, scanCpuPercent: cpu });
      setMessage({ kind: 'success', text: t.schedule.saved });
      info.reload();
    } catch (err) {
      setMessage({ kind: 'error', text: t.schedule.saveFailed(errorMessage(err)) });
    } finally {
      setBusy(false);
    }
  };

  const when = (iso: string | null, never: string) => (iso ? fmt.dateTime(iso) : never);
  return (
    <section className="card schedule-card" aria-labelledby="schedule-title" data-testid="scan-schedule">
      <h2 id="schedule-title">{t.schedule.title}</h2>
      <p className="muted">{t.schedule.intro}</p>
      <form onSubmit={(e) => void save(e)} noValidate>
        <fieldset className="fieldset schedule-row" disabled={busy}>
          <legend><strong>{t.schedule.quick}</strong> <span className="muted">{t.schedule.quickWhat}</span></legend>
          <label className="check">
            <input type="checkbox" checked={draft.quick.enabled} data-testid="schedule-quick-enabled"
              onChange={(e) => setDraft({ ...draft, quick: { ...draft.quick, enabled: e.target.checked } })} />
            {t.schedule.everyDay}
          </label>
          <label htmlFor={ids.quickAt} className="visually-hidden">{t.schedule.time}</label>
          <input id={ids.quickAt} type="time" className="input" value={draft.quick.at} required data-testid="schedule-quick-at"
            onChange={(e) => setDraft({ ...draft, quick: { ...draft.quick, at: e.target.value } })} />
          <p className="field-hint" data-testid="schedule-quick-next">
            {t.schedule.next(when(info.data.quick.next, t.schedule.off))} · {t.schedule.last(when(info.data.quick.last, t.schedule.never))}
          </p>
        </fieldset>
        <fieldset className="fieldset schedule-row" disabled={busy}>
          <legend><strong>{t.schedule.full}</strong> <span className="muted">{t.schedule.fullWhat}</span></legend>
          <label className="check">
            <input type="checkbox" checked={draft.full.enabled} data-testid="schedule-full-enabled"
              onChange={(e) => setDraft({ ...draft, full: { ...draft.full, enabled: e.target.checked } })} />
            {t.schedule.everyWeek}
          </label>
          <label htmlFor={ids.fullDay} className="visually-hidden">{t.schedule.day}</label>
          <select id={ids.fullDay} className="input" value={draft.full.day} data-testid="schedule-full-day"
            onChange={(e) => setDraft({ ...draft, full: { ...draft.full, day: Number(e.target.value) } })}>
            {t.schedule.days.map((name, i) => <option key={name} value={i}>{name}</option>)}
          </select>
          <label htmlFor={ids.fullAt} className="visually-hidden">{t.schedule.time}</label>
          <input id={ids.fullAt} type="time" className="input" value={draft.full.at} required data-testid="schedule-full-at"
            onChange={(e) => setDraft({ ...draft, full: { ...draft.full, at: e.target.value } })} />
          <p className="field-hint" data-testid="schedule-full-next">
            {t.schedule.next(when(info.data.full.next, t.schedule.off))} · {t.schedule.last(when(info.data.full.last, t.schedule.never))}
          </p>
        </fieldset>
        <div className="field">
          <label htmlFor={ids.cpu} className="field-label">{t.schedule.cpu}</label>
          <select id={ids.cpu} className="input" value={cpu} disabled={busy} data-testid="schedule-cpu" onChange={(e) => setCpu(Number(e.target.value))}>
            {CPU_CHOICES.map((p) => <option key={p} value={p}>{t.schedule.cpuOption(p)}</option>)}
          </select>
          <p className="field-hint">{t.schedule.cpuHint}</p>
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="schedule-save">{t.schedule.save}</button>
      </form>
      <div aria-live="polite">{message ? <Notice kind={message.kind} testId="schedule-message"><p>{message.text}</p></Notice> : null}</div>
    </section>
  );
}
