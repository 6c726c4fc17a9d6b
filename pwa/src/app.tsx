import { useMemo, useState } from 'preact/hooks';
import { logout, type Session } from './api/auth';
import { ApiClient } from './api/client';
import { Header } from './components/Header';
import { UpdatePrompt } from './components/UpdatePrompt';
import { Home } from './screens/Home';
import { SignIn } from './screens/SignIn';

export function App() {
  // The session lives in memory for now; keeping it on the device (IndexedDB,
  // src/db/) comes with the sync engine, which needs the refresh token.
  const [session, setSession] = useState<Session | null>(null);
  const client = useMemo(() => new ApiClient({ accessToken: () => session?.access_token }), [session]);

  const signOut = () => {
    if (session !== null) {
      // Best effort: the session is forgotten on this device whatever the answer.
      logout(client, session).catch(() => undefined);
    }
    setSession(null);
  };

  return (
    <>
      <Header />
      {session === null ? <SignIn client={client} onSignedIn={setSession} /> : <Home session={session} onSignOut={signOut} />}
      <UpdatePrompt />
    </>
  );
}
