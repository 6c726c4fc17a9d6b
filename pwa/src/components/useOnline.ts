import { useEffect, useState } from 'preact/hooks';

/**
 * Whether the browser believes it has a network. "false" is reliable (there is
 * certainly no network); "true" only means a network interface is up, so
 * requests must still handle failure.
 */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);
  return online;
}
