import type { Clock } from '../clock.ts';
import type { Table } from './table.ts';
import { TenantRepository } from './tenants.ts';

/** The store: one repository per aggregate, all over the same single table. */
export class Store {
  readonly tenants: TenantRepository;

  constructor(readonly table: Table) {
    this.tenants = new TenantRepository(table);
  }

  get clock(): Clock {
    return this.table.clock;
  }
}
