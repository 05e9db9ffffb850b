/**
 * A bound on an awaited shutdown step. The timer is ref'd and cleared once the step settles: an
 * unref'd one is no bound at all when nothing else keeps the event loop alive — Node then exits
 * before either side settles (seen once in the middle of a corpus run, with status 0 and no word,
 * while Executor.close awaited the unref'd holder's exit).
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
