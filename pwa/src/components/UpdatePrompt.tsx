import { useRef } from 'preact/hooks';
import { useRegisterSW } from 'virtual:pwa-register/preact';

// How often a long-open tab asks the server for a new service worker.
const updateCheckInterval = 60 * 60 * 1000;

/**
 * Offers a new version of the app instead of forcing it: the page reloads only
 * when the user says so, because a reload loses what is being typed.
 */
export function UpdatePrompt() {
  // Reloads the page once, whichever signal of the takeover comes first.
  const reloading = useRef(false);
  const reloadOnce = () => {
    if (reloading.current) return;
    reloading.current = true;
    window.location.reload();
  };

  const {
    needRefresh: [needRefresh, setNeedRefresh],
    offlineReady: [offlineReady, setOfflineReady],
    updateServiceWorker,
  } = useRegisterSW({
    onNeedReload: reloadOnce,
    onRegisteredSW(_url, registration) {
      if (registration === undefined) return;
      setInterval(() => {
        if (navigator.onLine && registration.installing === null) void registration.update();
      }, updateCheckInterval);
    },
  });

  const update = () => {
    // A page that was first opened without a service worker is not told that
    // the new worker took over (workbox-window reports isUpdate false), so
    // reload on the controller change ourselves.
    navigator.serviceWorker.addEventListener('controllerchange', reloadOnce, { once: true });
    void updateServiceWorker(true);
  };

  if (needRefresh) {
    return (
      <div class="toast" role="status">
        <p>A new version of Walkthrough is ready.</p>
        <div class="actions">
          <button type="button" class="primary" onClick={update}>
            Reload now
          </button>
          <button type="button" onClick={() => setNeedRefresh(false)}>
            Later
          </button>
        </div>
      </div>
    );
  }
  if (offlineReady) {
    return (
      <div class="toast" role="status">
        <p>Walkthrough is ready to work offline on this device.</p>
        <div class="actions">
          <button type="button" onClick={() => setOfflineReady(false)}>
            OK
          </button>
        </div>
      </div>
    );
  }
  return null;
}
