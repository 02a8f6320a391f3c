// A React 18 page using the real @tryvital/vital-link hook, unchanged. It talks to Vital Link
// Desktop only because index.html loads http://127.0.0.1:PORT/initialize.js first.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useVitalLink } from '@tryvital/vital-link';

const events = (window.__vitalEvents = []);
const token = new URLSearchParams(window.location.search).get('token') ?? '';

function Connect() {
  const [last, setLast] = useState(null);
  const record = (name) => (metadata) => {
    events.push({ name, metadata });
    setLast({ name, metadata });
  };
  const { open, ready, error } = useVitalLink({
    env: 'sandbox',
    region: 'us',
    onSuccess: record('onSuccess'),
    onExit: record('onExit'),
    onError: record('onError'),
    onLoad: () => events.push({ name: 'onLoad' }),
  });
  return (
    <section>
      <h1>Connect your wearable</h1>
      <p>We will read your sleep and activity from the account you connect.</p>
      <button id="connect" type="button" disabled={!ready} onClick={() => open(token)}>
        Connect a device
      </button>
      <p id="status">{error ? 'error loading Vital Link' : ready ? 'ready' : 'loading…'}</p>
      <h2>Last callback</h2>
      <pre id="result" data-callback={last?.name ?? ''}>{last ? `${last.name}(${JSON.stringify(last.metadata)})` : ''}</pre>
    </section>
  );
}

function App() {
  const [mounted, setMounted] = useState(true);
  window.__unmountConnect = () => setMounted(false);
  return <main>{mounted ? <Connect /> : <p id="unmounted">The connect section was unmounted.</p>}</main>;
}

createRoot(document.getElementById('root')).render(<App />);
