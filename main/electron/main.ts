// Entry of the desktop app (package.json "main" -> dist/main/electron/main.js).
// Everything is in shell.ts; this file only starts it. Keep it free of top-level await: Electron emits
// `ready` after the entry module is evaluated, and start-up waits for `ready` itself.
import { startShell } from './shell.js';

startShell();
