/**
 * A small per-instance cache whose entries hold for a while: for state that other instances may
 * change (they see it within `ttlMs`), while changes made here delete the entry at once.
 * The oldest entry goes first beyond `maxEntries`.
 */
export function createExpiringCache<V>(ttlMs: number, maxEntries = 10_000) {
  const entries = new Map<string, { value: V; at: number }>();

  const cache = {
    get(key: string): V | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (Date.now() - entry.at < ttlMs) return entry.value;
      entries.delete(key);
      return undefined;
    },

    set(key: string, value: V): void {
      entries.delete(key);
      entries.set(key, { value, at: Date.now() });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },

    delete(key: string): void {
      entries.delete(key);
    },

    /**
     * The value held for `key`, else `load()`'s, held from now. A promise that fails is not held
     * (the database away is no answer to remember).
     */
    getOrLoad(key: string, load: () => V): V {
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const value = load();
      cache.set(key, value);
      if (value instanceof Promise) value.catch(() => entries.get(key)?.value === value && entries.delete(key));
      return value;
    },
  };
  return cache;
}
