/**
 * In-process notice that a credential's status changed, so caches of verdicts on this instance drop
 * it at once. Other instances rely on their caches' short lifetimes.
 */
export interface StatusChanges {
  subscribe(listener: (credentialId: string) => void): void;
  publish(credentialId: string): void;
}

export function createStatusChanges(): StatusChanges {
  const listeners = new Set<(credentialId: string) => void>();
  return {
    subscribe: (listener) => void listeners.add(listener),
    publish: (credentialId) => {
      for (const listener of listeners) listener(credentialId);
    },
  };
}
