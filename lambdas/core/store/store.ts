import type { Clock } from '../clock.ts';
import { ClientRepository } from './clients.ts';
import { InteractionRepository } from './interactions.ts';
import type { Table } from './table.ts';
import { TenantRepository } from './tenants.ts';
import { TokenRepository } from './tokens.ts';
import { UserRepository } from './users.ts';

/** The store: one repository per aggregate, all over the same single table. */
export class Store {
  readonly tenants: TenantRepository;
  readonly clients: ClientRepository;
  readonly users: UserRepository;
  readonly interactions: InteractionRepository;
  readonly tokens: TokenRepository;

  constructor(readonly table: Table) {
    this.tenants = new TenantRepository(table);
    this.clients = new ClientRepository(table);
    this.users = new UserRepository(table);
    this.interactions = new InteractionRepository(table);
    this.tokens = new TokenRepository(table);
  }

  get clock(): Clock {
    return this.table.clock;
  }
}
