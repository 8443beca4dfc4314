import { describe, expect, it } from 'vitest';
import { createHeldFetch } from '../../src/testing/index.js';

describe('createHeldFetch', () => {
  it('should hold each request until the test answers the latest, and record what was asked', async () => {
    const held = createHeldFetch();
    const first = held.fetch('https://api.test/a');
    const second = held.fetch(new URL('https://api.test/b'), { method: 'POST' });
    const third = held.fetch(new Request('https://api.test/c'));
    expect(held.requests.map((request) => request.url)).toEqual([
      'https://api.test/a',
      'https://api.test/b',
      'https://api.test/c',
    ]);
    expect(held.requests[1]!.init).toEqual({ method: 'POST' });
    held.answerLatest(201, 'c', { 'x-test': '1' });
    const response = await third;
    expect([response.status, response.headers.get('x-test'), await response.text()]).toEqual([201, '1', 'c']);
    expect(held.requests[2]!.settled).toBe(true);
    // Answering again does nothing: the latest has settled.
    held.answerLatest(500, 'again');
    held.failLatest(new Error('again'));
    expect(held.requests.slice(0, 2).map((request) => request.settled)).toEqual([false, false]);
    void first;
    void second;
  });

  it('should fail the latest request as a network error would, with a reason of your choice', async () => {
    const held = createHeldFetch();
    const request = held.fetch('https://api.test/');
    held.failLatest();
    await expect(request).rejects.toThrow(new TypeError('fetch failed'));
    const next = held.fetch('https://api.test/');
    const reason = { code: 'ECONNRESET' };
    held.failLatest(reason);
    await expect(next).rejects.toBe(reason);
  });

  it('should answer with no body by default', async () => {
    const held = createHeldFetch();
    const request = held.fetch('https://api.test/');
    held.answerLatest(204);
    expect(await (await request).text()).toBe('');
  });

  it("should reject with the signal's reason when it aborts, already or later, and then ignore answers", async () => {
    const held = createHeldFetch();
    const already = AbortSignal.abort(new Error('left before'));
    await expect(held.fetch('https://api.test/', { signal: already })).rejects.toThrow('left before');
    expect(held.requests[0]!.settled).toBe(true);

    const controller = new AbortController();
    const request = held.fetch('https://api.test/', { signal: controller.signal });
    controller.abort(new Error('left'));
    await expect(request).rejects.toThrow('left');
    held.answerLatest(200, 'too late');
    expect(held.requests[1]!.settled).toBe(true);

    const answered = new AbortController();
    const kept = held.fetch('https://api.test/', { signal: answered.signal });
    held.answerLatest(200, 'in time');
    answered.abort();
    expect(await (await kept).text()).toBe('in time');
  });

  it('should refuse to answer before any request', () => {
    const held = createHeldFetch();
    expect(() => held.answerLatest(200)).toThrow('No request has been made: nothing to answer');
    expect(() => held.failLatest()).toThrow('nothing to answer');
  });
});
