/**
 * The React hooks on the server (react-dom/server, in Node): they render the
 * cache as it is and start no fetch; the Suspense hooks read, because
 * rendering them asks for the value.
 */
import { Suspense } from 'react';
import { renderToString } from 'react-dom/server';
import { prerenderToNodeStream } from 'react-dom/static';
import { describe, expect, it } from 'vitest';
import { useBackgroundCache, useKeyedBackgroundCache, useSuspenseBackgroundCache } from '../../src/react/index.js';
import { FakeCache, FakeKeyedCache } from './fake.js';

function Show({ cache }: { cache: FakeCache<string> }) {
  const { value, state, isFetching } = useBackgroundCache(cache);
  return (
    <p>
      {state} {value ?? '(none)'} {String(isFetching)}
    </p>
  );
}

function Row({ cache, id }: { cache: FakeKeyedCache<string, string>; id: string }) {
  return <i>{useKeyedBackgroundCache(cache, id).value ?? '…'}</i>;
}

describe('server rendering', () => {
  it('should render an empty cache as empty and start no fetch', () => {
    const cache = new FakeCache<string>();
    expect(renderToString(<Show cache={cache} />)).toBe('<p>empty<!-- --> <!-- -->(none)<!-- --> <!-- -->false</p>');
    expect(cache.gets).toHaveLength(0);
  });

  it('should render the value the server holds, still starting nothing in its window', () => {
    const cache = new FakeCache<string>();
    cache.set('current.stale', 'from the server');
    expect(renderToString(<Show cache={cache} />)).toContain('current.stale<!-- --> <!-- -->from the server');
    const keyed = new FakeKeyedCache<string, string>();
    keyed.set('a', 'current.fresh', 'A');
    expect(renderToString(<Row cache={keyed} id="a" />)).toBe('<i>A</i>');
    expect(renderToString(<Row cache={keyed} id="b" />)).toBe('<i>…</i>');
    expect(cache.gets).toHaveLength(0);
    expect(keyed.gets).toHaveLength(0);
    expect(keyed.listeners).toBe(0);
  });

  it('should let a Suspense hook read on the server, and a streaming render wait for it', async () => {
    const cache = new FakeCache<string>();
    function Value() {
      return <b>{useSuspenseBackgroundCache(cache)}</b>;
    }
    const rendering = prerenderToNodeStream(
      <Suspense fallback={<i>loading</i>}>
        <Value />
      </Suspense>,
    );
    await Promise.resolve();
    expect(cache.gets).toHaveLength(1);
    cache.set('current.fresh', 'streamed');
    cache.gets[0]!.resolve('streamed');
    const { prelude } = await rendering;
    let html = '';
    for await (const chunk of prelude) html += String(chunk);
    expect(html).toBe('<!--$--><b>streamed</b><!--/$-->');
  });
});
