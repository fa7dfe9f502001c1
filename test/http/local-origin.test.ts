import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { launchChromium } from '../support/browser.ts';
import { createTenant, startTestKeyway } from '../support/keyway.ts';

/**
 * Local mode: passkeys and cookies belong to BASE_URL's origin (http://localhost:PORT), so a browser that opens the
 * server through http://127.0.0.1:PORT is sent there; API clients calling 127.0.0.1 are not.
 */
let keyway: LocalKeyway;
let port: number;
const TENANT = 'local-origin';

beforeAll(async () => {
  keyway = await startTestKeyway();
  port = Number(new URL(keyway.url).port);
  expect((await createTenant(keyway, { name: 'Local origin', plan: 'free', id: TENANT })).res.status).toBe(201);
});
afterAll(async () => keyway?.stop());

const NAVIGATION = { Accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8', 'Sec-Fetch-Mode': 'navigate' };

/** One raw request to the server's socket, with exactly these headers (Host defaults to 127.0.0.1:PORT). */
function send(method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('local mode: the BASE_URL origin', () => {
  it('sends a browser navigation to http://127.0.0.1:PORT to the same path and query on BASE_URL (307)', async () => {
    expect(keyway.baseUrl).toBe(`http://localhost:${port}`);
    const path = `/${TENANT}/authorize?client_id=a&scope=openid%20email`;
    for (const method of ['GET', 'HEAD'])
      expect(await send(method, path, NAVIGATION), method).toEqual({
        status: 307,
        location: `${keyway.baseUrl}${path}`,
      });
    // A client without Fetch Metadata that asks for HTML (an older browser, curl -H 'Accept: text/html').
    expect(await send('GET', '/', { Accept: 'text/html' })).toEqual({ status: 307, location: `${keyway.baseUrl}/` });
  });

  it('serves a navigation that already uses the BASE_URL host', async () => {
    const res = await send('GET', `/${TENANT}/.well-known/openid-configuration`, {
      ...NAVIGATION,
      Host: `localhost:${port}`,
    });
    expect(res.status).toBe(200);
  });

  it('leaves API calls to http://127.0.0.1:PORT alone: fetch, a cross-origin read, a form POST', async () => {
    const discovery = await fetch(`${keyway.url}/${TENANT}/.well-known/openid-configuration`, { redirect: 'manual' });
    expect(discovery.status).toBe(200);
    const cors = await send('GET', `/${TENANT}/.well-known/openid-configuration`, {
      Accept: 'text/html',
      'Sec-Fetch-Mode': 'cors',
    });
    expect(cors.status).toBe(200);
    const post = await send('POST', `/${TENANT}/end-session`, NAVIGATION);
    expect(post.status).not.toBe(307);
    expect(post.status).not.toBe(308);
  });

  it('never redirects a Host that is not a loopback name (a LAN address, a reverse proxy rewriting Host: no loop)', async () => {
    for (const host of [`192.168.1.5:${port}`, 'id.example.com', `[::2]:${port}`])
      expect(
        (await send('GET', `/${TENANT}/.well-known/openid-configuration`, { ...NAVIGATION, Host: host })).status,
      ).toBe(200);
  });

  it('Chromium opening http://127.0.0.1:PORT lands on the BASE_URL origin', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${keyway.url}/${TENANT}/end-session?state=x`);
      expect(page.url()).toBe(`${keyway.baseUrl}/${TENANT}/end-session?state=x`);
      await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    } finally {
      await browser.close();
    }
  }, 60_000);
});
