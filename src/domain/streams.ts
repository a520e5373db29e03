/** The id part of a stream name (`complaint-K123` → `K123`): a process's streams are `<process>-<id>`. */
export function idOfStream(streamName: string): string {
  const i = streamName.indexOf('-');
  return i < 0 ? streamName : streamName.slice(i + 1);
}
