// The app's sync log lines go to the console by design; keep test output readable.
const quiet =
  (original: (...args: unknown[]) => void) =>
  (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('[sync]')) return;
    original(...args);
  };
console.log = quiet(console.log.bind(console));
console.warn = quiet(console.warn.bind(console));
