import type { BatchEventHandler } from '../../../platform/events/event-bus.js';
import type { LedgerService } from '../ledger.service.js';

export const REVERSE_POINTS_SUBSCRIBER = 'loyalty.reverse-points-when-returns-recorded';

/** orders.return.recorded: points back in proportion to the refund (see LedgerService.reverseForReturns). */
export function reversePointsWhenReturnsRecorded(ledger: LedgerService): BatchEventHandler<{ returnId: string; orderId: string }> {
  return async (events, tx) => {
    await ledger.reverseForReturns(
      tx,
      events.map((e) => ({ returnId: e.payload.returnId, orderId: e.payload.orderId })),
    );
  };
}
