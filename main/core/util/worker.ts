import { Worker, type WorkerOptions } from 'node:worker_threads';

/** From dist/ a worker is plain JS; from source (tests, tsx) it is TypeScript, compiled on load by tsx. */
export function startWorker(url: URL, options: Pick<WorkerOptions, 'workerData'> = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
