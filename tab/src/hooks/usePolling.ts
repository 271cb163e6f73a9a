import { useCallback, useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  refresh(): Promise<void>;
}

/**
 * Loads now, then again every `intervalMs` while the page is visible (Teams keeps hidden tabs alive;
 * they should not keep polling), and at once when it becomes visible again. `fastWhile` shortens the
 * interval while the data says something is moving (a sync in progress).
 */
export function usePolling<T>(
  load: () => Promise<T>,
  options: { intervalMs: number; fastIntervalMs?: number; fastWhile?: (data: T) => boolean },
): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const alive = useRef(true);

  const refresh = useCallback(async () => {
    clearTimeout(timer.current);
    let next: T | undefined;
    try {
      next = await loadRef.current();
      if (!alive.current) return;
      setData(next);
      setError(undefined);
    } catch (err) {
      if (!alive.current) return;
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      if (alive.current) setLoading(false);
    }
    if (!alive.current || document.hidden) return;
    const { intervalMs, fastIntervalMs, fastWhile } = optionsRef.current;
    const fast = next !== undefined && fastIntervalMs !== undefined && fastWhile?.(next);
    timer.current = setTimeout(() => void refresh(), fast ? fastIntervalMs : intervalMs);
  }, []);

  // A new loader (other filters, other sort) loads at once instead of at the next tick.
  const firstLoad = useRef(true);
  useEffect(() => {
    if (firstLoad.current) firstLoad.current = false;
    else void refresh();
  }, [load, refresh]);

  useEffect(() => {
    alive.current = true;
    void refresh();
    const onVisibility = () => {
      if (document.hidden) clearTimeout(timer.current);
      else void refresh();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      alive.current = false;
      clearTimeout(timer.current);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [refresh]);

  return { data, error, loading, refresh };
}
