import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** Who signed in (`GET /v1/admin/whoami`): the admin sees everything, an operator a read-only console of its owner. */
export type Principal = { role: 'admin' } | { role: 'operator'; ownerId: string };

export const PrincipalContext = createContext<Principal>({ role: 'admin' });

export function usePrincipal(): Principal {
  return useContext(PrincipalContext);
}

/** The owner an operator is pinned to; null for the admin. The server enforces it, this only shapes the UI. */
export function pinnedOwner(p: Principal): string | null {
  return p.role === 'operator' ? p.ownerId : null;
}
