import { useEffect, useState } from 'preact/hooks';
import { AdminArea } from './components/AdminArea';
import { Header } from './components/Header';
import { RefreshedNote } from './components/RefreshedNote';
import { readsTrends } from './dashboard/access';
import { DashboardRoute } from './dashboard/route';
import { UpdatePrompt } from './components/UpdatePrompt';
import { navigate, useLocation } from './router';
import { Observe } from './screens/Observe';
import { Outbox } from './screens/Outbox';
import { Review } from './screens/Review';
import { SignIn } from './screens/SignIn';
import { Start } from './screens/Start';
import { Today } from './screens/Today';
import { Debrief } from './screens/Debrief';
import { NextSteps } from './screens/NextSteps';
import { WalkthroughView } from './screens/WalkthroughView';
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
    case 'walkthroughs':
      screen = parts[2] === 'debrief' ? <Debrief id={parts[1] ?? ''} user={who.session!.user} /> : <WalkthroughView id={parts[1] ?? ''} user={who.session!.user} />;
      break;
    case 'next-steps':
      screen = <NextSteps user={who.session!.user} />;
      break;
    case 'dashboard':
      screen = <DashboardRoute url={url} />;
      break;
    case 'cycles':
    case 'due':
      screen = <LazyCycles parts={parts} user={who.session!.user} />;
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
      <Header signedIn trends={readsTrends(who.session!.user.grants)} />
      {status.phase === 'signed_out' && (
        <p class="error banner" role="alert">
          {status.message}
        </p>
      )}
      <RefreshedNote />
      {screen}
      <UpdatePrompt />
    </>
  );
}

type CycleModule = typeof import('./screens/cycles');

/** The cycles screens, loaded on first use (precached by the service worker, so offline too). */
function LazyCycles(props: Parameters<CycleModule['CycleScreens']>[0]) {
  const [mod, setMod] = useState<CycleModule | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    import('./screens/cycles').then((m) => setMod(() => m), (e: unknown) => setError(String(e)));
  }, []);
  if (error !== null) {
    return (
      <main class="screen">
        <p class="error" role="alert">
          Could not open this screen: {error}
        </p>
      </main>
    );
  }
  if (mod === undefined) {
    return (
      <main class="screen" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  return <mod.CycleScreens {...props} />;
}
