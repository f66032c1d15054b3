import type { PolicyDefinition } from '../policy';

/** The baseline nobody tuned: max_wal_size stays where it started (PostgreSQL's 1GB default in the benchmarks). */
export const staticPolicy: PolicyDefinition = {
  name: 'static',
  description: 'max_wal_size never changes (PostgreSQL default 1GB)',
  create: () => ({ decide: (o) => ({ sizeMb: o.currentMb, action: 'no_change' }) }),
  bounds: (initialMb) => ({ minMb: initialMb, maxMb: initialMb }),
};
