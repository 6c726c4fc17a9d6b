import { useOnline } from './useOnline';

export function Header() {
  const online = useOnline();
  return (
    <header class="app-header">
      <span class="app-name">Walkthrough</span>
      {!online && (
        <span class="connection" role="status">
          Offline
        </span>
      )}
    </header>
  );
}
