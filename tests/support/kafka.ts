/**
 * Brokers for integration tests. `scripts/test.sh` starts a broker and sets LEADGATE_TEST_KAFKA_BROKERS;
 * a suite that needs Kafka fails loudly without it, so a green run never hides a skipped Kafka test.
 */
export function testKafkaBrokers(): string[] {
  const raw = process.env.LEADGATE_TEST_KAFKA_BROKERS?.trim();
  if (!raw) {
    throw new Error(
      'LEADGATE_TEST_KAFKA_BROKERS is not set: run the tests through `npm test` / `bash scripts/test.sh`, ' +
        'which start a Kafka broker, or set it to host:port of an existing broker (e.g. 127.0.0.1:19092).',
    );
  }
  return raw.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
}

/** A name no earlier run used, for topics and consumer groups. Kafka allows [a-zA-Z0-9._-]. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
