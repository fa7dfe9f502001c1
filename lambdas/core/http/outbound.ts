/**
 * An outbound HTTP request to an address someone else chose, behind an SSRF guard: webhook deliveries (a tenant picks
 * the receiver, core/webhooks/http-delivery.ts) and Client ID Metadata Documents (a client's `client_id` is the URL,
 * core/oidc/client-metadata-documents.ts).
 *
 * Such a URL is attacker-controlled input aimed at our network position: inside AWS that means the instance metadata
 * service (169.254.169.254, fd00:ec2::254), VPC-private services and loopback. So:
 *
 * - The URL is vetted syntactically (https only, no credentials, no internal-looking hosts) before each request
 *   (and, for webhooks, at subscribe time too, because rules can tighten after a subscription was stored).
 * - The host is resolved once, and the request is refused if ANY address is non-public: a name that mixes a
 *   public and a private address would otherwise let the connector pick the private one.
 * - The connection goes to the addresses that were vetted, through a `lookup` that never resolves again.
 *   Otherwise a short-TTL name could answer public for the check and private for the connect (DNS rebinding).
 *   Host header and TLS SNI still carry the hostname, so virtual hosting and certificate checks are unchanged.
 * - Redirects are never followed: a 3xx would hand the other side a way to point us at an unvetted URL.
 * - The response is read against a byte budget and one deadline covers DNS, connect, send and body, so a
 *   slow or huge answer cannot pin a function's memory or time.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import {
  type ClientRequest,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** 'aws': only https URLs whose resolved addresses are all public. 'local': additionally http/https to localhost, 127.0.0.1 and [::1] (any port). */
export type UrlPolicy = 'aws' | 'local';

export type LookupAll = (hostname: string) => Promise<readonly { address: string; family: 4 | 6 }[]>;

export interface OutboundRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  /** Sent as UTF-8 with its Content-Length; absent: no body. */
  readonly body?: string;
}

export type OutboundErrorClass =
  | 'invalid_url' // checkOutboundUrl refused it
  | 'address_refused' // resolves to a non-public address (SSRF guard)
  | 'dns' // name did not resolve
  | 'timeout' // no complete response within timeoutMs
  | 'connection' // refused, reset, TLS failure, closed mid-response
  | 'redirect' // 3xx (never followed)
  | 'response_too_large' // body over maxResponseBytes: status still reported, socket destroyed
  | 'http_status'; // any non-2xx, non-3xx status

export interface OutboundResponse {
  /** HTTP status when a status line arrived. */
  readonly status?: number;
  /** The response headers, when a status line arrived. */
  readonly headers?: IncomingHttpHeaders;
  /** Epoch milliseconds at which the status line arrived (relative dates such as Retry-After count from it). */
  readonly respondedAt?: number;
  /** The body bytes read, at most maxResponseBytes (the first ones of a body that was too large). */
  readonly body: Buffer;
  /** Wall time of the request in ms. */
  readonly latencyMs: number;
  /** Absent when answered with a 2xx within the limits. */
  readonly errorClass?: OutboundErrorClass;
}

export interface OutboundOptions {
  readonly policy: UrlPolicy;
  /** Whole-request deadline (DNS + connect + send + headers + body). */
  readonly timeoutMs: number;
  /** Response bytes read before giving up on the body. */
  readonly maxResponseBytes: number;
  /** Sent unless the request's headers name one. */
  readonly userAgent: string;
  /** DNS resolution returning every address (default: dns.promises.lookup with all: true, verbatim). Injected in tests. */
  readonly lookup?: LookupAll | undefined;
}

const MAX_URL_LENGTH = 2048;

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

export function checkOutboundUrl(url: string, policy: UrlPolicy): string | undefined {
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

type Vetting = { readonly addresses: readonly VettedAddress[] } | { readonly refused: 'dns' | 'address_refused' };

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
 * The address check of a request on its own (a webhook at subscribe time): undefined when the URL's host resolves (now)
 * to addresses the policy allows, else why not (`dns`, `address_refused`). The URL must have passed checkOutboundUrl.
 */
export async function vetAddresses(
  url: string,
  policy: UrlPolicy,
  lookup: LookupAll = systemLookup,
): Promise<'dns' | 'address_refused' | undefined> {
  const { hostname } = new URL(url);
  const vetting = await resolveAndVet(hostname, policy === 'local' && LOOPBACK_HOSTS.has(hostname), lookup);
  return 'refused' in vetting ? vetting.refused : undefined;
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

function buildHeaders(request: OutboundRequest, host: string, userAgent: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const present = new Set<string>();
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) continue;
    present.add(lower);
    headers[name] = value;
  }
  if (!present.has('user-agent')) headers['User-Agent'] = userAgent;
  headers.Host = host;
  if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body, 'utf8'));
  return headers;
}

function classifyStatus(status: number): OutboundErrorClass | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 300 && status < 400) return 'redirect';
  return 'http_status';
}

/** One request: vet the URL (checkOutboundUrl), resolve the host, refuse if ANY resolved address is non-public (policy 'aws'; under 'local', loopback hosts are allowed, anything else must be public), then connect to the vetted address itself (pass a `lookup` function to http(s).request that returns the vetted address, so DNS cannot change between check and connect — DNS-rebinding), keep the Host header and TLS SNI/servername as the hostname, no redirects followed, no keep-alive agent (agent: false), bounded body read, one deadline for everything. Never throws: every failure becomes an outcome. Success = 2xx. */
export async function sendOutbound(request: OutboundRequest, options: OutboundOptions): Promise<OutboundResponse> {
  const started = performance.now();
  const { timeoutMs, maxResponseBytes } = options;
  const lookup = options.lookup ?? systemLookup;

  if (checkOutboundUrl(request.url, options.policy) !== undefined) {
    return { body: Buffer.alloc(0), latencyMs: elapsedSince(started), errorClass: 'invalid_url' };
  }
  const target = new URL(request.url);
  const loopbackHost = options.policy === 'local' && LOOPBACK_HOSTS.has(target.hostname);

  return new Promise<OutboundResponse>((resolve) => {
    let settled = false;
    let req: ClientRequest | undefined;
    let response: IncomingMessage | undefined;
    let respondedAt: number | undefined;
    const bodyChunks: Buffer[] = [];
    let bodyBytes = 0;

    const finish = (errorClass: OutboundErrorClass | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      // Also the way an oversized or abandoned body is cut off: the socket goes, nothing more is buffered.
      req?.destroy();
      const outcome: { -readonly [K in keyof OutboundResponse]: OutboundResponse[K] } = {
        body: Buffer.concat(bodyChunks),
        latencyMs: elapsedSince(started),
      };
      if (response?.statusCode !== undefined) {
        outcome.status = response.statusCode;
        outcome.headers = response.headers;
      }
      if (respondedAt !== undefined) outcome.respondedAt = respondedAt;
      if (errorClass !== undefined) outcome.errorClass = errorClass;
      resolve(outcome);
    };

    // One clock for everything, DNS included: a resolver that hangs must not outlive the request.
    const deadline = setTimeout(() => finish('timeout'), timeoutMs);

    const onResponse = (res: IncomingMessage) => {
      response = res;
      respondedAt = Date.now();
      const status = res.statusCode;
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
      res.on('data', (chunk: Buffer) => {
        if (bodyBytes < maxResponseBytes) bodyChunks.push(chunk.subarray(0, maxResponseBytes - bodyBytes));
        bodyBytes += chunk.length;
        if (bodyBytes > maxResponseBytes) finish('response_too_large');
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
          method: request.method,
          headers: buildHeaders(request, target.host, options.userAgent),
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
      if (request.body !== undefined) req.end(request.body, 'utf8');
      else req.end();
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
