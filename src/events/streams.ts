/** Stream names come from business keys; the workflow that owns a stream has the same id. */
export const customerStream = (customerId: string): string => `customer-${customerId}`;
export const complaintStream = (complaintId: string): string => `complaint-${complaintId}`;

export const STREAM_PREFIX = {
  customer: 'customer-',
  complaint: 'complaint-',
} as const;

/** The id part of a stream name (`complaint-42` → `42`). */
export function streamKey(streamName: string): string {
  const i = streamName.indexOf('-');
  return i < 0 ? streamName : streamName.slice(i + 1);
}
