/**
 * Bench child: the floor. RSA-2048 PKCS#1 v1.5 SHA-256 signatures (RS256) per second on one core with node
 * crypto, over a JWS signing input of a realistic size. Counted per CPU-second of this single-threaded process,
 * so other load on a shared machine does not lower it; the wall-clock rate is reported too.
 */
import { generateKeyPairSync, sign } from 'node:crypto';

const seconds = Number(process.argv[2] ?? 3);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
// About the size of an access token's or ID token's signing input (header.payload, base64url).
const input = Buffer.from('x'.repeat(620));

for (let i = 0; i < 200; i++) sign('sha256', input, privateKey); // warm-up
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let count = 0;
while (performance.now() - t0 < seconds * 1000) {
  for (let i = 0; i < 20; i++) sign('sha256', input, privateKey);
  count += 20;
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.send?.({
  type: 'result',
  result: {
    signatures: count,
    cpuMs,
    wallMs,
    perCpuSecond: (count / cpuMs) * 1000,
    perWallSecond: (count / wallMs) * 1000,
    msPerSignature: cpuMs / count,
  },
});
