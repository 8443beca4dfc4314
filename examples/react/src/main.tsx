import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { calls } from './api.js';
import { App, renders } from './App.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// Once every panel shows what it waited for, the page says how often each
// component rendered and each endpoint was called (the browser test reads it).
const settle = setInterval(() => {
  if (document.querySelector('[data-pending]')) return;
  clearInterval(settle);
  const rows = Object.entries(renders).filter(([name]) => name.startsWith('row '));
  const perRow = [...new Set(rows.map(([, count]) => count))].join(' or ');
  document.getElementById('render-counts')!.textContent =
    `renders: ${rows.length} rows ${perRow} each, config ${renders['config']}, status ${renders['status']}; ` +
    `backend calls: user ${calls.user}, config ${calls.config}, greeting ${calls.greeting}, status ${calls.status}`;
  document.body.dataset['settled'] = 'true';
}, 50);
