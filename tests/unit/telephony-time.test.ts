import { epochMillis, secondsBetween, toIsoTime } from '../../connectors/telephony/call-time.normalizer.js';

describe('telephony time normalizer', () => {
  it('tells seconds, milliseconds and microseconds apart by magnitude', () => {
    expect(toIsoTime(1715679060)).toBe('2024-05-14T09:31:00.000Z');
    expect(toIsoTime('1715679060')).toBe('2024-05-14T09:31:00.000Z');
    expect(toIsoTime(1715679060123)).toBe('2024-05-14T09:31:00.123Z');
    expect(toIsoTime(1715679060123456)).toBe('2024-05-14T09:31:00.123Z');
    expect(toIsoTime('1715679060.5')).toBe('2024-05-14T09:31:00.500Z');
  });

  it('treats 0, tiny, huge and unreadable values as absent', () => {
    expect(toIsoTime(0)).toBeUndefined();
    expect(toIsoTime('0')).toBeUndefined();
    expect(toIsoTime(42)).toBeUndefined();
    expect(epochMillis(1e18)).toBeUndefined();
    expect(toIsoTime('yesterday')).toBeUndefined();
    expect(toIsoTime(undefined)).toBeUndefined();
    // Without a zone Date.parse would use the server's zone; only the configured zone may decide.
    expect(toIsoTime('May 14 2024 12:31')).toBeUndefined();
  });

  it('reads wall-clock strings in the given zone, DST included', () => {
    expect(toIsoTime('2024-05-14 12:31:00', 'Europe/Moscow')).toBe('2024-05-14T09:31:00.000Z');
    expect(toIsoTime('2024-05-14 12:31:00', '+03:00')).toBe('2024-05-14T09:31:00.000Z');
    expect(toIsoTime('2024-05-14 12:31:00')).toBe('2024-05-14T12:31:00.000Z');
    expect(toIsoTime('2024-07-01 12:00:00', 'Europe/Berlin')).toBe('2024-07-01T10:00:00.000Z');
    expect(toIsoTime('2024-01-15 12:00:00', 'Europe/Berlin')).toBe('2024-01-15T11:00:00.000Z');
    expect(toIsoTime('2024-05-14T09:31:00+03:00')).toBe('2024-05-14T06:31:00.000Z');
  });

  it('measures seconds between two times', () => {
    expect(secondsBetween('2024-05-14T09:31:00.000Z', '2024-05-14T09:33:01.000Z')).toBe(121);
    expect(secondsBetween('2024-05-14T09:33:01.000Z', '2024-05-14T09:31:00.000Z')).toBeUndefined();
    expect(secondsBetween(undefined, '2024-05-14T09:31:00.000Z')).toBeUndefined();
  });
});
