// The app's routes. Client routing on the History API (no hash): the server
// answers every path outside /api and /assets with index.html, and so does
// the service worker. preact-iso's LocationProvider routes every same-origin
// <a href> on the client (a modified click, a target or a download attribute
// keeps the browser's behaviour), so links need no click handler.
import { useEffect, useRef, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { Header } from './components/Header';
import { lazyScreen } from './components/lazyScreen';
import { FeedbackScreen } from './feedback/Teacher';
import { RefreshedNote } from './components/RefreshedNote';
import { UpdatePrompt } from './components/UpdatePrompt';
import { readsTrends } from './dashboard/access';
import type { SignedInUser } from './db/types';
import { Debrief } from './screens/Debrief';
import { NextSteps } from './screens/NextSteps';
import { Observe } from './screens/Observe';
import { Outbox } from './screens/Outbox';
import { Review } from './screens/Review';
import { SignIn } from './screens/SignIn';
import { SSOReturn } from './screens/SSOReturn';
import { ForgotPassword, ResetPassword } from './screens/PasswordReset';
import { Messages, Unsubscribe } from './screens/Messages';
import { Start } from './screens/Start';
import { Today } from './screens/Today';
import { WalkthroughView } from './screens/WalkthroughView';
import { engine, keepDistrict, useSyncStatus, useWho } from './state';

// Fetched the first time they open, so the scoring screens stay light; the
// service worker precaches them, so they open offline once installed.
const Dashboard = lazyScreen('Trends', 'the dashboard', () => import('./dashboard/Dashboard').then((m) => m.default));
const Admin = lazyScreen('Administration', 'the administration screens', () => import('./admin/Admin').then((m) => m.default));
const cycles = () => import('./screens/cycles');
const MyCycles = lazyScreen('Cycles of support', 'the cycles screens', () => cycles().then((m) => m.MyCycles));
const Cycle = lazyScreen('Cycle of support', 'the cycles screens', () => cycles().then((m) => m.Cycle));
const Schedule = lazyScreen('Schedule a follow-up', 'the cycles screens', () => cycles().then((m) => m.Schedule));
const Due = lazyScreen('Due this week', 'the cycles screens', () => cycles().then((m) => m.Due));
const coachReports = () => import('./coach');
const Workload = lazyScreen('Coaches’ workload', 'the coaching reports', () => coachReports().then((m) => m.Workload));
const Effectiveness = lazyScreen('What support worked', 'the coaching reports', () => coachReports().then((m) => m.Effectiveness));
const Calibration = lazyScreen('Calibration', 'the coaching reports', () => coachReports().then((m) => m.Calibration));
const Calendar = lazyScreen('Subscribe in your calendar', 'the coaching reports', () => coachReports().then((m) => m.Calendar));
const support = () => import('./support');
const TeacherView = lazyScreen('Teacher view', 'the support screens', () => support().then((m) => m.TeacherView));
const Requests = lazyScreen('Coaching support', 'the support screens', () => support().then((m) => m.Requests));
const Ask = lazyScreen('Ask for coaching support', 'the support screens', () => support().then((m) => m.Ask));
const OpenCycle = lazyScreen('Open a cycle of support', 'the support screens', () => support().then((m) => m.OpenCycle));

export function App() {
  return (
    <LocationProvider>
      <Main />
    </LocationProvider>
  );
}

function Main() {
  const who = useWho();
  const status = useSyncStatus();
  const signedIn = who?.session !== undefined;
  const { path, route } = useLocation();
  // Back from single sign-on, signed in: the app opens at its start.
  useEffect(() => {
    if (signedIn && path === '/sso') route('/', true);
  }, [signedIn, path]);

  useEffect(() => {
    if (signedIn) engine.start(window);
    return () => engine.stop();
  }, [signedIn]);
  // The district's time zone decides "today" and "this week" on the device;
  // it is read again after every sync that reached the server.
  useEffect(() => {
    if (signedIn && status.phase === 'idle' && status.reachable === true) void keepDistrict();
  }, [signedIn, status]);

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
        {path === '/sso' ? (
          <SSOReturn />
        ) : path === '/forgot-password' ? (
          <ForgotPassword />
        ) : path === '/reset-password' ? (
          <ResetPassword />
        ) : path === '/unsubscribe' ? (
          <Unsubscribe />
        ) : (
          <SignIn lastUser={who.lastUser} again={who.needsSignIn} />
        )}
        <UpdatePrompt />
      </>
    );
  }
  const user = who.session!.user;
  return (
    <>
      <Header signedIn trends={readsTrends(user.grants)} />
      {status.phase === 'signed_out' && (
        <p class="error banner" role="alert">
          {status.message}
        </p>
      )}
      <RefreshedNote />
      <Routes user={user} />
      <UpdatePrompt />
    </>
  );
}

function Routes({ user }: { user: SignedInUser }) {
  // A screen fetched on first use is announced while it loads; the screen
  // before it stays in place meanwhile.
  const [opening, setOpening] = useState(false);
  const toTop = useScrollToTop();
  return (
    <>
      {opening && (
        <p class="notice banner" role="status" aria-busy="true">
          Opening…
        </p>
      )}
      <Router onLoadStart={() => setOpening(true)} onLoadEnd={() => setOpening(false)} onRouteChange={toTop}>
        <Route path="/" component={Today} user={user} />
        <Route path="/start" component={Start} />
        <Route path="/observe/:id?" component={Observe} user={user} />
        <Route path="/review/:id" component={Review} user={user} />
        <Route path="/outbox" component={Outbox} />
        <Route path="/walkthroughs/:id" component={WalkthroughView} user={user} />
        <Route path="/walkthroughs/:id/debrief" component={Debrief} user={user} />
        <Route path="/next-steps" component={NextSteps} user={user} />
        <Route path="/dashboard" component={Dashboard} />
        <Route path="/cycles" component={MyCycles} user={user} />
        <Route path="/cycles/new" component={OpenCycle} user={user} />
        <Route path="/cycles/:id" component={Cycle} user={user} />
        <Route path="/cycles/:id/schedule" component={Schedule} user={user} />
        <Route path="/due" component={Due} user={user} />
        <Route path="/workload" component={Workload} user={user} />
        <Route path="/reports/effectiveness" component={Effectiveness} user={user} />
        <Route path="/calibration" component={Calibration} user={user} />
        <Route path="/calendar" component={Calendar} user={user} />
        <Route path="/teachers" component={TeacherView} user={user} />
        <Route path="/feedback/:id" component={FeedbackScreen} />
        <Route path="/support" component={Requests} user={user} />
        <Route path="/support/new" component={Ask} user={user} />
        <Route path="/admin/:section?" component={Admin} />
        <Route path="/forgot-password" component={ForgotPassword} />
        <Route path="/reset-password" component={ResetPassword} />
        <Route path="/unsubscribe" component={Unsubscribe} />
        <Route path="/messages" component={Messages} />
        <Route default component={NotFound} />
      </Router>
    </>
  );
}

/**
 * A new screen opens at its top, whether a link, a button or a replaced
 * address (a draft saved, a follow-up scheduled) opened it; back and forward
 * leave the scrolling to the browser.
 */
function useScrollToTop(): (url: string) => void {
  // The path that back or forward went to, until its screen has opened.
  const popped = useRef<string | null>(null);
  useEffect(() => {
    const pop = () => {
      popped.current = location.pathname;
    };
    addEventListener('popstate', pop);
    return () => removeEventListener('popstate', pop);
  }, []);
  return (url) => {
    if (popped.current !== new URL(url, location.origin).pathname) scrollTo(0, 0);
    popped.current = null;
  };
}

function NotFound() {
  const { route } = useLocation();
  return (
    <main class="screen">
      <h1>Not found</h1>
      <button type="button" onClick={() => route('/')}>
        Back to Today
      </button>
    </main>
  );
}
