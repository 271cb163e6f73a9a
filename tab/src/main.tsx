import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { detectHost } from './host/host.js';

const root = document.getElementById('root');
if (!root) throw new Error('the page has no #root element');

detectHost().then((host) => {
  createRoot(root).render(
    <StrictMode>
      <App host={host} />
    </StrictMode>,
  );
});
