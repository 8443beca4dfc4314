/** What the persist page and its runner share. */
export const KEY = 'persist-test:value';
/** The page's cache: fresh for 50 s, in its window until 60 s, failures remembered for 30 s. */
export const TTL = 60_000;
export const WINDOW = 10_000;
export const ERROR_TTL = 30_000;
