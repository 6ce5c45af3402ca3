// Shown in a browser when the page was opened without the agent's token (or the token was refused).
import { useEffect } from 'react';
import { dictionaries, resolveLanguage } from './i18n.js';

export function NoToken({ expired }: { expired: boolean }) {
  const lang = resolveLanguage('auto', navigator.language);
  const t = dictionaries[lang];
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t.appName;
  }, [lang, t]);
  return (
    <main className="no-token" data-testid="no-token">
      <div className="no-token-card">
        <p className="brand-name">{t.appName} <span lang="ja">守り</span></p>
        <h1>{t.auth.title}</h1>
        {expired ? <p className="notice notice-warning" data-testid="token-expired">{t.auth.expired}</p> : null}
        <p>{t.auth.body}</p>
        <p>{t.auth.how}</p>
        <pre className="raw"><code>mamori agent</code>{'\n'}<code>http://127.0.0.1:PORT/#token=…</code></pre>
      </div>
    </main>
  );
}
