import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { CONFIG_PATH, resolveRuntimeConfig } from './config/runtime-config';
import { fetchOptionalJson } from './lib/api-client';
import './styles.css';

async function boot() {
  const raw = await fetchOptionalJson(CONFIG_PATH);
  const config = resolveRuntimeConfig(raw, window.location.origin);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App config={config} />
    </StrictMode>,
  );
}

void boot();
