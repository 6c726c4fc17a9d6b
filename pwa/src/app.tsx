import { useEffect } from 'preact/hooks';
import { AdminArea } from './components/AdminArea';
import { Header } from './components/Header';
import { UpdatePrompt } from './components/UpdatePrompt';
import { navigate, useLocation } from './router';
import { Observe } from './screens/Observe';
import { Outbox } from './screens/Outbox';
import { Review } from './screens/Review';
import { SignIn } from './screens/SignIn';
import { Start } from './screens/Start';
import { Today } from './screens/Today';
import { engine, useSyncStatus, useWho } from './state';

export function App() {
  const who = useWho();
  const url = useLocation();
  const status = useSyncStatus();
  const signedIn = who?.session !== undefined;

  useEffect(() => {
    if (signedIn) engine.start(window);
    return () => engine.stop();
  }, [signedIn]);

  if (who === undefined) {
    return (
      <main class="screen" aria-busy="true">
        <p>Opening Walkthrough…</p>
      </main>
    );
  }
  if (!signedIn) {
    return (
      <>
        <Header signedIn={false} />
        <SignIn lastUser={who.lastUser} again={who.needsSignIn} />
        <UpdatePrompt />
      </>
    );
  }
  const parts = url.pathname.split('/').filter(Boolean);
  let screen;
  switch (parts[0]) {
    case 'start':
      screen = <Start />;
      break;
    case 'observe':
      screen = <Observe id={parts[1] ?? 'new'} params={url.searchParams} />;
      break;
    case 'review':
      screen = <Review id={parts[1] ?? ''} />;
      break;
    case 'outbox':
      screen = <Outbox />;
      break;
    case 'admin':
      screen = <AdminArea path={parts.slice(1)} />;
      break;
    case undefined:
      screen = <Today user={who.session!.user} />;
      break;
    default:
      screen = (
        <main class="screen">
          <h1>Not found</h1>
          <button type="button" onClick={() => navigate('/')}>
            Back to Today
          </button>
        </main>
      );
  }
  return (
    <>
      <Header signedIn />
      {status.phase === 'signed_out' && (
        <p class="error banner" role="alert">
          {status.message}
        </p>
      )}
      {screen}
      <UpdatePrompt />
    </>
  );
}
