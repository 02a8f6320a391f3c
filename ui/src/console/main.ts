/** Entry of the console page (the Tauri window). */
import '../shared/base.css';
import './console.css';
import { startConsole } from './app';

async function boot() {
  // Dev preview without the Rust core: `npx vite` then open /?mock. Compiled out of builds.
  if (import.meta.env.DEV && new URLSearchParams(window.location.search).has('mock')) {
    const { installMock } = await import('../dev/mock');
    installMock();
  }
  await startConsole(document.getElementById('app')!);
}

void boot();
