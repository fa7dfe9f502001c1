import { adminOpenApi } from '../core/admin/openapi.ts';
import { createHandler } from '../core/http/handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';

/** GET /admin/openapi.json — the admin API's OpenAPI 3.1 document (public: it describes, it grants nothing). */
export async function openApiDocument(req: HttpRequest): Promise<HttpResponse> {
  return json(200, adminOpenApi(req.baseUrl), { 'Cache-Control': 'public, max-age=300' });
}

export const handler = createHandler(openApiDocument, { cors: { kind: 'public' } });
