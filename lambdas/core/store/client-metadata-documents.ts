import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Client } from './clients.ts';
import { keys } from './keys.ts';
import type { Table } from './table.ts';

/**
 * Is this client id a Client ID Metadata Document URL (draft-ietf-oauth-client-id-metadata-document §3) rather than
 * the id of a registered client? Registered clients get random base64url ids (admin API, core/admin/clients.ts), which
 * never contain `:`, so the two cannot be confused; `http:` counts too, for local mode's loopback documents (the
 * resolver refuses it anywhere else). The store uses it to know that such a client has no CLIENT item to outlive.
 */
export function isMetadataDocumentClientId(clientId: string): boolean {
  return clientId.startsWith('https://') || clientId.startsWith('http://');
}

/** A client as its document described it when last fetched and validated, until `expiresAt` (epoch seconds). */
export interface CachedMetadataDocument {
  readonly client: Client;
  /** Epoch seconds of the fetch. */
  readonly fetchedAt: number;
  /** Epoch seconds after which the document is fetched again (HTTP caching, bounded: core/oidc/client-metadata-documents.ts). */
  readonly expiresAt: number;
}

/**
 * The cache of fetched Client ID Metadata Documents, one item per tenant and URL, shared by every function that
 * resolves such a client (authorize, consent, token, revoke, end-session), so one sign-in fetches the document once.
 * Only valid documents are written (draft §4.3: errors and malformed documents are never cached); an item past its
 * `ttl` reads as absent (Table.isLive) and DynamoDB's TTL removes it later.
 */
export class ClientMetadataDocumentRepository {
  constructor(private readonly table: Table) {}

  async find(tenantId: string, url: string): Promise<CachedMetadataDocument | undefined> {
    // Strongly consistent: the consent page and the token endpoint follow authorize within seconds, and should find
    // what it stored rather than fetch again.
    const item = await this.table.get(keys.clientMetadataDocument(tenantId, url), true);
    // The key holds a hash of the URL: the item must be this URL's, whatever the hash.
    if (!item || item.url !== url) return undefined;
    return {
      client: item.client as Client,
      fetchedAt: item.fetchedAt as number,
      expiresAt: item.ttl as number,
    };
  }

  /**
   * The name the account page shows for the application of a client id URL, without fetching anything: the name its
   * cached document gives, else the URL's host (which the consent page showed too).
   */
  async nameOf(tenantId: string, url: string): Promise<string> {
    const cached = await this.find(tenantId, url);
    return cached?.client.clientName ?? URL.parse(url)?.host ?? url.slice(0, 100);
  }

  /**
   * Stores (or replaces) the document's client. Unconditional: two functions fetching the same document at once write
   * the same thing, and the later fetch is the fresher one.
   */
  async put(cached: CachedMetadataDocument): Promise<void> {
    const { client } = cached;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.clientMetadataDocument(client.tenantId, client.clientId),
          type: 'client_metadata_document',
          url: client.clientId,
          client,
          fetchedAt: cached.fetchedAt,
          ttl: cached.expiresAt,
        },
      }),
    );
  }
}
