import type { RingingCall } from '../../contracts/live-event.js';

/**
 * Signals a connector raises besides raw events, by `type`. A new signal is one member here and one
 * handler where the gateway is wired (bin/pipeline.ts); the connector context stays channel-neutral.
 */
export type ConnectorSignal = { type: 'call.ringing'; call: RingingCall };

export type SignalType = ConnectorSignal['type'];

/** One optional handler per signal type, each receiving only its own member of the union. */
export type SignalHandlers = { [T in SignalType]?: (signal: Extract<ConnectorSignal, { type: T }>) => void };

/** `ctx.emit` over `handlers`: dispatches by type, swallows a throwing handler (signals are best effort). */
export function createEmitter(handlers: SignalHandlers, onError: (err: unknown, signal: ConnectorSignal) => void): (signal: ConnectorSignal) => void {
  return (signal) => {
    const handler = handlers[signal.type] as ((s: ConnectorSignal) => void) | undefined;
    if (!handler) return;
    try {
      handler(signal);
    } catch (err) {
      onError(err, signal);
    }
  };
}
