/** What the bench's peer (node-oidc-provider) is configured with, shared by the server child and the parent. */
export const PEER_CLIENT = { client_id: 'bench-client', client_secret: 'bench-secret-0123456789abcdef0123456789' };
export const PEER_REDIRECT_URI = 'https://app.example.com/callback';
