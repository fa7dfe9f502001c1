import { describe, expect, it } from 'vitest';
import { vetWebhookUrl } from '../../lambdas/core/admin/webhooks.ts';
import { InvalidRequest } from '../../lambdas/core/errors.ts';

describe('subscribing in AWS mode (SSRF guard at subscribe time)', () => {
  it.each([
    'https://127.0.0.1/hook',
    'https://[::1]/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00:ec2::254]/',
    'https://10.1.2.3/hook',
    'https://100.64.0.1/hook',
    'https://localhost/hook',
    'https://metadata.internal/hook',
    'http://example.com/hook',
    'https://user:pw@example.com/hook',
  ])('refuses %s with a 400', async (url) => {
    await expect(vetWebhookUrl(url, 'aws')).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('refuses a host that does not resolve (it could not be checked)', async () => {
    await expect(vetWebhookUrl('https://no-such-host.invalid/hook', 'aws')).rejects.toThrow(/does not resolve/);
  });

  it('local mode accepts loopback receivers and still refuses private addresses', async () => {
    await expect(vetWebhookUrl('http://127.0.0.1:8080/hook', 'local')).resolves.toBeUndefined();
    await expect(vetWebhookUrl('http://localhost:8080/hook', 'local')).resolves.toBeUndefined();
    await expect(vetWebhookUrl('http://192.168.1.10/hook', 'local')).rejects.toBeInstanceOf(InvalidRequest);
  });
});
