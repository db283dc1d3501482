/** Who is signed in: asked once at start, set by signing in, cleared by signing out. */

import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";

import { messageOf } from "./api";
import { sessionRead, signIn as sessionCreate, signOut as sessionDelete, type User } from "./api/endpoints";

export type { User };

interface Session {
  user: User | null;
  checked: boolean;
  error: string | null;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [checked, setChecked] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    sessionRead()
      .then((who) => setUser(who.username ? who : null))
      .catch((failure: unknown) => setError(messageOf(failure)))
      .finally(() => setChecked(true));
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    setUser(await sessionCreate({ username, password }));
  }, []);
  const signOut = useCallback(async () => {
    await sessionDelete();
    setUser(null);
  }, []);

  return <SessionContext.Provider value={{ user, checked, error, signIn, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
