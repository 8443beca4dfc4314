/**
 * How every browser test launches Chromium: Debian's build (or
 * `CHROMIUM_PATH`), headless, with the flags that keep it from reaching out
 * to the network on its own. Playwright's own browser downloads are never used.
 */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
