// The few parts of node-notifier the agent uses (the package ships no types).
declare module 'node-notifier' {
  interface Notification { title: string; message: string; wait?: boolean }
  const notifier: { notify(n: Notification, cb?: (err: Error | null) => void): void };
  export default notifier;
}
