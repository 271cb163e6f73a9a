import { format } from 'node:util';

/**
 * Runs work with console output collected instead of printed. Libraries under test (botbuilder's
 * adapter) report refused requests on the console; a fuzz run sends thousands of them, and what they
 * print is itself searched for secrets.
 */
export async function capturingConsole<T>(work: () => Promise<T>): Promise<{ value: T; text: string }> {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  let text = '';
  for (const m of methods) console[m] = (...args: unknown[]) => void (text += `${format(...args)}\n`);
  try {
    const value = await work();
    return { value, text };
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]!));
  }
}
