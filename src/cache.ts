/**
 * The one helper for every instance-local cache (docs/decisions/caches.md lists each, its lifetime
 * and how a change made on another instance reaches it). Bounded: beyond `maxEntries` the entry set
 * longest ago goes first. With `ttlMs`, an entry holds that long: for state another instance may
 * change (seen here within `ttlMs`), while a change made here deletes the entry at once.
 */
export interface CacheOptions {
  maxEntries: number;
  /** How long an entry holds; forever (until pushed out) when absent. */
  ttlMs?: number;
}

export interface Cache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  /**
   * The value held for `key`, else `load()`'s, held from now. A promise that fails is not held
   * (the database away is no answer to remember).
   */
  getOrLoad(key: string, load: () => V): V;
  readonly size: number;
}

export function createCache<V>({ maxEntries, ttlMs }: CacheOptions): Cache<V> {
  const entries = new Map<string, { value: V; at: number }>();
  const fresh = (at: number) => ttlMs === undefined || Date.now() - at < ttlMs;

  const cache: Cache<V> = {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (fresh(entry.at)) return entry.value;
      entries.delete(key);
      return undefined;
    },

    set(key, value) {
      entries.delete(key);
      entries.set(key, { value, at: ttlMs === undefined ? 0 : Date.now() });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },

    delete(key) {
      entries.delete(key);
    },

    getOrLoad(key, load) {
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const value = load();
      cache.set(key, value);
      if (value instanceof Promise) value.catch(() => entries.get(key)?.value === value && entries.delete(key));
      return value;
    },

    get size() {
      return entries.size;
    },
  };
  return cache;
}
