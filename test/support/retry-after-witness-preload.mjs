// Plain JavaScript so it loads where tsx is not registered: worker threads (the logger's transport)
// inherit a process's --import options but make no Graph requests, so only the main thread watches.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) await import('./retry-after-witness-process.ts');
