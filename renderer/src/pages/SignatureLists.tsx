// Settings > Threat lists: import a signature database (ClamAV .hdb/.hsb or a hash list) from a file, see what
// was imported and which lines were skipped, and remove a list. The core parses; the page only reads the file.
import { useId, useState, type FormEvent } from 'react';
import type { SignatureImport, SignatureList } from '../../../preload/contract/index.js';
import { ConfirmDialog, LoadError, Loading, Notice } from '../components.js';
import { useApp, useLive } from '../state.js';
import { errorMessage } from '../client.js';

// The API takes at most 64 MiB of text; say so before reading a bigger file into memory.
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const SHOWN_BAD_LINES = 10;

export function SignatureLists() {
  const { t, fmt, client } = useApp();
  const fileId = useId();
  const nameId = useId();
  const lists = useLive((c) => c.listSignatures({}), [], []);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SignatureImport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [toRemove, setToRemove] = useState<SignatureList | null>(null);

  const doImport = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) { setError(t.signatures.chooseFile); return; }
    if (file.size > MAX_FILE_BYTES) { setError(t.signatures.tooBig); return; }
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const text = await file.text();
      const r = await client.importSignatures({ fileName: file.name, text, ...(name.trim() ? { name: name.trim() } : {}) });
      setResult(r);
      setFile(null);
      setName('');
      (document.getElementById(fileId) as HTMLInputElement | null)?.form?.reset();
      lists.reload();
    } catch (err) {
      setError(t.signatures.importFailed(errorMessage(err)));
    } finally {
      setBusy(false);
    }
  };

  const confirmRemove = async () => {
    const list = toRemove;
    setToRemove(null);
    if (!list) return;
    try {
      await client.removeSignatureList({ name: list.name });
      setResult(null);
      lists.reload();
    } catch (err) {
      setError(t.signatures.removeFailed(errorMessage(err)));
    }
  };

  const counts = (c: SignatureList['byAlgo']) =>
    (['sha256', 'sha1', 'md5'] as const).filter((a) => c[a]).map((a) => t.signatures.algoCount(fmt.number(c[a]), t.signatures.algo[a])).join(t.signatures.sep);

  return (
    <section className="card settings-section" aria-labelledby="signatures-title" data-testid="signatures">
      <h2 id="signatures-title">{t.signatures.title}</h2>
      <p className="muted">{t.signatures.intro}</p>
      {lists.data ? <p data-testid="signatures-builtin">{t.signatures.builtIn(fmt.number(lists.data.builtIn))}</p> : null}

      {lists.error ? <LoadError error={lists.error} onRetry={lists.reload} /> : !lists.data ? <Loading /> : lists.data.lists.length === 0 ? (
        <p className="empty" data-testid="signatures-empty">{t.signatures.empty}</p>
      ) : (
        <table className="table" data-testid="signatures-table">
          <thead>
            <tr><th>{t.signatures.name}</th><th>{t.signatures.format}</th><th>{t.signatures.count}</th><th>{t.signatures.imported}</th><th /></tr>
          </thead>
          <tbody>
            {lists.data.lists.map((l) => (
              <tr key={l.name} data-testid="signatures-row">
                <td><strong>{l.name}</strong></td>
                <td>{t.signatures.formats[l.format]}</td>
                <td>
                  {counts(l.byAlgo)}
                  {l.invalidCount ? <span className="muted block">{t.signatures.skipped(fmt.number(l.invalidCount))}</span> : null}
                </td>
                <td>{fmt.dateTime(l.importedAt)}</td>
                <td>
                  <button type="button" className="btn btn-small" aria-label={t.signatures.removeLabel(l.name)}
                    onClick={() => setToRemove(l)} data-testid="signatures-remove">{t.signatures.remove}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <form className="signature-import" onSubmit={(e) => void doImport(e)} noValidate>
        <div className="field">
          <label htmlFor={fileId} className="field-label">{t.signatures.file}</label>
          <input id={fileId} type="file" className="input" accept=".hdb,.hdu,.hsb,.hsu,.txt,.csv,.ioc,text/plain" disabled={busy}
            onChange={(e) => { setFile(e.target.files?.[0] ?? null); setError(null); }} data-testid="signatures-file" />
          <p className="field-hint">{t.signatures.fileHint}</p>
        </div>
        <div className="field">
          <label htmlFor={nameId} className="field-label">{t.signatures.listName}</label>
          <input id={nameId} type="text" className="input" value={name} maxLength={200} disabled={busy} placeholder={file?.name.replace(/\.[^.]+$/, '') ?? ''}
            onChange={(e) => setName(e.target.value)} data-testid="signatures-name" />
          <p className="field-hint">{t.signatures.listNameHint}</p>
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="signatures-import">
          {busy ? t.signatures.importing : t.signatures.import}
        </button>
      </form>

      <div aria-live="polite">
        {error ? <Notice kind="error" testId="signatures-error"><p>{error}</p></Notice> : null}
        {result ? (
          <Notice kind={result.invalidCount ? 'warning' : 'success'} testId="signatures-result">
            <p>{t.signatures.done(fmt.number(result.imported), result.name, counts(result.byAlgo) || '0')}</p>
            {result.invalidCount ? (
              <>
                <p>{t.signatures.badLines(fmt.number(result.invalidCount))}</p>
                <ul className="bad-lines">
                  {result.invalid.slice(0, SHOWN_BAD_LINES).map((b) => <li key={b.line}>{t.signatures.badLine(fmt.number(b.line), b.reason)}</li>)}
                </ul>
              </>
            ) : null}
          </Notice>
        ) : null}
      </div>

      <ConfirmDialog open={toRemove !== null} title={t.signatures.confirmTitle} confirmLabel={t.signatures.remove} danger
        onConfirm={() => void confirmRemove()} onCancel={() => setToRemove(null)}>
        {toRemove ? <p>{t.signatures.confirmBody(toRemove.name)}</p> : null}
      </ConfirmDialog>
    </section>
  );
}
