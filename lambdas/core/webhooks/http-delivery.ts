/**
 * One webhook delivery attempt, and the SSRF guard in front of it.
 *
 * The receiver URL is chosen by a tenant, so it is attacker-controlled input aimed at our network position:
 * inside AWS that means the instance metadata service (169.254.169.254, fd00:ec2::254), VPC-private
 * services and loopback. So:
 *
 * - The URL is vetted syntactically (https only, no credentials, no internal-looking hosts) at subscribe time
 *   and again before each delivery, because rules can tighten after a subscription was stored.
 * - The host is resolved once, and the attempt is refused if ANY address is non-public: a name that mixes a
 *   public and a private address would otherwise let the connector pick the private one.
 * - The connection goes to the addresses that were vetted, through a `lookup` that never resolves again.
 *   Otherwise a short-TTL name could answer public for the check and private for the connect (DNS rebinding).
 *   Host header and TLS SNI still carry the hostname, so virtual hosting and certificate checks are unchanged.
 * - Redirects are never followed: a 3xx would hand the receiver a way to point us at an unvetted URL.
 * - The response is read against a byte budget and one deadline covers DNS, connect, send and body, so a
 *   slow or huge receiver cannot pin a dispatcher's memory or time.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { type ClientRequest, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** 'aws': only https URLs whose resolved addresses are all public. 'local': additionally http/https to localhost, 127.0.0.1 and [::1] (any port). */
export type UrlPolicy = 'aws' | 'local';

export type LookupAll = (hostname: string) => Promise<readonly { address: string; family: 4 | 6 }[]>;

export interface AttemptRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type AttemptErrorClass =
  | 'invalid_url' // checkWebhookUrl refused it
  | 'address_refused' // resolves to a non-public address (SSRF guard)
  | 'dns' // name did not resolve
  | 'timeout' // no complete response within timeoutMs
  | 'connection' // refused, reset, TLS failure, closed mid-response
  | 'redirect' // 3xx (never followed)
  | 'response_too_large' // body over maxResponseBytes: status still reported, socket destroyed
  | 'http_status'; // any non-2xx, non-3xx status

export interface AttemptOutcome {
  /** HTTP status when a status line arrived. */
  readonly status?: number;
  /** Wall time of the attempt in ms. */
  readonly latencyMs: number;
  /** Absent when delivered (2xx within limits). */
  readonly errorClass?: AttemptErrorClass;
  /** Parsed Retry-After (delta-seconds or HTTP-date, relative to now), in whole seconds, only on 429 and 5xx; clamp to [0, 86400]. */
  readonly retryAfterSeconds?: number;
  /** At most 1 KiB of the response body as UTF-8 text (for the delivery log), when any. */
  readonly responseSnippet?: string;
}

export interface AttemptOptions {
  readonly policy: UrlPolicy;
  /** Whole-attempt deadline (connect + send + headers + body). @default 15000 */
  readonly timeoutMs?: number;
  /** Response bytes read before giving up on the body. @default 65536 */
  readonly maxResponseBytes?: number;
  /** DNS resolution returning every address (default: dns.promises.lookup with all: true, verbatim). Injected in tests. */
  readonly lookup?: LookupAll;
}

const MAX_URL_LENGTH = 2048;
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_RESPONSE_BYTES = 65_536;
const SNIPPET_BYTES = 1024;
const MAX_RETRY_AFTER_SECONDS = 86_400;

/** Exactly as WHATWG URL serializes them in `hostname`, so spelling variants (127.1, 0x7f.0.0.1) are already folded. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Names that only ever resolve inside a private network (RFC 6761 localhost, mDNS .local, cloud-internal DNS). */
const PRIVATE_NAME_SUFFIXES = ['localhost', 'internal', 'local'] as const;

/**
 * Headers whose value we own: framing and connection management must match what we actually send, and Host
 * must match the vetted URL so a caller cannot aim the request at another virtual host than the one checked.
 */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

/** Syntactic check at subscribe time and before each delivery. Returns a human message saying what is wrong (for a 400 problem detail), or undefined when acceptable. Rules: absolute URL, at most 2048 chars, scheme https (or http only for loopback hosts under 'local'), no userinfo (user:pass@), no fragment, host not empty; under 'aws' a host that is an IP literal must be public, and the hostnames `localhost`, `*.localhost`, `*.internal`, `*.local` are refused. */
export function checkWebhookUrl(url: string, policy: UrlPolicy): string | undefined {
  if (url.length > MAX_URL_LENGTH) return `The URL is longer than ${MAX_URL_LENGTH} characters.`;
  // The URL parser silently strips these; refusing them keeps the stored URL identical to the one delivered to.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u0020\u007f]/.test(url)) return 'The URL must not contain whitespace or control characters.';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'The URL must be an absolute URL.';
  }
  const loopbackHost = policy === 'local' && LOOPBACK_HOSTS.has(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopbackHost)) {
    return policy === 'local'
      ? 'The URL must use https (http only for localhost, 127.0.0.1 or [::1]).'
      : 'The URL must use https.';
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'The URL must not contain credentials (user:password@).';
  }
  // Any '#' starts a fragment, even an empty one that `hash` reports as ''.
  if (url.includes('#')) return 'The URL must not contain a fragment.';
  if (parsed.hostname === '') return 'The URL must have a host.';
  if (loopbackHost) return undefined;

  const literal = ipLiteral(parsed.hostname);
  if (literal !== undefined) {
    return isPublicAddress(literal) ? undefined : 'The URL host must be a public IP address.';
  }
  const name = parsed.hostname.endsWith('.') ? parsed.hostname.slice(0, -1) : parsed.hostname;
  for (const suffix of PRIVATE_NAME_SUFFIXES) {
    if (name === suffix || name.endsWith(`.${suffix}`)) {
      return `The URL host must be publicly resolvable; names under .${suffix} are not.`;
    }
  }
  return undefined;
}

/** True when the address (IPv4 or IPv6 text) is globally routable: refuse loopback, private (10/8, 172.16/12, 192.168/16), link-local (169.254/16 incl. the metadata address 169.254.169.254, fe80::/10), CGNAT 100.64/10, 0.0.0.0/8, multicast, broadcast, reserved/benchmarking/documentation ranges, IPv6 unique-local fc00::/7, ::1, ::, IPv4-mapped (::ffff:a.b.c.d → judge the embedded IPv4), NAT64 64:ff9b::/96 with an embedded non-public IPv4, 6to4/Teredo with embedded non-public addresses if easy, and the AWS IPv6 metadata address fd00:ec2::254. */
export function isPublicAddress(address: string): boolean {
  // net.isIP is strict (no octal, hex or short forms), unlike ipaddr.parse; an odd spelling is refused, not guessed.
  if (isIP(address) === 0) return false;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return false;
  }
  return parsed.kind() === 'ipv4' ? isPublicIPv4(parsed as ipaddr.IPv4) : isPublicIPv6(parsed as ipaddr.IPv6);
}

function isPublicIPv4(address: ipaddr.IPv4): boolean {
  // Allow-list: only what ipaddr.js classifies as ordinary unicast, so any special range it knows is refused.
  return address.range() === 'unicast';
}

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];

function isPublicIPv6(address: ipaddr.IPv6): boolean {
  const parts = address.parts;
  switch (address.range()) {
    case 'ipv4Mapped':
      return isPublicIPv4(address.toIPv4Address());
    case 'rfc6052': {
      // Only the well-known NAT64 prefix carries an arbitrary IPv4; 64:ff9b:1::/48 is local-use by definition.
      if (parts[2] !== 0) return false;
      return isPublicIPv4(embeddedIPv4(parts[6], parts[7]));
    }
    case '6to4':
      return isPublicIPv4(embeddedIPv4(parts[1], parts[2]));
    case 'teredo':
      // Server address in bits 32-63, client address bit-inverted in the low 32 bits (RFC 4380 §4).
      return (
        isPublicIPv4(embeddedIPv4(parts[2], parts[3])) &&
        isPublicIPv4(embeddedIPv4(~(parts[6] ?? 0) & 0xffff, ~(parts[7] ?? 0) & 0xffff))
      );
    case 'unicast':
      // ipaddr.js calls everything it has no name for "unicast", including ::/8 leftovers such as the
      // deprecated IPv4-compatible ::127.0.0.1; only the allocated global unicast block is really public.
      return address.match(GLOBAL_UNICAST_V6);
    default:
      // unspecified, loopback, linkLocal, multicast, uniqueLocal (incl. fd00:ec2::254), rfc6145, reserved, ...
      return false;
  }
}

function embeddedIPv4(high: number | undefined, low: number | undefined): ipaddr.IPv4 {
  const h = high ?? 0;
  const l = low ?? 0;
  return new ipaddr.IPv4([h >> 8, h & 0xff, l >> 8, l & 0xff]);
}

function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 0) return false;
  try {
    return ipaddr.process(address).range() === 'loopback';
  } catch {
    return false;
  }
}

/** The bare address when `hostname` (as URL serializes it) is an IP literal. */
function ipLiteral(hostname: string): string | undefined {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return hostname.slice(1, -1);
  return isIP(hostname) === 4 ? hostname : undefined;
}

interface VettedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

const systemLookup: LookupAll = async (hostname) => {
  const addresses = await dnsLookup(hostname, { all: true, verbatim: true });
  return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

type Vetting = { readonly addresses: readonly VettedAddress[] } | { readonly refused: AttemptErrorClass };

async function resolveAndVet(hostname: string, loopbackHost: boolean, lookup: LookupAll): Promise<Vetting> {
  const literal = ipLiteral(hostname);
  let candidates: readonly { address: string }[];
  if (literal !== undefined) {
    candidates = [{ address: literal }];
  } else {
    try {
      candidates = await lookup(hostname);
    } catch {
      return { refused: 'dns' };
    }
    if (candidates.length === 0) return { refused: 'dns' };
  }
  const addresses: VettedAddress[] = [];
  for (const { address } of candidates) {
    // Under 'local' the loopback names are the one exception, and then only to loopback: `localhost`
    // answering with a LAN address is not what the operator meant to allow.
    const acceptable = loopbackHost ? isLoopbackAddress(address) : isPublicAddress(address);
    if (!acceptable) return { refused: 'address_refused' };
    // The family is taken from the text, not from the resolver's claim, since it decides the socket type.
    addresses.push({ address, family: isIP(address) === 6 ? 6 : 4 });
  }
  return { addresses };
}

/**
 * The address check of an attempt on its own, for subscribe time: undefined when the URL's host resolves (now) to
 * addresses the policy allows, else why not (`dns`, `address_refused`). The URL must have passed checkWebhookUrl.
 */
export async function vetReceiverAddresses(
  url: string,
  policy: UrlPolicy,
  lookup: LookupAll = systemLookup,
): Promise<'dns' | 'address_refused' | undefined> {
  const { hostname } = new URL(url);
  const vetting = await resolveAndVet(hostname, policy === 'local' && LOOPBACK_HOSTS.has(hostname), lookup);
  return 'refused' in vetting ? (vetting.refused as 'dns' | 'address_refused') : undefined;
}

/** Hands the connector the already-vetted addresses, so no second resolution can differ from the checked one. */
function pinnedLookup(addresses: readonly VettedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family =
      options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
    // dns.lookup always calls back asynchronously; net's connect path is written for that.
    process.nextTick(() => {
      const first = usable[0];
      if (first === undefined) {
        const error: NodeJS.ErrnoException = new Error(`No vetted address of family ${family}`);
        error.code = 'ENOTFOUND';
        callback(error, '', 0);
      } else if (options.all) {
        // Every vetted address, so Node's happy-eyeballs can fall back between ::1 and 127.0.0.1 for localhost.
        callback(
          null,
          usable.map((a) => ({ address: a.address, family: a.family })),
        );
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

function buildHeaders(request: AttemptRequest, host: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const present = new Set<string>();
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) continue;
    present.add(lower);
    headers[name] = value;
  }
  if (!present.has('content-type')) headers['Content-Type'] = 'application/json';
  if (!present.has('user-agent')) headers['User-Agent'] = 'Keyway-Webhooks/1';
  headers.Host = host;
  headers['Content-Length'] = String(Buffer.byteLength(request.body, 'utf8'));
  return headers;
}

/** Retry-After as whole seconds from now (RFC 9110 §10.2.3), or undefined when absent or unreadable. */
function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) {
    seconds = Number(trimmed);
  } else if (/[a-z]/i.test(trimmed)) {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    // HTTP-dates have one-second resolution; rounding up never asks the dispatcher to retry early.
    seconds = Math.ceil((at - now) / 1000);
  } else {
    return undefined;
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, seconds));
}

function classifyStatus(status: number): AttemptErrorClass | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 300 && status < 400) return 'redirect';
  return 'http_status';
}

/** One delivery attempt: vet the URL (checkWebhookUrl), resolve the host, refuse if ANY resolved address is non-public (policy 'aws'; under 'local', loopback hosts are allowed, anything else must be public), then connect to the vetted address itself (pass a `lookup` function to http(s).request that returns the vetted address, so DNS cannot change between check and connect — DNS-rebinding), keep the Host header and TLS SNI/servername as the hostname, method POST, no redirects followed, no keep-alive agent (agent: false), bounded body read, one deadline for everything. Never throws: every failure becomes an outcome. Delivered = 2xx. */
export async function attemptDelivery(request: AttemptRequest, options: AttemptOptions): Promise<AttemptOutcome> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const lookup = options.lookup ?? systemLookup;

  if (checkWebhookUrl(request.url, options.policy) !== undefined) {
    return { latencyMs: elapsedSince(started), errorClass: 'invalid_url' };
  }
  const target = new URL(request.url);
  const loopbackHost = options.policy === 'local' && LOOPBACK_HOSTS.has(target.hostname);

  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    let req: ClientRequest | undefined;
    let status: number | undefined;
    let retryAfterSeconds: number | undefined;
    const snippetChunks: Buffer[] = [];
    let snippetBytes = 0;

    const finish = (errorClass: AttemptErrorClass | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      // Also the way an oversized or abandoned body is cut off: the socket goes, nothing more is buffered.
      req?.destroy();
      const outcome: {
        -readonly [K in keyof AttemptOutcome]: AttemptOutcome[K];
      } = { latencyMs: elapsedSince(started) };
      if (status !== undefined) outcome.status = status;
      if (errorClass !== undefined) outcome.errorClass = errorClass;
      if (retryAfterSeconds !== undefined) outcome.retryAfterSeconds = retryAfterSeconds;
      if (snippetBytes > 0) {
        // stream: true withholds a multi-byte character cut at the 1 KiB boundary instead of emitting U+FFFD.
        const text = new TextDecoder('utf-8').decode(Buffer.concat(snippetChunks), { stream: true });
        if (text !== '') outcome.responseSnippet = text;
      }
      resolve(outcome);
    };

    // One clock for everything, DNS included: a resolver that hangs must not outlive the attempt.
    const deadline = setTimeout(() => finish('timeout'), timeoutMs);

    const onResponse = (res: IncomingMessage) => {
      status = res.statusCode;
      if (status !== undefined && (status === 429 || status >= 500)) {
        retryAfterSeconds = parseRetryAfter(res.headers['retry-after'], Date.now());
      }
      // Listeners first: a destroyed response emits 'error', which would be fatal unhandled.
      res.on('error', () => finish('connection'));
      res.on('close', () => {
        if (!res.complete) finish('connection');
      });
      if (status === undefined) {
        finish('connection');
        return;
      }
      const statusClass = classifyStatus(status);
      if (statusClass === 'redirect') {
        finish('redirect');
        return;
      }
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (snippetBytes < SNIPPET_BYTES) {
          const kept = chunk.subarray(0, SNIPPET_BYTES - snippetBytes);
          snippetChunks.push(kept);
          snippetBytes += kept.length;
        }
        if (received > maxResponseBytes) finish('response_too_large');
      });
      res.on('end', () => finish(statusClass));
    };

    const send = (addresses: readonly VettedAddress[]) => {
      const https = target.protocol === 'https:';
      const hostname = ipLiteral(target.hostname) ?? target.hostname;
      const isLiteral = isIP(hostname) !== 0;
      try {
        req = (https ? httpsRequest : httpRequest)({
          protocol: target.protocol,
          hostname,
          port: target.port === '' ? (https ? 443 : 80) : Number(target.port),
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          headers: buildHeaders(request, target.host),
          // A shared agent could hand us a socket opened for another (earlier-vetted) resolution of the name.
          agent: false,
          lookup: pinnedLookup(addresses),
          // SNI must be a name, never an IP (RFC 6066 §3); a trailing root dot would break certificate matching.
          ...(https && !isLiteral ? { servername: hostname.replace(/\.$/, '') } : {}),
        });
      } catch {
        // http.request throws synchronously on header names or values it cannot send (e.g. CR/LF): nothing
        // reached the wire, and the nearest class for "could not send" is a connection failure.
        finish('connection');
        return;
      }
      req.on('error', () => finish('connection'));
      req.on('response', onResponse);
      req.end(request.body, 'utf8');
    };

    resolveAndVet(target.hostname, loopbackHost, lookup).then(
      (vetting) => {
        if (settled) return;
        if ('refused' in vetting) finish(vetting.refused);
        else send(vetting.addresses);
      },
      () => finish('connection'),
    );
  });
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}
