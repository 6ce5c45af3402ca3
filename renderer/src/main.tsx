// Entry point: choose the transport (Electron preload or agent HTTP + token), then render.
import { StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { methodNames, type MamoriClient } from '../../preload/contract/index.js';
import { connect, errorCode, forgetToken, type Connection } from './client.js';
import { AppProvider } from './state.js';
import { App } from './App.js';
import { NoToken } from './NoToken.js';

/** Wrap every call so a refused token (agent restarted) leads to the "open the link" page. */
function guard(client: MamoriClient, onUnauthorized: () => void): MamoriClient {
  const wrapped: Record<string, unknown> = {};
  const source = client as unknown as Record<string, (input?: unknown) => Promise<unknown>>;
  for (const name of methodNames) {
    wrapped[name] = async (input?: unknown) => {
      try {
        return await source[name]!(input);
      } catch (err) {
        if (errorCode(err) === 'UNAUTHORIZED') onUnauthorized();
        throw err;
      }
    };
  }
  wrapped.on = client.on.bind(client);
  return wrapped as unknown as MamoriClient;
}

function Root() {
  const [connection] = useState<Connection>(() => connect());
  const [expired, setExpired] = useState(false);
  const client = useMemo(() => {
    if (connection.kind !== 'ready') return null;
    if (connection.transport === 'electron') return connection.client;
    return guard(connection.client, () => {
      forgetToken();
      (connection.client as MamoriClient & { close?: () => void }).close?.();
      setExpired(true);
    });
  }, [connection]);

  if (!client || expired) return <NoToken expired={expired} />;
  return (
    <AppProvider client={client}>
      <App />
    </AppProvider>
  );
}

const rootElement = document.getElementById('root');
if (rootElement) {
  createRoot(rootElement).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  );
}
