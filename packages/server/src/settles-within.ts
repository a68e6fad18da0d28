/**
 * Whether `promise` settled (either way) within `ms`. For shutdown steps that may wait on a
 * service that has gone (Redis commands wait for a reconnect, a PostgreSQL pool for a query):
 * the caller waits this long, then lets go without it. The timer is unref'd and cleared, so it
 * never keeps a closing process alive.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
  return settled;
}
