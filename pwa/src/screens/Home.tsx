import type { Session } from '../api/auth';

interface Props {
  session: Session;
  onSignOut: () => void;
}

export function Home({ session, onSignOut }: Props) {
  const who = session.user.name ? `${session.user.name} (${session.user.email})` : session.user.email;
  return (
    <main class="screen">
      <h1>Signed in</h1>
      <p>You are signed in as {who}.</p>
      <button type="button" onClick={onSignOut}>
        Sign out
      </button>
    </main>
  );
}
