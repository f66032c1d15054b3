import { decideGrowth, sizeFloorMb } from '../../logic/growth';
import type { PolicyDefinition } from '../policy';
import { walrusDefaults } from '../walrus-settings';

/** pg_walsizer's own default: resize once an interval has at least this many forced checkpoints. */
const WALSIZER_THRESHOLD = 2;

/**
 * pg_walsizer (pgEdge): each checkpoint_timeout, when the requested-checkpoint counter moved by at least the
 * threshold, set max_wal_size to current x (forced + 1), capped; it never shrinks. decideGrowth is that rule; the
 * cap is walrus.max's default so both extensions grow towards the same ceiling. pg_walsizer reads the raw counter
 * delta at its own wake-ups, so no normalisation by elapsed time.
 */
export const walsizerPolicy: PolicyDefinition = {
  name: 'walsizer',
  description: `pg_walsizer: grow to current x (forced + 1) at >= ${WALSIZER_THRESHOLD} forced per interval, capped at walrus.max, never shrink`,
  create: (_initialMb, server) => {
    const capMb = walrusDefaults().max_mb;
    const floorMb = sizeFloorMb(server.segmentMb, server.minWalSizeMb);
    return {
      decide: (o) => {
        const g = decideGrowth(o.currentMb, o.requestedDelta, WALSIZER_THRESHOLD, capMb, floorMb);
        return { sizeMb: g.new_size_mb, action: g.action };
      },
    };
  },
  bounds: (initialMb, server) => ({
    minMb: Math.min(initialMb, sizeFloorMb(server.segmentMb, server.minWalSizeMb)),
    maxMb: Math.max(initialMb, walrusDefaults().max_mb),
  }),
};
