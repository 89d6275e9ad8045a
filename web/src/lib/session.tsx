import { createContext, useContext } from 'react';
import type { Session } from './api';

export interface SessionContextValue {
  session: Session;
  can: (permission: string) => boolean;
  signOut: () => void;
  refresh: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in console');
  return s;
}
